import Foundation

/// Where a page's chunks (strips or tiles) are in the file.
struct TIFFChunkTable: Sendable {
    let offsets: [UInt64]
    let byteCounts: [UInt64]

    /// The table of an IFD, checked for count.
    init(container c: TIFFContainer, ifd: TIFFIFD, layout: TIFFPageLayout) throws {
        let offTag = layout.tiled ? TIFFTag.tileOffsets : TIFFTag.stripOffsets
        let cntTag = layout.tiled ? TIFFTag.tileByteCounts : TIFFTag.stripByteCounts
        guard let offEntry = ifd.entry(offTag) else {
            throw FormatError("no \(TIFFTag.name(offTag)) in the IFD at offset \(ifd.offset)")
        }
        let offsets = try c.integers(offEntry)
        guard offsets.count >= layout.expectedChunkCount else {
            throw FormatError("\(TIFFTag.name(offTag)) has \(EnglishCount.of(offsets.count, "entry", plural: "entries")), the image needs \(layout.expectedChunkCount)")
        }
        var counts = try ifd.entry(cntTag).map { try c.integers($0) } ?? []
        if counts.count < offsets.count {
            // Missing byte counts are tolerable only for uncompressed data, where the size is known.
            guard layout.compression == 1 else {
                throw FormatError("\(TIFFTag.name(cntTag)) is missing or short")
            }
            counts = (0..<offsets.count).map { i in
                UInt64(layout.chunkRowBytes * layout.rowsInChunk((i % layout.chunksPerPlane) / layout.chunksAcross))
            }
        }
        // Chunks that share bytes let a small file claim a huge page: one 1 KB deflate stream
        // behind 16,384 strips decodes to 16 GB, which `cache build` then read band by band for
        // minutes. The page must fit in the distinct bytes its chunks cover, times the
        // compression bound (a truncated uncompressed file keeps what it has).
        let used = layout.expectedChunkCount
        let decoded = UInt64(layout.chunkBytes) * UInt64(used)
        if decoded > 1 << 20 {
            let covered = TIFFChunkTable.distinctBytes(offsets.prefix(used), counts.prefix(used), fileSize: c.file.size)
            let ratio = layout.compression == 1 ? TIFFChunkTable.maxUncompressedRepeat : TIFFChunkReader.maxCompressionRatio
            guard decoded <= covered &* ratio &+ (1 << 20) else {
                throw FormatError("the \(used) \(layout.tiled ? "tiles" : "strips") of the \(layout.width)x\(layout.height) image share their data: \(covered) bytes cannot hold it")
            }
        }
        self.offsets = offsets
        self.byteCounts = counts
    }

    /// An uncompressed page may cover at most this many times the distinct bytes it points at.
    static let maxUncompressedRepeat: UInt64 = 64

    /// Bytes of the file that the ranges (offset, count) cover, overlaps counted once.
    static func distinctBytes(_ offsets: ArraySlice<UInt64>, _ counts: ArraySlice<UInt64>, fileSize: UInt64) -> UInt64 {
        var ranges: [(start: UInt64, end: UInt64)] = []
        ranges.reserveCapacity(offsets.count)
        for (o, n) in zip(offsets, counts) where o < fileSize {
            let (end, overflow) = o.addingReportingOverflow(n)
            ranges.append((o, overflow ? fileSize : min(end, fileSize)))
        }
        ranges.sort { $0.start < $1.start }
        var total: UInt64 = 0, reached: UInt64 = 0
        for r in ranges where r.end > max(r.start, reached) {
            total += r.end - max(r.start, reached)
            reached = r.end
        }
        return total
    }

    /// A synthetic table for data stored contiguously from `start` with the page's chunk geometry
    /// (ImageJ stacks over 4 GiB: one IFD, planes back to back).
    init(contiguousFrom start: UInt64, layout: TIFFPageLayout) {
        var offsets: [UInt64] = []
        var counts: [UInt64] = []
        var at = start
        for i in 0..<layout.expectedChunkCount {
            let n = UInt64(layout.chunkRowBytes * layout.rowsInChunk((i % layout.chunksPerPlane) / layout.chunksAcross))
            offsets.append(at)
            counts.append(n)
            at += n
        }
        self.offsets = offsets
        self.byteCounts = counts
    }
}

