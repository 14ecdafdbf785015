import CZstd
import Foundation

/// A small ZISRAW writer for tests: a file header, subblocks, a metadata segment and the
/// subblock directory, laid out as ZEN does (every segment a 32-byte header plus data padded
/// to 32 bytes; subblock data after a 256-byte fixed part).
struct CZITestWriter {
    struct Subblock {
        /// Dimensions in stored order (X first, as ZEN writes them): name, start, size.
        var dims: [(String, Int, Int)]
        var pixelType: Int
        var payload: [UInt8]
        var compression = 0
        var pyramidType = 0
        /// Stored X/Y sizes when smaller than the logical ones (pyramid subblocks).
        var storedX: Int?
        var storedY: Int?
    }

    var subblocks: [Subblock] = []
    var xml: String?

    /// Where `build()` put the segments, for corruption tests. `structural` spans the bytes a
    /// reader interprets (headers, entries, the directory), leaving out padding and pixels.
    struct Layout {
        var subblocks: [Int] = []
        var metadata = 0
        var directory = 0
        var structural: [Range<Int>] = [0..<112]
    }

    func bytes() -> [UInt8] { build().0 }

    func build() -> ([UInt8], Layout) {
        var layout = Layout()
        var out = segment("ZISRAWFILE", [UInt8](repeating: 0, count: 512)) // patched below
        var entries: [UInt8] = []
        for sb in subblocks {
            let position = out.count
            layout.subblocks.append(position)
            let entry = entryBytes(sb, position: position)
            entries += entry
            // A reader takes a subblock's sizes and dimension count from its header; the rest of
            // its entry repeats the directory's.
            layout.structural += [position..<(position + 48), (position + 76)..<(position + 80)]
            var data = i32(0) + i32(0) + i64(sb.payload.count) + entry
            if data.count < 256 { data += [UInt8](repeating: 0, count: 256 - data.count) }
            out += segment("ZISRAWSUBBLOCK", data + sb.payload)
        }
        var metadataPosition = 0
        if let xml {
            metadataPosition = out.count
            layout.structural.append(metadataPosition..<(metadataPosition + 40))
            let text = Array(xml.utf8)
            out += segment("ZISRAWMETADATA", i32(text.count) + i32(0) + [UInt8](repeating: 0, count: 248) + text)
        }
        layout.metadata = metadataPosition
        let directoryPosition = out.count
        layout.directory = directoryPosition
        out += segment("ZISRAWDIRECTORY", i32(subblocks.count) + [UInt8](repeating: 0, count: 124) + entries)
        layout.structural.append(directoryPosition..<(directoryPosition + 32 + 128 + entries.count))

        var header = i32(1) + i32(0) + i32(0) + i32(0) + [UInt8](repeating: 7, count: 32) + i32(0)
        header += i64(directoryPosition) + i64(metadataPosition) + i32(0) + i64(0)
        out.replaceSubrange(32..<(32 + header.count), with: header)
        return (out, layout)
    }

    func write(to path: String) throws {
        try Data(bytes()).write(to: URL(fileURLWithPath: path))
    }

    func entryBytes(_ sb: Subblock, position: Int) -> [UInt8] {
        var e = Array("DV".utf8) + i32(sb.pixelType) + i64(position) + i32(0) + i32(sb.compression)
        e += [UInt8(sb.pyramidType), 0, 0, 0, 0, 0] + i32(sb.dims.count)
        for (name, start, size) in sb.dims {
            let stored = name == "X" ? (sb.storedX ?? size) : (name == "Y" ? (sb.storedY ?? size) : size)
            e += Array(name.utf8) + [UInt8](repeating: 0, count: 4 - name.utf8.count)
            e += i32(start) + i32(size) + i32(0) + i32(stored)
        }
        return e
    }

    func segment(_ id: String, _ data: [UInt8]) -> [UInt8] {
        let allocated = (data.count + 31) / 32 * 32
        return Array(id.utf8) + [UInt8](repeating: 0, count: 16 - id.utf8.count) + i64(allocated) + i64(data.count)
            + data + [UInt8](repeating: 0, count: allocated - data.count)
    }

    func i32(_ v: Int) -> [UInt8] { withUnsafeBytes(of: Int32(v).littleEndian, Array.init) }
    func i64(_ v: Int) -> [UInt8] { withUnsafeBytes(of: Int64(v).littleEndian, Array.init) }

    // MARK: content helpers

    /// The ImageDocument XML ZEN writes, reduced to what the reader uses.
    static func metadataXML(scalingMetres: [String: Double], channels: [(name: String, color: String)] = [],
                            timeIncrement: Double? = nil) -> String {
        let distances = scalingMetres.sorted { $0.key < $1.key }.map {
            "<Distance Id=\"\($0.key)\"><Value>\($0.value)</Value><DefaultUnitFormat>µm</DefaultUnitFormat></Distance>"
        }.joined()
        let info = channels.enumerated().map { "<Channel Id=\"Channel:\($0.offset)\" Name=\"\($0.element.name)\"><Color>\($0.element.color)</Color></Channel>" }.joined()
        let time = timeIncrement.map { "<T><Positions><Interval><Start>0</Start><Increment>\($0)</Increment></Interval></Positions></T>" } ?? ""
        return """
        <?xml version="1.0" encoding="utf-8"?>
        <ImageDocument><Metadata><Information><Application><Name>test</Name></Application><Image><Dimensions>\
        <Channels>\(info)</Channels>\(time)</Dimensions></Image></Information>\
        <Scaling><Items>\(distances)</Items></Scaling></Metadata></ImageDocument>
        """
    }

    static func le16(_ values: [UInt16]) -> [UInt8] { values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

    static func zstd(_ raw: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(raw.count))
        let n = ZSTD_compress(&out, out.count, raw, raw.count, 3)
        precondition(ZSTD_isError(n) == 0)
        return Array(out.prefix(n))
    }

    /// zstd1 with hi-lo byte packing: header (3, chunk 1, flag 1), then low bytes before high.
    static func zstd1HiLo(_ raw: [UInt8]) -> [UInt8] {
        let lo = stride(from: 0, to: raw.count, by: 2).map { raw[$0] }
        let hi = stride(from: 1, to: raw.count, by: 2).map { raw[$0] }
        return [3, 1, 1] + zstd(lo + hi)
    }
}
