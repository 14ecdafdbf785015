import CZstd
import Foundation

/// Paints the part of one CZI tile that a region touches into the region's output buffer.
/// Uncompressed tiles are read row by row (a band when rows are consecutive), so a
/// subsampled view of a huge plane reads only the rows it shows; zstd tiles decode whole, or,
/// when big, through a bounded window that keeps only the rows shown and resumes where the
/// last band stopped.
struct CZITileReader {
    let container: CZIContainer
    /// Where big zstd subblocks were last left off, so the next band resumes there.
    let streams: CZIZstdStreams
    let format: CZIPixelFormat
    /// Which sample of the pixel to copy (BGR: 0 blue, 1 green, 2 red).
    let sample: Int

    /// A decoded tile is held whole in memory: cap it (a 16k x 16k Bgr48 tile is 1.5 GiB).
    static let maxTileBytes = 2 << 30

    func paint(_ tile: CZITile, region: PixelRegion, into out: inout [UInt8]) throws {
        // Output rows i and columns j whose plane coordinates fall inside the tile.
        func span(_ start: Int, _ step: Int, _ count: Int, _ lo: Int, _ hi: Int) -> Range<Int> {
            let first = lo <= start ? 0 : (lo - start + step - 1) / step
            let end = hi <= start ? 0 : min(count, (hi - start + step - 1) / step)
            return first < end ? first..<end : 0..<0
        }
        let rows = span(region.rows.lowerBound, region.rowStep, region.outputHeight, max(tile.y, region.rows.lowerBound),
                        min(tile.y + tile.height, region.rows.upperBound))
        let cols = span(region.cols.lowerBound, region.colStep, region.outputWidth, max(tile.x, region.cols.lowerBound),
                        min(tile.x + tile.width, region.cols.upperBound))
        guard !rows.isEmpty, !cols.isEmpty else { return }
        let compression = tile.entry.compression
        guard CZICompression.isSupported(compression) else {
            throw FormatError("unsupported compression \(CZICompression.name(compression)) (omio-tui reads uncompressed and zstd CZI subblocks)")
        }
        let rowBytes = tile.width * format.bytesPerPixel
        let tileRow = { (i: Int) in region.rows.lowerBound + i * region.rowStep - tile.y }
        let location = try container.dataLocation(of: tile.entry)

        // `source` holds some rows of the tile; `sourceRow(i)` says which of them output row i uses.
        let source: [UInt8]
        let sourceRow: (Int) -> Int
        if compression == CZICompression.uncompressed {
            guard location.size >= rowBytes * tile.height else {
                throw FormatError("CZI subblock holds \(location.size) bytes, \(tile.width)x\(tile.height) \(format.name) needs \(rowBytes * tile.height)")
            }
            if region.rowStep == 1 {
                let first = tileRow(rows.lowerBound)
                source = try container.file.read(at: location.offset + UInt64(first * rowBytes), count: rows.count * rowBytes)
                sourceRow = { tileRow($0) - first }
            } else {
                var band = [UInt8](repeating: 0, count: rows.count * rowBytes)
                try band.withUnsafeMutableBytes { dst in
                    for (k, i) in rows.enumerated() {
                        let slot = UnsafeMutableRawBufferPointer(rebasing: dst[(k * rowBytes)..<((k + 1) * rowBytes)])
                        try container.file.read(at: location.offset + UInt64(tileRow(i) * rowBytes), into: slot)
                    }
                }
                source = band
                sourceRow = { $0 - rows.lowerBound }
            }
        } else {
            // zstd never grows data by more than a little: a larger subblock is corrupt, and
            // reading it could mean allocating most of a huge file.
            let expected = rowBytes * tile.height
            guard location.size <= expected + expected / 128 + 1024 else {
                throw FormatError("zstd subblock holds \(location.size) bytes, more than \(expected) bytes of pixels can compress to")
            }
            if expected > CZIZstd.streamAbove {
                // Keep only the rows the region shows (a strided view, a band of a huge subblock).
                source = try CZIZstd.decodeRows(file: container.file, location: location, zstd1: compression == CZICompression.zstd1,
                                                rowBytes: rowBytes, height: tile.height, rows: rows.map(tileRow), streams: streams)
                sourceRow = { $0 - rows.lowerBound }
            } else {
                let packed = try container.file.read(at: location.offset, count: location.size)
                source = try CZIZstd.decode(packed, zstd1: compression == CZICompression.zstd1, expectedBytes: expected)
                sourceRow = tileRow
            }
        }

        let width = region.outputWidth
        let sampleBytes = format.dtype.bytes
        let pixelBytes = format.bytesPerPixel
        let sampleOffset = sample * sampleBytes
        let firstCol = region.cols.lowerBound - tile.x
        source.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                for i in rows {
                    let srcRow = sourceRow(i) * rowBytes
                    let dstRow = i * width * sampleBytes
                    if pixelBytes == sampleBytes, region.colStep == 1 {
                        let from = srcRow + (firstCol + cols.lowerBound) * pixelBytes
                        (dst.baseAddress! + dstRow + cols.lowerBound * sampleBytes)
                            .copyMemory(from: src.baseAddress! + from, byteCount: cols.count * sampleBytes)
                        continue
                    }
                    for j in cols {
                        let from = srcRow + (firstCol + j * region.colStep) * pixelBytes + sampleOffset
                        (dst.baseAddress! + dstRow + j * sampleBytes).copyMemory(from: src.baseAddress! + from, byteCount: sampleBytes)
                    }
                }
            }
        }
    }
}

