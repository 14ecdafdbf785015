import CZlib
import Foundation

/// A tag value to write.
public enum TIFFValue: Sendable {
    case shorts([UInt16])
    case longs([UInt32])
    case long8s([UInt64])
    case rationals([(UInt32, UInt32)])
    case doubles([Double])
    case ascii(String)
    case bytes([UInt8])
    case undefined([UInt8])

    var type: UInt16 {
        switch self {
        case .shorts: return 3
        case .longs: return 4
        case .long8s: return 16
        case .rationals: return 5
        case .doubles: return 12
        case .ascii: return 2
        case .bytes: return 1
        case .undefined: return 7
        }
    }

    var count: Int {
        switch self {
        case let .shorts(v): return v.count
        case let .longs(v): return v.count
        case let .long8s(v): return v.count
        case let .rationals(v): return v.count
        case let .doubles(v): return v.count
        case let .ascii(s): return s.utf8.count + 1
        case let .bytes(v), let .undefined(v): return v.count
        }
    }

    /// A resolution in pixels per unit as a rational with enough precision for sub-micron sizes.
    public static func resolution(_ pixelsPerUnit: Double) -> TIFFValue {
        guard pixelsPerUnit.isFinite, pixelsPerUnit > 0 else { return .rationals([(0, 1)]) }
        var den: UInt32 = 1_000_000
        while Double(den) * pixelsPerUnit > Double(UInt32.max), den > 1 { den /= 10 }
        return .rationals([(UInt32((pixelsPerUnit * Double(den)).rounded()), den)])
    }
}

/// How a page stores its pixels.
public struct TIFFPageSpec: Sendable {
    public enum Compression: Int, Sendable { case none = 1, deflate = 8 }

    public var width: Int
    public var height: Int
    public var dtype: PixelType
    public var samplesPerPixel: Int = 1
    /// PlanarConfiguration 2 (each sample its own plane) instead of interleaved.
    public var separatePlanes = false
    public var photometric: UInt16 = 1 // min-is-black; 2 for RGB
    public var compression: Compression = .none
    /// Horizontal differencing before deflate (integer types only).
    public var predictor = false
    /// Tile size, or nil for strips of `rowsPerStrip` rows.
    public var tile: (width: Int, height: Int)?
    public var rowsPerStrip: Int?
    public var subfileType: UInt32 = 0
    /// Additional tags (description, resolution, private tags).
    public var tags: [(UInt16, TIFFValue)] = []

    public init(width: Int, height: Int, dtype: PixelType) {
        self.width = width
        self.height = height
        self.dtype = dtype
    }
}

/// Writes TIFF or BigTIFF pages one after another to a file descriptor: pixel data first,
/// then the IFD, whose offset is patched into the previous IFD. Memory use is one page.
public final class TIFFWriter {
    public let bigTIFF: Bool
    public let bigEndian: Bool
    private let fd: Int32
    private var position: UInt64 = 0
    /// Where the previous "next IFD" pointer lives (the header's first-IFD field initially).
    private var pendingNextPointer: UInt64
    public private(set) var pageCount = 0

    public init(fd: Int32, bigTIFF: Bool = false, bigEndian: Bool = false) throws {
        self.fd = fd
        self.bigTIFF = bigTIFF
        self.bigEndian = bigEndian
        pendingNextPointer = bigTIFF ? 8 : 4
        var head: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
        head += bigTIFF ? u16(43) + u16(8) + u16(0) + u64(0) : u16(42) + u32(0)
        try append(head)
    }

    /// Appends one page. `pixels` holds all samples, little-endian: interleaved (Y, X, S) or,
    /// for separate planes, sample planes one after another (S, Y, X).
    /// Returns the offset of the page's IFD.
    @discardableResult
    public func addPage(_ spec: TIFFPageSpec, pixels: [UInt8]) throws -> UInt64 {
        let bps = spec.dtype.bytes
        let spp = spec.samplesPerPixel
        guard pixels.count == spec.width * spec.height * spp * bps else {
            throw FormatError("page data is \(pixels.count) bytes, \(spec.width)x\(spec.height)x\(spp)x\(bps) expected")
        }
        let interleave = spec.separatePlanes ? 1 : spp
        let planeBytes = spec.width * spec.height * interleave * bps
        return try addPage(spec) { p, x0, y0, w, h in
            self.extract(pixels, planeOffset: p * planeBytes, spec: spec, interleave: interleave, x0: x0, y0: y0, w: w, h: h)
        }
    }