/// Reads regions of one sample plane of a page, touching only the chunks (and, when
/// uncompressed, only the rows) the region needs.
struct TIFFChunkReader {
    let file: FileReader
    let bigEndian: Bool
    let layout: TIFFPageLayout
    let table: TIFFChunkTable
    let decoder: LibTIFFDecoder

    /// Encoded data beyond this ratio to the decoded plane is refused as implausible: it would
    /// only let a corrupt header make us allocate gigabytes for a few bytes of file.
    static let maxCompressionRatio: UInt64 = 4096

    /// Outputs above this size wait for their first compressed chunk to decode.
    static let probeFirstChunkAbove = 64 << 20

    func read(sample: Int, region: PixelRegion) throws -> PixelBuffer {
        let L = layout
        guard sample >= 0, sample < L.samplesPerPixel else { throw FormatError("sample \(sample) out of range") }
        guard region.rows.lowerBound >= 0, region.rows.upperBound <= L.height,
              region.cols.lowerBound >= 0, region.cols.upperBound <= L.width, !region.rows.isEmpty, !region.cols.isEmpty
        else { throw FormatError("region \(region.rows) x \(region.cols) outside the \(L.width)x\(L.height) image") }

        let bps = L.bytesPerSample
        let outW = region.outputWidth, outH = region.outputHeight
        let firstChunkRow = region.rows.lowerBound / L.chunkHeight
        let lastChunkRow = (region.rows.upperBound - 1) / L.chunkHeight
        let firstChunkCol = L.tiled ? region.cols.lowerBound / L.chunkWidth : 0
        let lastChunkCol = L.tiled ? (region.cols.upperBound - 1) / L.chunkWidth : 0

        // Validate every chunk we will touch before allocating anything.
        var encodedTotal: UInt64 = 0
        for row in firstChunkRow...lastChunkRow {
            // The last region row inside this chunk row: an uncompressed chunk must hold it.
            let y0 = row * L.chunkHeight
            let top = min(y0 + L.chunkHeight, L.height, region.rows.upperBound) - 1
            let lastNeeded = region.rows.lowerBound + (top - region.rows.lowerBound) / region.rowStep * region.rowStep
            for col in firstChunkCol...lastChunkCol {
                let i = L.chunkIndex(row: row, col: col, sample: sample)
                guard i < table.offsets.count else { throw FormatError("chunk \(i) is missing from the chunk table") }
                let count = table.byteCounts[i]
                guard file.contains(offset: table.offsets[i], count: count) else {
                    throw FormatError("\(L.tiled ? "tile" : "strip") \(i) (offset \(table.offsets[i]), \(count) bytes) lies past the end of the file (\(file.size) bytes)")
                }
                if L.compression == 1, lastNeeded >= y0, UInt64((lastNeeded - y0 + 1) * L.chunkRowBytes) > count {
                    throw FormatError("\(L.tiled ? "tile" : "strip") \(i) holds \(count) bytes, fewer than its rows need")
                }
                encodedTotal &+= count
            }
        }
        // Chunks of a valid file do not overlap, so the data a region needs fits in the file
        // (uncompressed) or in the file times the compression bound. A crafted 2 KB file
        // (256 strips all pointing at one byte, a 2^20 x 2^19 plane) made `slice` allocate 512 GB.
        let outBytes = outW * outH * bps
        if L.compression == 1 {
            guard UInt64(outW * outH) * UInt64(L.bitsPerSample) / 8 <= file.size else {
                throw FormatError("the strips or tiles of a \(L.width)x\(L.height) image overlap: the file (\(file.size) bytes) cannot hold it")
            }
        } else {
            let limit = min(encodedTotal, file.size) &* TIFFChunkReader.maxCompressionRatio &+ (1 << 20)
            let decoded = UInt64(L.chunkBytes) * UInt64((lastChunkRow - firstChunkRow + 1) * (lastChunkCol - firstChunkCol + 1))
            guard decoded <= limit else {
                throw FormatError("\(encodedTotal) bytes of compressed data cannot hold a \(L.width)x\(L.height) image")
            }
        }

        if L.tiled, L.compression != 1, L.chunkBytes > TIFFChunkReader.maxCompressedTileBytes {
            throw FormatError("compressed \(L.chunkWidth)x\(L.chunkHeight) tiles decode to \(L.chunkBytes >> 20) MB each, more than the \(TIFFChunkReader.maxCompressedTileBytes >> 20) MB omio-tui decodes at once")
        }
        if L.streamsStrips {
            return try readStreamed(sample: sample, region: region)
        }

        // A big plane is allocated only once its first chunk decodes: a header that claims a
        // huge page over compressed data that does not decode (a mutant's 1,048,576-pixel rows
        // over 800-byte LZW strips) fails here, before hundreds of MB are zeroed for nothing.
        var scratch: [UInt8] = []
        if L.compression != 1, outBytes > TIFFChunkReader.probeFirstChunkAbove {
            let index = L.chunkIndex(row: firstChunkRow, col: firstChunkCol, sample: sample)
            scratch = [UInt8](repeating: 0, count: L.chunkBytes)
            let got = try scratch.withUnsafeMutableBytes { s in
                try decoder.decode(ifdOffset: L.ifdOffset, layout: L, index: index, into: s)
            }
            let rowsInFirst = min(L.chunkHeight, L.height - firstChunkRow * L.chunkHeight)
            guard got >= rowsInFirst * L.chunkRowBytes else {
                throw FormatError("\(L.tiled ? "tile" : "strip") \(index) decoded to \(got) bytes, \(rowsInFirst * L.chunkRowBytes) expected")
            }
        }
        var out = [UInt8](repeating: 0, count: outBytes)
        let sampleOffset = (L.separatePlanes ? 0 : sample) * bps
        let pixelStride = L.interleave * bps
        var unpacked: [UInt8] = []

        try out.withUnsafeMutableBytes { dst in
            for chunkRow in firstChunkRow...lastChunkRow {
                let y0 = chunkRow * L.chunkHeight
                let y1 = min(y0 + L.chunkHeight, L.height)
                // Output rows inside this chunk row.
                // (Computed, not filtered from all region rows: with one row per strip that was
                // quadratic, and a valid 200,000-row file made `slice` run for minutes.)
                let from = max(y0, region.rows.lowerBound)
                let firstNeeded = region.rows.lowerBound + (from - region.rows.lowerBound + region.rowStep - 1) / region.rowStep * region.rowStep
                let rowsHere = Array(stride(from: firstNeeded, to: min(y1, region.rows.upperBound), by: region.rowStep))
                guard let firstY = rowsHere.first, let lastY = rowsHere.last else { continue }
                for chunkCol in firstChunkCol...lastChunkCol {
                    let x0 = chunkCol * L.chunkWidth
                    let x1 = min(x0 + L.chunkWidth, L.width)
                    // First needed column in this chunk, aligned to the region's column step.
                    let cs = region.cols.lowerBound
                    var firstX = max(cs, x0)
                    let rem = (firstX - cs) % region.colStep
                    if rem != 0 { firstX += region.colStep - rem }
                    let lastX = min(region.cols.upperBound, x1) - 1
                    if firstX > lastX { continue }
                    let index = L.chunkIndex(row: chunkRow, col: chunkCol, sample: sample)
                    let columns = (lastX - firstX) / region.colStep + 1
                    let outCol0 = (firstX - cs) / region.colStep

                    // Bring the needed rows of the chunk into `scratch`; `rowOffset(k, y)` says where
                    // the k-th needed row (image row y) landed.
                    let rowBytes = L.chunkRowBytes
                    let rowOffset: (Int, Int) -> Int
                    if L.compression == 1 {
                        guard UInt64((lastY - y0 + 1) * rowBytes) <= table.byteCounts[index] else {
                            throw FormatError("\(L.tiled ? "tile" : "strip") \(index) holds \(table.byteCounts[index]) bytes, fewer than its rows need")
                        }
                        if region.rowStep == 1, region.colStep == 1, !L.tiled, L.interleave == 1, columns == L.width, !L.isPacked {
                            // Whole rows of one sample, stored as the output wants them: read them
                            // straight into the result.
                            let n = (lastY - firstY + 1) * rowBytes
                            let at = (firstY - region.rows.lowerBound) * outW * bps
                            try file.read(at: table.offsets[index] + UInt64((firstY - y0) * rowBytes),
                                          into: UnsafeMutableRawBufferPointer(rebasing: dst[at..<(at + n)]))
                            continue
                        }
                        if region.rowStep == 1 {
                            // One read for the run of rows.
                            let n = (lastY - firstY + 1) * rowBytes
                            if scratch.count < n { scratch = [UInt8](repeating: 0, count: n) }
                            try scratch.withUnsafeMutableBytes { s in
                                try file.read(at: table.offsets[index] + UInt64((firstY - y0) * rowBytes),
                                              into: UnsafeMutableRawBufferPointer(rebasing: s[0..<n]))
                            }
                            rowOffset = { _, y in (y - firstY) * rowBytes }
                        } else {
                            // Strided: read just the needed rows (downsampling touches only those).
                            let n = rowsHere.count * rowBytes
                            if scratch.count < n { scratch = [UInt8](repeating: 0, count: n) }
                            try scratch.withUnsafeMutableBytes { s in
                                for (k, y) in rowsHere.enumerated() {
                                    try file.read(at: table.offsets[index] + UInt64((y - y0) * rowBytes),
                                                  into: UnsafeMutableRawBufferPointer(rebasing: s[(k * rowBytes)..<((k + 1) * rowBytes)]))
                                }
                            }
                            rowOffset = { k, _ in k * rowBytes }
                        }
                    } else {
                        let n = L.chunkBytes
                        if scratch.count < n { scratch = [UInt8](repeating: 0, count: n) }
                        let got = try scratch.withUnsafeMutableBytes { s in
                            try decoder.decode(ifdOffset: L.ifdOffset, layout: L, index: index, into: UnsafeMutableRawBufferPointer(rebasing: s[0..<n]))
                        }
                        let needed = (lastY - y0 + 1) * rowBytes
                        guard got >= needed else {
                            throw FormatError("\(L.tiled ? "tile" : "strip") \(index) decoded to \(got) bytes, \(needed) expected")
                        }
                        rowOffset = { _, y in (y - y0) * rowBytes }
                    }

                    // Packed or odd-sized samples: widen the needed rows first; the copy below
                    // then works on dtype-sized samples like any other page.
                    var rows = scratch
                    var rowStart = rowOffset
                    if L.isPacked {
                        let width = L.unpackedRowBytes
                        if unpacked.count < rowsHere.count * width { unpacked = [UInt8](repeating: 0, count: rowsHere.count * width) }
                        scratch.withUnsafeBytes { src in
                            unpacked.withUnsafeMutableBytes { dst in
                                for (k, y) in rowsHere.enumerated() {
                                    PackedSamples.widen(src, from: rowOffset(k, y), layout: L, into: dst, at: k * width,
                                                        fileBigEndian: bigEndian)
                                }
                            }
                        }
                        rows = unpacked
                        rowStart = { k, _ in k * width }
                    }
                    rows.withUnsafeBytes { src in
                        for (k, y) in rowsHere.enumerated() {
                            let srcRow = rowStart(k, y)
                            let outRow = (y - region.rows.lowerBound) / region.rowStep
                            let dstStart = (outRow * outW + outCol0) * bps
                            let srcStart = srcRow + (firstX - x0) * pixelStride + sampleOffset
                            if L.interleave == 1, region.colStep == 1 {
                                (dst.baseAddress! + dstStart).copyMemory(from: src.baseAddress! + srcStart, byteCount: columns * bps)
                            } else {
                                let step = region.colStep * pixelStride
                                var s = srcStart
                                var d = dstStart
                                for _ in 0..<columns {
                                    for b in 0..<bps { dst[d + b] = src[s + b] }
                                    s += step
                                    d += bps
                                }
                            }
                        }
                    }
                }
            }
            if L.compression == 1, !L.isPacked {
                if L.reversedBits { PackedSamples.reverseBits(dst) }
                if bigEndian { swapBytes(dst, width: bps) }
            }
        }
        return PixelBuffer(dtype: L.dtype, width: outW, height: outH, bytes: out)
    }
}