/// CZI's zstd modes: zstd0 is a bare zstd frame; zstd1 prefixes a small header whose chunk 1
/// can say the 16-bit data were stored as all low bytes, then all high bytes (libCZI's
/// "hi-lo byte packing", which compresses better).
enum CZIZstd {
    /// Where the zstd frame starts, and whether the 16-bit data are hi-lo packed.
    static func header(_ packed: [UInt8], zstd1: Bool) throws -> (start: Int, hiLo: Bool) {
        guard zstd1 else { return (0, false) }
        guard let size = packed.first else { throw FormatError("zstd1 subblock is empty") }
        switch size {
        case 1: return (1, false)
        case 3:
            guard packed.count >= 3, packed[1] == 1 else { throw FormatError("zstd1 subblock has an invalid header") }
            return (3, packed[2] & 1 == 1)
        default: throw FormatError("zstd1 subblock has an invalid header (size \(size))")
        }
    }

    static func decode(_ packed: [UInt8], zstd1: Bool, expectedBytes: Int) throws -> [UInt8] {
        let (start, hiLo) = try header(packed, zstd1: zstd1)
        var out = [UInt8](repeating: 0, count: expectedBytes)
        let n: Int = packed.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                let body = UnsafeRawBufferPointer(rebasing: src[start...])
                // The frame must say how big it is, and agree with the subblock's pixel count,
                // before we trust the buffer (libCZI's rule).
                let declared = ZSTD_getFrameContentSize(body.baseAddress, body.count)
                guard declared == UInt64(expectedBytes) else { return -1 }
                return ZSTD_decompress(dst.baseAddress, dst.count, body.baseAddress, body.count)
            }
        }
        // size_t comes through as Int: zstd's error codes are negative here.
        guard n == expectedBytes else {
            throw FormatError("zstd subblock does not decode to its \(expectedBytes) bytes of pixels")
        }
        guard hiLo else { return out }
        guard expectedBytes % 2 == 0 else { throw FormatError("zstd1 hi-lo packed subblock has an odd size") }
        // Low bytes fill the first half, high bytes the second: interleave them back.
        let half = expectedBytes / 2
        var unpacked = [UInt8](repeating: 0, count: expectedBytes)
        for k in 0..<half {
            unpacked[2 * k] = out[k]
            unpacked[2 * k + 1] = out[half + k]
        }
        return unpacked
    }
}