    /// Appends one stripped, interleaved page whose strips come one at a time: `strip(i)` gives
    /// rows `i * rowsPerStrip ..<` (the last strip may be shorter), little-endian. Memory is
    /// one strip, whatever the page's size.
    @discardableResult
    public func addPage(_ spec: TIFFPageSpec, strip: (Int) throws -> [UInt8]) throws -> UInt64 {
        guard spec.tile == nil, !spec.separatePlanes || spec.samplesPerPixel == 1 else {
            throw FormatError("strip-by-strip pages are stripped and interleaved")
        }
        let rowBytes = spec.width * spec.samplesPerPixel * spec.dtype.bytes
        return try addPage(spec) { _, _, y0, _, h in
            let bytes = try strip(y0 / max(1, spec.rowsPerStrip ?? spec.height))
            guard bytes.count == h * rowBytes else { throw FormatError("strip data is \(bytes.count) bytes, \(h * rowBytes) expected") }
            return bytes
        }
    }

    /// Writes the chunks `chunk(plane, x0, y0, w, h)` gives (tiles padded to full size), then the IFD.
    private func addPage(_ spec: TIFFPageSpec, chunk chunkAt: (Int, Int, Int, Int, Int) throws -> [UInt8]) throws -> UInt64 {
        let bps = spec.dtype.bytes
        let spp = spec.samplesPerPixel
        let interleave = spec.separatePlanes ? 1 : spp
        let planes = spec.separatePlanes ? spp : 1
        let chunkW = spec.tile?.width ?? spec.width
        let chunkH = spec.tile?.height ?? min(spec.rowsPerStrip ?? spec.height, spec.height)
        let across = (spec.width + chunkW - 1) / chunkW
        let down = (spec.height + chunkH - 1) / chunkH
        var offsets: [UInt64] = []
        var counts: [UInt64] = []
        for p in 0..<planes {
            for row in 0..<down {
                for col in 0..<across {
                    var chunk = try chunkAt(p, col * chunkW, row * chunkH, chunkW,
                                            spec.tile == nil ? min(chunkH, spec.height - row * chunkH) : chunkH)
                    if bigEndian, bps > 1 { chunk.withUnsafeMutableBytes { swapBytes($0, width: bps) } }
                    if spec.compression == .deflate {
                        if spec.predictor { applyPredictor(&chunk, rowSamples: chunkW * interleave, interleave: interleave, bps: bps) }
                        chunk = try deflate(chunk)
                    }
                    offsets.append(position)
                    counts.append(UInt64(chunk.count))
                    try append(chunk)
                    if chunk.count % 2 == 1 { try append([0]) } // word-align the next block
                }
            }
        }
        var tags: [(UInt16, TIFFValue)] = [
            (254, .longs([spec.subfileType])),
            (256, .longs([UInt32(spec.width)])),
            (257, .longs([UInt32(spec.height)])),
            (258, .shorts(Array(repeating: UInt16(bps * 8), count: spp))),
            (259, .shorts([UInt16(spec.compression.rawValue)])),
            (262, .shorts([spec.photometric])),
            (277, .shorts([UInt16(spp)])),
            (284, .shorts([spec.separatePlanes ? 2 : 1])),
            (339, .shorts(Array(repeating: UInt16(spec.dtype.tiffSampleFormat), count: spp))),
        ]
        if spec.compression == .deflate, spec.predictor { tags.append((317, .shorts([2]))) }
        let offsetValue: ([UInt64]) -> TIFFValue = { v in
            self.bigTIFF ? .long8s(v) : .longs(v.map { UInt32(truncatingIfNeeded: $0) })
        }
        if let tile = spec.tile {
            tags += [(322, .longs([UInt32(tile.width)])), (323, .longs([UInt32(tile.height)])),
                     (324, offsetValue(offsets)), (325, offsetValue(counts))]
        } else {
            tags += [(273, offsetValue(offsets)), (278, .longs([UInt32(chunkH)])), (279, offsetValue(counts))]
        }
        if !bigTIFF, position > UInt64(UInt32.max) {
            throw FormatError("the data exceed 4 GiB; write a BigTIFF")
        }
        tags += spec.tags
        return try writeIFD(tags)
    }

    /// Writes an IFD with the given tags (sorted, as TIFF requires) and links it into the chain.
    private func writeIFD(_ tags: [(UInt16, TIFFValue)]) throws -> UInt64 {
        let sorted = tags.sorted { $0.0 < $1.0 }
        let entrySize = bigTIFF ? 20 : 12
        let inlineSize = bigTIFF ? 8 : 4
        let headerSize = (bigTIFF ? 8 : 2) + sorted.count * entrySize + (bigTIFF ? 8 : 4)
        let ifdOffset = position + (position % 2)
        var externalAt = ifdOffset + UInt64(headerSize)
        var ifd: [UInt8] = bigTIFF ? u64(UInt64(sorted.count)) : u16(UInt16(sorted.count))
        var external: [UInt8] = []
        for (tag, value) in sorted {
            let bytes = encode(value)
            ifd += u16(tag) + u16(value.type)
            ifd += bigTIFF ? u64(UInt64(value.count)) : u32(UInt32(value.count))
            if bytes.count <= inlineSize {
                ifd += bytes + [UInt8](repeating: 0, count: inlineSize - bytes.count)
            } else {
                ifd += bigTIFF ? u64(externalAt) : u32(UInt32(truncatingIfNeeded: externalAt))
                external += bytes
                if bytes.count % 2 == 1 { external.append(0) }
                externalAt += UInt64(bytes.count + bytes.count % 2)
            }
        }
        let nextPointerAt = ifdOffset + UInt64(headerSize - (bigTIFF ? 8 : 4))
        ifd += bigTIFF ? u64(0) : u32(0)
        if position % 2 == 1 { try append([0]) }
        try append(ifd + external)
        try patch(at: pendingNextPointer, bigTIFF ? u64(ifdOffset) : u32(UInt32(truncatingIfNeeded: ifdOffset)))
        pendingNextPointer = nextPointerAt
        pageCount += 1
        return ifdOffset
    }

