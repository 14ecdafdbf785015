import Foundation

/// One image file directory: its entries, parsed once, values decoded on request.
public struct TIFFIFD: Sendable {
    public let offset: UInt64
    public let entries: [TIFFEntry]
    private let index: [UInt16: Int]

    init(offset: UInt64, entries: [TIFFEntry]) {
        self.offset = offset
        self.entries = entries
        var index: [UInt16: Int] = [:]
        for (i, e) in entries.enumerated() where index[e.tag] == nil { index[e.tag] = i }
        self.index = index
    }

    public func entry(_ tag: UInt16) -> TIFFEntry? { index[tag].map { entries[$0] } }
    public func has(_ tag: UInt16) -> Bool { index[tag] != nil }
}

/// A TIFF or BigTIFF file: the header, the chain of IFD offsets (walked once at open), and
/// value decoding bounded by the file size.
public final class TIFFContainer: @unchecked Sendable {
    public let file: FileReader
    public let bigTIFF: Bool
    public let byteOrder: ByteOrderReader
    /// Offsets of the IFDs in the main chain, in order.
    public private(set) var ifdOffsets: [UInt64] = []
    /// Why the chain walk stopped early, if it did (a loop or a bad offset after good IFDs).
    public private(set) var chainWarning: String?

    private var cache: [UInt64: TIFFIFD] = [:]
    private let lock = NSLock()

    /// A value bigger than this is refused, whatever the file claims (no real tag comes close).
    static let maxValueBytes: UInt64 = 512 << 20

    public var bigEndian: Bool { byteOrder.bigEndian }
    public var path: String { file.path }

    public init(file: FileReader) throws {
        self.file = file
        guard file.size >= 8 else { throw FormatError("not a TIFF file (\(file.size) bytes)") }
        let head = try file.read(at: 0, count: Int(min(16, file.size)))
        switch (head[0], head[1]) {
        case (0x49, 0x49): byteOrder = ByteOrderReader(bigEndian: false)
        case (0x4D, 0x4D): byteOrder = ByteOrderReader(bigEndian: true)
        default: throw FormatError("not a TIFF file (no II/MM byte-order mark)")
        }
        let magic = byteOrder.u16(head, 2)
        var first: UInt64
        switch magic {
        case 42:
            bigTIFF = false
            first = UInt64(byteOrder.u32(head, 4))
        case 43:
            guard head.count >= 16, byteOrder.u16(head, 4) == 8 else {
                throw FormatError("not a valid BigTIFF header")
            }
            bigTIFF = true
            first = byteOrder.u64(head, 8)
        default:
            throw FormatError("not a TIFF file (magic number \(magic))")
        }
        try walkChain(from: first)
    }

    public convenience init(path: String) throws {
        try self.init(file: FileReader(path: path))
    }

    private func walkChain(from first: UInt64) throws {
        var seen = Set<UInt64>()
        var next = first
        while next != 0 {
            if seen.contains(next) {
                chainWarning = "the IFD chain loops back to offset \(next); read \(ifdOffsets.count) IFDs"
                break
            }
            seen.insert(next)
            let ifd: TIFFIFD
            let following: UInt64
            do {
                (ifd, following) = try parseIFD(at: next)
            } catch {
                if ifdOffsets.isEmpty { throw FormatError("first IFD is unreadable: \(error.omioReason)") }
                chainWarning = "IFD \(ifdOffsets.count) at offset \(next) is unreadable (\(error.omioReason)); read \(ifdOffsets.count) IFDs"
                break
            }
            cache[next] = ifd
            ifdOffsets.append(next)
            next = following
        }
        if ifdOffsets.isEmpty { throw FormatError("the file has no image directory") }
    }

    /// The IFD at an offset (main chain or SubIFD), parsed once and kept.
    public func ifd(at offset: UInt64) throws -> TIFFIFD {
        lock.lock()
        if let hit = cache[offset] {
            lock.unlock()
            return hit
        }
        lock.unlock()
        let (ifd, _) = try parseIFD(at: offset)
        lock.lock()
        cache[offset] = ifd
        lock.unlock()
        return ifd
    }

    public func ifd(_ index: Int) throws -> TIFFIFD {
        guard index >= 0, index < ifdOffsets.count else {
            throw FormatError("IFD \(index) does not exist (the file has \(ifdOffsets.count))")
        }
        return try ifd(at: ifdOffsets[index])
    }

