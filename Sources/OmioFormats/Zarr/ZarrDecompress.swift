import CBlosc
import CZlib
import CZstd

/// The compressors of Zarr chunks, each decoding into exactly the size the metadata implies:
/// a chunk that decodes to more or fewer bytes is damaged, and nothing is allocated beyond that
/// size whatever the chunk's own header claims.
enum ZarrDecompress {
    /// gzip (v3 `gzip`, numcodecs `gzip`) and zlib (numcodecs `zlib`) framing: windowBits 47
    /// lets zlib tell them apart by the header.
    static func inflate(_ src: [UInt8], expected: Int, what: String) throws -> [UInt8] {
        guard !src.isEmpty else { throw FormatError("empty \(what) data") }
        // One spare byte tells "exactly the size" from "more than the size".
        var out = [UInt8](repeating: 0, count: expected + 1)
        var strm = z_stream()
        guard inflateInit2_(&strm, 47, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FormatError("zlib initialisation failed")
        }
        defer { inflateEnd(&strm) }
        let rc: Int32 = src.withUnsafeBytes { s in
            out.withUnsafeMutableBytes { o in
                strm.next_in = UnsafeMutablePointer(mutating: s.baseAddress!.assumingMemoryBound(to: Bytef.self))
                strm.avail_in = uInt(s.count)
                strm.next_out = o.baseAddress!.assumingMemoryBound(to: Bytef.self)
                strm.avail_out = uInt(o.count)
                return CZlib.inflate(&strm, Z_FINISH)
            }
        }
        if Int(strm.total_out) > expected { throw FormatError("\(what) data decodes to more than \(expected) bytes") }
        guard rc == Z_STREAM_END else {
            throw FormatError("\(what) data does not decode (\(rc == Z_BUF_ERROR ? "truncated" : "damaged"))")
        }
        guard Int(strm.total_out) == expected else {
            throw FormatError("\(what) data decodes to \(strm.total_out) bytes where \(expected) were expected")
        }
        out.removeLast()
        return out
    }

    static func zstd(_ src: [UInt8], expected: Int) throws -> [UInt8] {
        var n = 0
        let out = uninitialized(expected) { o in
            n = src.withUnsafeBytes { s in ZSTD_decompress(o.baseAddress, o.count, s.baseAddress, s.count) }
        }
        if ZSTD_isError(n) != 0 {
            let name = String(cString: ZSTD_getErrorName(n))
            if name.contains("Destination buffer is too small") { throw FormatError("zstd data decodes to more than \(expected) bytes") }
            throw FormatError("zstd data does not decode (\(name.lowercased()))")
        }
        guard n == expected else { throw FormatError("zstd data decodes to \(n) bytes where \(expected) were expected") }
        return out
    }

    /// c-blosc 1.x frames: the 16-byte header names the decoded and compressed sizes; both are
    /// checked (and the frame validated) before anything is decompressed.
    static func blosc(_ src: [UInt8], expected: Int) throws -> [UInt8] {
        guard src.count >= Int(BLOSC_MIN_HEADER_LENGTH) else { throw FormatError("blosc data is truncated (\(src.count) bytes)") }
        var nbytes = 0, cbytes = 0, blocksize = 0
        src.withUnsafeBytes { blosc_cbuffer_sizes($0.baseAddress, &nbytes, &cbytes, &blocksize) }
        guard nbytes == expected else { throw FormatError("blosc data claims \(nbytes) bytes where \(expected) were expected") }
        guard cbytes <= src.count else { throw FormatError("blosc data is truncated (\(src.count) of \(cbytes) bytes)") }
        var validated = 0
        guard src.withUnsafeBytes({ blosc_cbuffer_validate($0.baseAddress, $0.count, &validated) }) == 0, validated == expected else {
            throw FormatError("blosc data is damaged")
        }
        if expected == 0 { return [] }
        var n: Int32 = 0
        let out = uninitialized(expected) { o in
            n = src.withUnsafeBytes { s in blosc_decompress_ctx(s.baseAddress, o.baseAddress, o.count, 1) }
        }
        guard Int(n) == expected else {
            throw FormatError(n < 0 ? "blosc data does not decode (error \(n); its compressor may be missing from c-blosc)" : "blosc data decodes to \(n) bytes where \(expected) were expected")
        }
        return out
    }

    /// A buffer the decompressor fills: zeroing it first would be one more pass over every
    /// chunk. What the decompressor leaves unwritten on failure is never looked at.
    private static func uninitialized(_ count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }
}