    private func extract(_ pixels: [UInt8], planeOffset: Int, spec: TIFFPageSpec, interleave: Int,
                         x0: Int, y0: Int, w: Int, h: Int) -> [UInt8] {
        let bps = spec.dtype.bytes
        let px = interleave * bps
        let rowBytes = spec.width * px
        if spec.tile == nil { // a strip: whole rows, contiguous in the input
            let start = planeOffset + y0 * rowBytes
            return Array(pixels[start..<(start + h * rowBytes)])
        }
        var out = [UInt8](repeating: 0, count: w * h * px) // tiles are padded to full size
        for y in 0..<h where y0 + y < spec.height {
            let n = min(w, spec.width - x0) * px
            let src = planeOffset + (y0 + y) * rowBytes + x0 * px
            out.replaceSubrange((y * w * px)..<(y * w * px + n), with: pixels[src..<(src + n)])
        }
        return out
    }

    /// TIFF Predictor 2: each sample minus its left neighbour, per row, in the file's byte order.
    private func applyPredictor(_ data: inout [UInt8], rowSamples: Int, interleave: Int, bps: Int) {
        let rows = data.count / (rowSamples * bps)
        data.withUnsafeMutableBytes { raw in
            for r in 0..<rows {
                let base = r * rowSamples * bps
                for i in stride(from: rowSamples - 1, through: interleave, by: -1) {
                    let a = base + i * bps, b = base + (i - interleave) * bps
                    var v: UInt64 = 0, u: UInt64 = 0
                    for k in 0..<bps {
                        let shift = UInt64(bigEndian ? (bps - 1 - k) * 8 : k * 8)
                        v |= UInt64(raw[a + k]) << shift
                        u |= UInt64(raw[b + k]) << shift
                    }
                    let d = v &- u
                    for k in 0..<bps {
                        let shift = UInt64(bigEndian ? (bps - 1 - k) * 8 : k * 8)
                        raw[a + k] = UInt8(truncatingIfNeeded: d >> shift)
                    }
                }
            }
        }
    }

    private func deflate(_ data: [UInt8]) throws -> [UInt8] {
        var size = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let rc = out.withUnsafeMutableBufferPointer { o in
            data.withUnsafeBufferPointer { i in compress2(o.baseAddress, &size, i.baseAddress, uLong(data.count), 6) }
        }
        guard rc == Z_OK else { throw FormatError("zlib compression failed (\(rc))") }
        out.removeSubrange(Int(size)...)
        return out
    }

    private func encode(_ v: TIFFValue) -> [UInt8] {
        switch v {
        case let .shorts(a): return a.flatMap(u16)
        case let .longs(a): return a.flatMap(u32)
        case let .long8s(a): return a.flatMap(u64)
        case let .rationals(a): return a.flatMap { u32($0.0) + u32($0.1) }
        case let .doubles(a): return a.flatMap { u64($0.bitPattern) }
        case let .ascii(s): return Array(s.utf8) + [0]
        case let .bytes(a), let .undefined(a): return a
        }
    }

    private func u16(_ v: UInt16) -> [UInt8] {
        let x = bigEndian ? v.bigEndian : v.littleEndian
        return withUnsafeBytes(of: x) { Array($0) }
    }

    private func u32(_ v: UInt32) -> [UInt8] {
        let x = bigEndian ? v.bigEndian : v.littleEndian
        return withUnsafeBytes(of: x) { Array($0) }
    }

    private func u64(_ v: UInt64) -> [UInt8] {
        let x = bigEndian ? v.bigEndian : v.littleEndian
        return withUnsafeBytes(of: x) { Array($0) }
    }

    private func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try AtomicFile.writeAll(fd, $0) }
        position += UInt64(bytes.count)
    }

    private func patch(at offset: UInt64, _ bytes: [UInt8]) throws {
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard n == bytes.count else { throw FormatError("write failed: \(SystemErrorReason.of(errno: errno))") }
    }
}
