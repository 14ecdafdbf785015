import Foundation

/// The segments of a ZISRAW (CZI) file that opening needs: the file header, the subblock
/// directory and the metadata XML. Every segment starts with a 32-byte header (16-byte ASCII
/// id, allocated size, used size); offsets and sizes are checked against the file before
/// anything is read or allocated. Subblocks themselves are located lazily, per plane read.
final class CZIContainer: @unchecked Sendable {
    let file: FileReader
    let version: (major: Int, minor: Int)
    let entries: [CZIDirectoryEntry]
    /// The metadata segment's XML, nil when the file has none.
    let xml: Data?
    /// Problems met while reading the segments that did not stop the reading.
    let warnings: [String]

    static let magic = Array("ZISRAWFILE".utf8)
    static let segmentHeaderSize = 32
    /// The directory and XML are read whole: refuse sizes no real file has.
    static let maxDirectoryBytes: UInt64 = 1 << 30
    static let maxXMLBytes = 256 << 20
    static let maxEntries = 50_000_000

    private var dataLocations: [UInt64: (offset: UInt64, size: Int)] = [:]
    private let lock = NSLock()

    init(path: String) throws {
        file = try FileReader(path: path)
        let le = ByteOrderReader(bigEndian: false)
        let header = try CZIContainer.segment(file, at: 0, expecting: "ZISRAWFILE", what: "file header", dataBytes: 80)
        version = (Int(le.u32(header, 0)), Int(le.u32(header, 4)))
        let directoryPosition = le.u64(header, 52)
        let metadataPosition = le.u64(header, 60)
        let filePart = Int(Int32(bitPattern: le.u32(header, 48)))
        guard filePart == 0 else { throw FormatError("this is part \(filePart) of a multi-file CZI; open the first part") }
        guard directoryPosition > 0 else { throw FormatError("CZI file header has no subblock directory") }
        entries = try CZIContainer.readDirectory(file, at: directoryPosition)

        var warnings: [String] = []
        if metadataPosition == 0 {
            xml = nil
            warnings.append("the CZI has no metadata segment; sizes and channel names are unknown")
        } else {
            do {
                xml = try CZIContainer.readXML(file, at: metadataPosition)
            } catch {
                xml = nil
                warnings.append("the CZI metadata segment is unreadable (\(error.omioReason))")
            }
        }
        self.warnings = warnings
    }

    /// Reads a segment header at `offset`, checks its id, and returns the first `dataBytes`
    /// bytes of its data.
    static func segment(_ file: FileReader, at offset: UInt64, expecting id: String, what: String, dataBytes: Int) throws -> [UInt8] {
        let total = segmentHeaderSize + dataBytes
        guard file.contains(offset: offset, count: UInt64(total)) else {
            throw FormatError("CZI \(what) at offset \(offset) lies past the end of the file (\(file.size) bytes)")
        }
        let bytes = try file.read(at: offset, count: total)
        let found = CZIDirectoryEntry.ascii(bytes[0..<16])
        guard found == id else {
            let shown = found.allSatisfy { $0.isASCII && !$0.isWhitespace && ($0.isLetter || $0.isNumber) } ? found : "?"
            throw FormatError("CZI \(what) at offset \(offset) is not a \(id) segment (found \"\(shown)\")")
        }
        return Array(bytes[segmentHeaderSize...])
    }

    /// The subblock directory: an entry count, 124 reserved bytes, then the entries.
    static func readDirectory(_ file: FileReader, at offset: UInt64) throws -> [CZIDirectoryEntry] {
        let le = ByteOrderReader(bigEndian: false)
        let head = try segment(file, at: offset, expecting: "ZISRAWDIRECTORY", what: "subblock directory", dataBytes: 128)
        let count = Int(Int32(bitPattern: le.u32(head, 0)))
        let dataStart = offset + UInt64(segmentHeaderSize)
        let remaining = file.size - dataStart
        // Each entry takes at least 32 bytes: a count the file cannot hold is corrupt.
        guard count >= 0, count <= maxEntries, UInt64(128 + count * CZIDirectoryEntry.fixedSize) <= remaining else {
            throw FormatError("CZI subblock directory claims \(count) entries, more than the file can hold")
        }
        guard count > 0 else { throw FormatError("CZI subblock directory is empty (no image data)") }
        let longest = UInt64(128 + count * (CZIDirectoryEntry.fixedSize + CZIDirectoryEntry.dimensionSize * CZIDirectoryEntry.maxDimensions))
        let length = min(remaining, longest, maxDirectoryBytes)
        let bytes = try file.read(at: dataStart, count: Int(length))
        var entries: [CZIDirectoryEntry] = []
        entries.reserveCapacity(count)
        var p = 128
        for i in 0..<count {
            do {
                let e = try CZIDirectoryEntry.parse(bytes, at: p)
                entries.append(e)
                p += e.byteCount
            } catch {
                throw FormatError("CZI subblock directory entry \(i): \(error.omioReason)")
            }
        }
        return entries
    }

    /// The metadata segment: XML size, attachment size, 248 reserved bytes, then the XML.
    static func readXML(_ file: FileReader, at offset: UInt64) throws -> Data {
        let le = ByteOrderReader(bigEndian: false)
        let head = try segment(file, at: offset, expecting: "ZISRAWMETADATA", what: "metadata segment", dataBytes: 256)
        let size = Int(Int32(bitPattern: le.u32(head, 0)))
        guard size > 0, size <= maxXMLBytes else { throw FormatError("XML size \(size) is invalid") }
        let start = offset + UInt64(segmentHeaderSize + 256)
        guard file.contains(offset: start, count: UInt64(size)) else { throw FormatError("the XML runs past the end of the file") }
        var bytes = try file.read(at: start, count: size)
        // Writers pad the XML with NULs inside its declared size.
        while bytes.last == 0 { bytes.removeLast() }
        return Data(bytes)
    }

    /// Where a subblock's pixel data lie: after its 32-byte segment header, a fixed part of at
    /// least 256 bytes (sizes, its own directory entry, padding) and its metadata XML.
    func dataLocation(of entry: CZIDirectoryEntry) throws -> (offset: UInt64, size: Int) {
        lock.lock()
        let hit = dataLocations[entry.filePosition]
        lock.unlock()
        if let hit { return hit }
        let le = ByteOrderReader(bigEndian: false)
        let position = entry.filePosition
        let head = try CZIContainer.segment(file, at: position, expecting: "ZISRAWSUBBLOCK", what: "subblock", dataBytes: 16 + CZIDirectoryEntry.fixedSize)
        let metadataSize = Int(Int32(bitPattern: le.u32(head, 0)))
        let dataSize = Int64(bitPattern: le.u64(head, 8))
        let dims = Int(Int32(bitPattern: le.u32(head, 16 + 28)))
        guard metadataSize >= 0, dataSize >= 0, dims >= 0, dims <= CZIDirectoryEntry.maxDimensions else {
            throw FormatError("CZI subblock at offset \(position) has a corrupt header")
        }
        let fixed = max(256, 16 + CZIDirectoryEntry.fixedSize + CZIDirectoryEntry.dimensionSize * dims)
        let offset = position + UInt64(CZIContainer.segmentHeaderSize + fixed + metadataSize)
        guard file.contains(offset: offset, count: UInt64(dataSize)) else {
            throw FormatError("CZI subblock at offset \(position) (\(dataSize) bytes of data) runs past the end of the file")
        }
        let location = (offset, Int(dataSize))
        lock.lock()
        dataLocations[position] = location
        lock.unlock()
        return location
    }
}