    private func parseIFD(at offset: UInt64) throws -> (TIFFIFD, UInt64) {
        let countSize = bigTIFF ? 8 : 2
        let entrySize = bigTIFF ? 20 : 12
        let pointerSize = bigTIFF ? 8 : 4
        guard offset >= 8, file.contains(offset: offset, count: UInt64(countSize)) else {
            throw FormatError("IFD offset \(offset) is outside the file")
        }
        let countBytes = try file.read(at: offset, count: countSize)
        let n = bigTIFF ? byteOrder.u64(countBytes, 0) : UInt64(byteOrder.u16(countBytes, 0))
        guard n > 0 else { throw FormatError("IFD at offset \(offset) has no entries") }
        guard n <= 65_535 else { throw FormatError("IFD at offset \(offset) claims \(n) entries") }
        let bodySize = Int(n) * entrySize + pointerSize
        let body = try file.read(at: offset + UInt64(countSize), count: bodySize)
        var entries: [TIFFEntry] = []
        entries.reserveCapacity(Int(n))
        let inlineSize = bigTIFF ? 8 : 4
        for i in 0..<Int(n) {
            let p = i * entrySize
            let tag = byteOrder.u16(body, p)
            let type = byteOrder.u16(body, p + 2)
            let count = bigTIFF ? byteOrder.u64(body, p + 4) : UInt64(byteOrder.u32(body, p + 4))
            let valuePos = p + (bigTIFF ? 12 : 8)
            let typeSize = TIFFEntry.typeSize(type)
            guard typeSize > 0 else { continue } // unknown field type: skip, as libtiff does
            let (total, overflow) = count.multipliedReportingOverflow(by: UInt64(typeSize))
            guard !overflow else { continue }
            if total <= UInt64(inlineSize) {
                let bytes = Array(body[valuePos..<(valuePos + Int(total))])
                entries.append(TIFFEntry(tag: tag, type: type, count: count, inline: bytes, valueOffset: 0))
            } else {
                let off = bigTIFF ? byteOrder.u64(body, valuePos) : UInt64(byteOrder.u32(body, valuePos))
                entries.append(TIFFEntry(tag: tag, type: type, count: count, inline: nil, valueOffset: off))
            }
        }
        let np = Int(n) * entrySize
        let next = bigTIFF ? byteOrder.u64(body, np) : UInt64(byteOrder.u32(body, np))
        return (TIFFIFD(offset: offset, entries: entries), next)
    }

    // MARK: value decoding

    /// The raw bytes of an entry's value, bounded by the file size and `maxValueBytes`.
    public func rawValue(_ e: TIFFEntry) throws -> [UInt8] {
        if let inline = e.inline { return inline }
        let total = e.byteCount
        guard total <= TIFFContainer.maxValueBytes else {
            throw FormatError("\(TIFFTag.name(e.tag)) claims \(total) bytes")
        }
        guard file.contains(offset: e.valueOffset, count: total) else {
            throw FormatError("\(TIFFTag.name(e.tag)) points past the end of the file")
        }
        return try file.read(at: e.valueOffset, count: Int(total))
    }

    /// Unsigned integer values (BYTE, SHORT, LONG, LONG8, IFD types).
    public func integers(_ e: TIFFEntry) throws -> [UInt64] {
        let b = try rawValue(e)
        let n = Int(e.count)
        switch e.type {
        case 1, 7: return b.map { UInt64($0) }
        case 6: return b.map { UInt64(bitPattern: Int64(Int8(bitPattern: $0))) }
        case 3: return (0..<n).map { UInt64(byteOrder.u16(b, $0 * 2)) }
        case 8: return (0..<n).map { UInt64(bitPattern: Int64(Int16(bitPattern: byteOrder.u16(b, $0 * 2)))) }
        case 4, 13: return (0..<n).map { UInt64(byteOrder.u32(b, $0 * 4)) }
        case 9: return (0..<n).map { UInt64(bitPattern: Int64(Int32(bitPattern: byteOrder.u32(b, $0 * 4)))) }
        case 16, 17, 18: return (0..<n).map { byteOrder.u64(b, $0 * 8) }
        default: throw FormatError("\(TIFFTag.name(e.tag)) is not an integer (\(e.typeName))")
        }
    }

    /// Numeric values as doubles (rationals divided; a zero denominator gives 0).
    public func doubles(_ e: TIFFEntry) throws -> [Double] {
        let b = try rawValue(e)
        let n = Int(e.count)
        switch e.type {
        case 5: return (0..<n).map {
                let d = byteOrder.u32(b, $0 * 8 + 4)
                return d == 0 ? 0 : Double(byteOrder.u32(b, $0 * 8)) / Double(d)
            }
        case 10: return (0..<n).map {
                let d = Int32(bitPattern: byteOrder.u32(b, $0 * 8 + 4))
                return d == 0 ? 0 : Double(Int32(bitPattern: byteOrder.u32(b, $0 * 8))) / Double(d)
            }
        case 11: return (0..<n).map { Double(byteOrder.f32(b, $0 * 4)) }
        case 12: return (0..<n).map { byteOrder.f64(b, $0 * 8) }
        case 6, 8, 9, 17: return try integers(e).map { Double(Int64(bitPattern: $0)) }
        default: return try integers(e).map { Double($0) }
        }
    }

    /// An ASCII (or UNDEFINED/BYTE) value as text: UTF-8 when valid, else Latin-1 (ImageJ
    /// writes µ as the single byte 0xB5). Stops at the first NUL.
    public func string(_ e: TIFFEntry) throws -> String {
        var b = try rawValue(e)
        if let nul = b.firstIndex(of: 0) { b.removeSubrange(nul...) }
        return TIFFContainer.decodeText(b)
    }

    static func decodeText(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        return String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    // MARK: convenience on an IFD

    public func integer(_ ifd: TIFFIFD, _ tag: UInt16) throws -> UInt64? {
        guard let e = ifd.entry(tag), e.count >= 1 else { return nil }
        return try integers(e).first
    }

    public func string(_ ifd: TIFFIFD, _ tag: UInt16) -> String? {
        guard let e = ifd.entry(tag) else { return nil }
        return try? string(e)
    }

    public func double(_ ifd: TIFFIFD, _ tag: UInt16) -> Double? {
        guard let e = ifd.entry(tag), e.count >= 1 else { return nil }
        return (try? doubles(e))?.first
    }
}
