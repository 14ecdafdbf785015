/// A bytes-to-bytes codec (compression or checksum), in the order Zarr applies it on write.
enum ZarrBytesCodec: Sendable, Equatable {
    case gzip
    case zlib
    case zstd
    /// c-blosc reads cname, shuffle and typesize from each chunk's own header; the summary
    /// (e.g. "lz4 shuffle") is for `info`.
    case blosc(summary: String)
    case crc32c

    var summary: String {
        switch self {
        case .gzip: return "gzip"
        case .zlib: return "zlib"
        case .zstd: return "zstd"
        case let .blosc(s): return "blosc " + s
        case .crc32c: return "crc32c"
        }
    }

    var isCompressor: Bool { self != .crc32c }
}

/// The codecs of one decode unit, in write order: transposes (array to array), the byte order of
/// the samples (array to bytes), then compression and checksums (bytes to bytes). Decoding
/// undoes them in reverse and yields the unit in C order, little-endian.
struct ZarrCodecChain: Sendable {
    /// Each a permutation: encoded dimension i is decoded dimension order[i].
    var transposes: [[Int]] = []
    var bigEndian = false
    var bytesCodecs: [ZarrBytesCodec] = []

    var summary: String {
        let parts = (transposes.isEmpty ? [] : ["transpose"]) + bytesCodecs.map(\.summary)
        return parts.isEmpty ? "raw" : parts.joined(separator: " + ")
    }

    /// Decoding needs each compressor's output size, known only when nothing but checksums sit
    /// between it and the samples; a chain that compresses twice is refused when parsed.
    func checkDecodable() throws {
        var sawCompressor = false
        for c in bytesCodecs where c.isCompressor {
            if sawCompressor { throw FormatError("codec chain \(summary) compresses twice, which is not supported") }
            sawCompressor = true
        }
    }

    /// Undoes the chain on `encoded`, one unit of `shape` with `dtype` samples; the result is
    /// C order, little-endian.
    func decode(_ encoded: [UInt8], shape: [Int], dtype: PixelType) throws -> [UInt8] {
        let rawCount = shape.reduce(dtype.bytes, *)
        // What undoing each codec yields: the samples plus 4 bytes for each checksum written
        // before it (with one compressor at most, no size before it is unknown).
        var yields = [Int](), size = rawCount
        for c in bytesCodecs {
            yields.append(size)
            if c == .crc32c { size += 4 }
        }
        var data = encoded
        for (i, codec) in bytesCodecs.enumerated().reversed() {
            let want = yields[i]
            switch codec {
            case .crc32c: data = try ZarrCRC32C.verifiedPayload(data)
            case .gzip, .zlib: data = try ZarrDecompress.inflate(data, expected: want, what: codec.summary)
            case .zstd: data = try ZarrDecompress.zstd(data, expected: want)
            case .blosc: data = try ZarrDecompress.blosc(data, expected: want)
            }
        }
        guard data.count == rawCount else {
            throw FormatError("holds \(data.count) bytes where \(rawCount) were expected")
        }
        if bigEndian && dtype.bytes > 1 { ZarrSamples.swapBytes(&data, width: dtype.bytes) }
        guard !transposes.isEmpty else { return data }
        // Shapes after each transpose on write; undo from the last.
        var shapes = [shape]
        for order in transposes { shapes.append(order.map { shapes.last![$0] }) }
        for (k, order) in transposes.enumerated().reversed() {
            data = ZarrSamples.untranspose(data, encodedShape: shapes[k + 1], order: order, width: dtype.bytes)
        }
        return data
    }
}
