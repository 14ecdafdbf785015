import CZstd
import Foundation

/// Some rows of a big zstd subblock, decoded through a bounded window. zstd cannot start
/// mid-frame, so the whole frame is decoded, but a band at a time, and only the rows a region
/// needs are kept: a few KB of file claiming a 20000 x 20000 subblock no longer makes a view of
/// it allocate the whole decoded subblock.
extension CZIZstd {
    /// Subblocks that decode to more than this are streamed.
    static let streamAbove = 64 << 20
    static let window = 1 << 20

    /// The tile rows `rows` (ascending) of a subblock of `height` rows of `rowBytes`, row k of
    /// the result being `rows[k]`. Hi-lo packing (zstd1) stores every low byte, then every
    /// high byte; each is put back in its place as it streams past.
    static func decodeRows(_ packed: [UInt8], zstd1: Bool, rowBytes: Int, height: Int, rows: [Int]) throws -> [UInt8] {
        let (start, hiLo) = try header(packed, zstd1: zstd1)
        let expected = rowBytes * height
        guard !hiLo || rowBytes % 2 == 0 else { throw FormatError("zstd1 hi-lo packed subblock has an odd row size") }
        var slot = [Int](repeating: -1, count: height)
        for (k, r) in rows.enumerated() { slot[r] = k }
        var result = [UInt8](repeating: 0, count: rows.count * rowBytes)
        guard let stream = ZSTD_createDStream() else { throw FormatError("zstd could not allocate a stream") }
        defer { ZSTD_freeDStream(stream) }
        _ = ZSTD_initDStream(stream)
        let band = UnsafeMutableRawBufferPointer.allocate(byteCount: window, alignment: 16)
        defer { band.deallocate() }
        let half = expected / 2
        var done = 0
        try packed.withUnsafeBytes { src in
            let body = UnsafeRawBufferPointer(rebasing: src[start...])
            guard ZSTD_getFrameContentSize(body.baseAddress, body.count) == UInt64(expected) else {
                throw FormatError("zstd subblock does not decode to its \(expected) bytes of pixels")
            }
            var input = ZSTD_inBuffer(src: body.baseAddress, size: body.count, pos: 0)
            var finished = false
            while !finished {
                var output = ZSTD_outBuffer(dst: band.baseAddress, size: band.count, pos: 0)
                let rc = ZSTD_decompressStream(stream, &output, &input)
                guard ZSTD_isError(rc) == 0 else {
                    throw FormatError("zstd subblock cannot be decoded: \(String(cString: ZSTD_getErrorName(rc)))")
                }
                finished = rc == 0
                guard done + output.pos <= expected else { throw FormatError("zstd subblock decodes past its \(expected) bytes") }
                if output.pos == 0, !finished, input.pos == input.size {
                    throw FormatError("zstd subblock ends early")
                }
                result.withUnsafeMutableBytes { dst in
                    place(UnsafeRawBufferPointer(rebasing: band[0..<output.pos]), at: done, into: dst, slot: slot,
                          rowBytes: rowBytes, hiLo: hiLo ? half : nil)
                }
                done += output.pos
            }
        }
        guard done == expected else { throw FormatError("zstd subblock does not decode to its \(expected) bytes of pixels") }
        return result
    }

    /// Copies decoded stream bytes [at, at + bytes.count) that belong to kept rows.
    private static func place(_ bytes: UnsafeRawBufferPointer, at: Int, into dst: UnsafeMutableRawBufferPointer, slot: [Int],
                              rowBytes: Int, hiLo half: Int?) {
        guard !bytes.isEmpty else { return }
        guard let half else {
            var p = at
            while p < at + bytes.count {
                let r = p / rowBytes
                let end = min((r + 1) * rowBytes, at + bytes.count)
                if slot[r] >= 0 {
                    (dst.baseAddress! + slot[r] * rowBytes + (p - r * rowBytes)).copyMemory(from: bytes.baseAddress! + (p - at), byteCount: end - p)
                }
                p = end
            }
            return
        }
        // Stream byte k < half is the low byte of sample k; k >= half the high byte of k - half.
        let samplesPerRow = rowBytes / 2
        for i in 0..<bytes.count {
            let k = at + i
            let (sample, high) = k < half ? (k, 0) : (k - half, 1)
            let r = sample / samplesPerRow
            guard slot[r] >= 0 else { continue }
            dst[slot[r] * rowBytes + (sample - r * samplesPerRow) * 2 + high] = bytes[i]
        }
    }
}
