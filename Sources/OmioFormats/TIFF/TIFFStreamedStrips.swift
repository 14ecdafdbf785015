import Foundation

/// Tall compressed strips, read a row at a time. A strip is a chunk that can only be decoded
/// from its start, and one zlib strip of 20000 zero rows (404 KB of file) decodes to 400 MB:
/// decoding it whole for every band of rows made `slice` and `render` take 400-800 MB and a
/// store build, which reads it band after band, quadratic time. Rows are decoded one at a time
/// into a row buffer and only the region's rows are kept, so memory follows the region asked
/// for; the decoder stays where it stopped, so bands read in order cost one pass over the strip.
extension TIFFPageLayout {
    /// Whether this page's strips are streamed a row at a time: the one place it is decided,
    /// so the reader and the chunk grid a source reports agree.
    var streamsStrips: Bool { !tiled && compression != 1 && chunkBytes > TIFFChunkReader.streamStripsAbove }
}

extension TIFFChunkReader {
    /// Compressed strips that decode to more than this are streamed a row at a time.
    static let streamStripsAbove = 16 << 20

    /// Compressed tiles larger than this are refused: libtiff decodes a tile only whole, and a
    /// header may claim a 65536 x 65536 tile over a few KB of deflate data.
    static let maxCompressedTileBytes = 128 << 20

    /// Rows per band that sources report for streamed strips (the grid a store or a lazy
    /// array reads along).
    static func streamedBandRows(_ L: TIFFPageLayout) -> Int {
        max(1, min(L.chunkHeight, (4 << 20) / max(1, L.width * L.bytesPerSample)))
    }

    func readStreamed(sample: Int, region: PixelRegion) throws -> PixelBuffer {
        let L = layout
        let bps = L.bytesPerSample
        let outW = region.outputWidth, outH = region.outputHeight
        let sampleOffset = (L.separatePlanes ? 0 : sample) * bps
        let pixelStride = L.interleave * bps
        let firstX = region.cols.lowerBound
        // Sized at the first decoded row: a header that claims a huge page over data that
        // does not decode fails before the output is allocated.
        var out: [UInt8] = []
        var widened = [UInt8](repeating: 0, count: L.isPacked ? L.unpackedRowBytes : 0)
        for stripRow in (region.rows.lowerBound / L.chunkHeight)...((region.rows.upperBound - 1) / L.chunkHeight) {
            let y0 = stripRow * L.chunkHeight
            let y1 = min(y0 + L.chunkHeight, L.height)
            let from = max(y0, region.rows.lowerBound)
            let firstNeeded = region.rows.lowerBound + (from - region.rows.lowerBound + region.rowStep - 1) / region.rowStep * region.rowStep
            let rows = Array(stride(from: firstNeeded, to: min(y1, region.rows.upperBound), by: region.rowStep))
            if rows.isEmpty { continue }
            let index = L.chunkIndex(row: stripRow, col: 0, sample: sample)
            try decoder.decodeRows(ifdOffset: L.ifdOffset, layout: L, strip: index, rows: rows) { y, stored in
                if out.isEmpty { out = [UInt8](repeating: 0, count: outW * outH * bps) }
                let dstStart = (y - region.rows.lowerBound) / region.rowStep * outW * bps
                let copy = { (src: UnsafeRawBufferPointer) in
                    out.withUnsafeMutableBytes { dst in
                        var s = firstX * pixelStride + sampleOffset
                        if L.interleave == 1, region.colStep == 1 {
                            (dst.baseAddress! + dstStart).copyMemory(from: src.baseAddress! + s, byteCount: outW * bps)
                            return
                        }
                        let step = region.colStep * pixelStride
                        var d = dstStart
                        for _ in 0..<outW {
                            (dst.baseAddress! + d).copyMemory(from: src.baseAddress! + s, byteCount: bps)
                            s += step
                            d += bps
                        }
                    }
                }
                if L.isPacked {
                    widened.withUnsafeMutableBytes { w in
                        PackedSamples.widen(stored, from: 0, layout: L, into: w, at: 0, fileBigEndian: bigEndian)
                    }
                    widened.withUnsafeBytes(copy)
                } else {
                    copy(stored)
                }
            }
        }
        return PixelBuffer(dtype: L.dtype, width: outW, height: outH, bytes: out)
    }
}
