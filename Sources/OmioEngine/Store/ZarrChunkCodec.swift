import CZlib
import CZstd
import Foundation
import OmioFormats

/// Compresses chunks for one store-building thread at a time: it keeps its zlib / zstd context
/// between chunks (a zstd context costs more to create than a small chunk to compress). The
/// `bytes` codec itself needs no work: buffers are little-endian already. Reading goes through
/// OmioFormats' Zarr reader (ZarrArrayReader), which decodes every Zarr codec.
final class ZarrChunkCodec {
    let compression: StoreCompression
    private var zstdC: OpaquePointer?
    // A z_stream must not move while zlib holds it (zlib checks its own back pointer).
    private var deflater: UnsafeMutablePointer<z_stream>?

    init(_ compression: StoreCompression) {
        self.compression = compression
    }

    deinit {
        if let zstdC { ZSTD_freeCCtx(zstdC) }
        if let deflater {
            deflateEnd(deflater)
            deflater.deallocate()
        }
    }

    /// Encodes `raw` into `out` (resized as needed); returns the encoded length.
    func encode(_ raw: UnsafeRawBufferPointer, into out: inout [UInt8]) throws -> Int {
        switch compression {
        case .none:
            if out.count < raw.count { out = [UInt8](repeating: 0, count: raw.count) }
            out.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
            return raw.count
        case .zstd:
            if zstdC == nil { zstdC = ZSTD_createCCtx() }
            let bound = ZSTD_compressBound(raw.count)
            if out.count < bound { out = [UInt8](repeating: 0, count: bound) }
            let n = out.withUnsafeMutableBytes { o in
                ZSTD_compressCCtx(zstdC, o.baseAddress, o.count, raw.baseAddress, raw.count, Int32(compression.level))
            }
            guard ZSTD_isError(n) == 0 else { throw FormatError("zstd compression failed: \(String(cString: ZSTD_getErrorName(n)))") }
            return n
        case .gzip:
            let strm = try deflateStream()
            let bound = Int(deflateBound(strm, uLong(raw.count))) + 32 // + gzip header and trailer
            if out.count < bound { out = [UInt8](repeating: 0, count: bound) }
            guard deflateReset(strm) == Z_OK else { throw FormatError("gzip reset failed") }
            return try out.withUnsafeMutableBytes { o in
                strm.pointee.next_in = UnsafeMutablePointer(mutating: raw.baseAddress!.assumingMemoryBound(to: Bytef.self))
                strm.pointee.avail_in = uInt(raw.count)
                strm.pointee.next_out = o.baseAddress!.assumingMemoryBound(to: Bytef.self)
                strm.pointee.avail_out = uInt(o.count)
                guard deflate(strm, Z_FINISH) == Z_STREAM_END else { throw FormatError("gzip compression failed") }
                return Int(strm.pointee.total_out)
            }
        }
    }

    /// The deflate stream, created on first use. windowBits 31 = gzip framing, which the Zarr
    /// `gzip` codec (and numcodecs' GZip) expect; 15 would be zlib framing.
    private func deflateStream() throws -> UnsafeMutablePointer<z_stream> {
        if let deflater { return deflater }
        let strm = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        strm.initialize(to: z_stream())
        let rc = deflateInit2_(strm, Int32(compression.level), Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            strm.deallocate()
            throw FormatError("zlib initialisation failed (\(rc))")
        }
        deflater = strm
        return strm
    }
}
