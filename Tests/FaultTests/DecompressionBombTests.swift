import CZlib
import Foundation
@testable import OmioEngine
import OmioFixtures
@testable import OmioFormats
import Testing

/// Decompression bombs: a 404 KB TIFF whose one deflate strip decodes to a 20000 x 20000
/// plane (400 MB). The reader decoded whole strips, so every command that read pixels held the
/// 400 MB strip (`render` 421 MB, `cache build` 444 MB, and a store build re-decoded it for every
/// 4 MB band: 12 minutes). Tall compressed strips are now decoded a row at a time.
@Suite("Decompression bombs")
struct DecompressionBombTests {
    static let limit = HeaderLieMemoryTests.limit

    /// Commands that read a bomb's pixels finish cleanly (exit 0) within the memory bound.
    @Test("one 400 MB deflate strip in a 404 KB file: info, render, render --store disk, cache build and slice stay under 300 MB",
          .timeLimit(.minutes(5)))
    func singleStripBomb() throws {
        let dir = FaultPaths.tempDir("bomb")
        defer { FaultPaths.remove(dir) }
        let path = dir + "/bomb.tif"
        try ZeroStripTIFF.write(path, width: 20000, height: 20000, bytesPerSample: 1, planes: 1)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0 < 1 << 20)
        let runs: [(String, [String])] = [
            ("info", ["info", path]),
            ("render", ["render", path, "--width", "80", "--height", "24"]),
            ("render --store disk", ["render", path, "--width", "80", "--height", "24", "--store", "disk", "--cache-dir", dir + "/c1"]),
            ("cache build", ["cache", "build", path, "--cache-dir", dir + "/c2"]),
            // The whole 400 MB plane streamed to a device, and a window at the strip's far end.
            ("slice whole plane", ["slice", path, "-o", "/dev/null"]),
            ("slice window", ["slice", path, "--y", "19000:19500", "--x", "-500:", "-o", dir + "/w.npy"]),
        ]
        for (what, args) in runs {
            let r = try PeakMemoryRun.run(FaultPaths.binary, args, timeout: 240, environment: Run.quiet)
            #expect(!r.timedOut && !r.signalled && r.status == 0, "\(what): status \(r.status)\n\(r.stderr)")
            #expect(r.peakBytes < Self.limit, "\(what): peak RSS \(r.peakMB) MB")
        }
    }

    /// Display reads are bounded by the output grid, not by the region: a sextant raster is 24
    /// px per cell, so a 2048 x 512 render asked for every row of the plane, and the sampled
    /// region (200 MB) and per-row sums (530 MB) were held whole: 840 MB and 22-34 s. It is
    /// now read and reduced band by band. 250 x 70 is a big terminal's preview.
    @Test("renders of a 400 MB-strip bomb at the largest grids stay under 300 MB", .timeLimit(.minutes(5)))
    func largeRendersOfStripBomb() throws {
        let dir = FaultPaths.tempDir("bomb-render")
        defer { FaultPaths.remove(dir) }
        let path = dir + "/bomb.tif"
        try ZeroStripTIFF.write(path, width: 20000, height: 20000, bytesPerSample: 1, planes: 1)
        for (w, h) in [("2048", "512"), ("250", "70")] {
            let r = try PeakMemoryRun.run(FaultPaths.binary, ["render", path, "--width", w, "--height", h], timeout: 240,
                                          environment: Run.quiet)
            #expect(!r.timedOut && !r.signalled && r.status == 0, "\(w)x\(h): status \(r.status)\n\(r.stderr)")
            #expect(r.peakBytes < Self.limit, "render \(w)x\(h): peak RSS \(r.peakMB) MB")
        }
    }

    /// Z planes of uint16, each one 50 MB strip: a store build reads them plane after plane.
    @Test("a Z stack of tall deflate strips builds a store under 300 MB", .timeLimit(.minutes(5)))
    func stackOfStripBombs() throws {
        let dir = FaultPaths.tempDir("bomb-z")
        defer { FaultPaths.remove(dir) }
        let path = dir + "/stack.tif"
        try ZeroStripTIFF.write(path, width: 5000, height: 5000, bytesPerSample: 2, planes: 6)
        for args in [["cache", "build", path, "--cache-dir", dir + "/c"], ["render", path, "--z", "5", "--width", "60", "--height", "20"]] {
            let r = try PeakMemoryRun.run(FaultPaths.binary, args, timeout: 240, environment: Run.quiet)
            #expect(!r.timedOut && !r.signalled && r.status == 0, "\(args[0]): status \(r.status)\n\(r.stderr)")
            #expect(r.peakBytes < Self.limit, "\(args[0]): peak RSS \(r.peakMB) MB")
        }
    }

    /// A tile can only be decoded whole: one 512 MB deflate tile (a 520 KB file) is refused
    /// with one line, before anything that size is allocated.
    @Test("a 512 MB compressed tile is refused in one line, within the bound")
    func singleTileBomb() throws {
        let dir = FaultPaths.tempDir("tile-bomb")
        defer { FaultPaths.remove(dir) }
        let path = dir + "/tile.tif"
        try ZeroStripTIFF.write(path, width: 23168, height: 23168, bytesPerSample: 1, planes: 1, tiled: true)
        let r = try PeakMemoryRun.run(FaultPaths.binary, ["render", path, "--width", "40", "--height", "20"], timeout: 120,
                                      environment: Run.quiet)
        #expect(!r.timedOut && !r.signalled && r.status == 1, "status \(r.status)\n\(r.stderr)")
        #expect(r.peakBytes < Self.limit, "peak RSS \(r.peakMB) MB")
        #expect(r.stderrLines == ["omio-tui: error: \(path): compressed 23168x23168 tiles decode to 511 MB each, more than the 128 MB omio-tui decodes at once"],
                "\(r.stderr)")
    }

    /// The row-streamed path returns the same pixels as the whole-strip path did: regions,
    /// strided reads, bands out of order, a predictor, through the source and the lazy array.
    @Test("tall compressed strips read a row at a time give the right pixels")
    func streamedStripsReadCorrectly() throws {
        let dir = FaultPaths.tempDir("tall-strip")
        defer { FaultPaths.remove(dir) }
        let path = dir + "/tall.tif"
        let (w, h) = (3001, 3203) // 19 MB of uint16: over the streaming threshold
        func value(_ y: Int, _ x: Int) -> UInt16 { UInt16(truncatingIfNeeded: y &* 31 &+ x &* 7 &+ (x * y) >> 5) }
        var bytes = [UInt8](repeating: 0, count: w * h * 2)
        for y in 0..<h {
            for x in 0..<w {
                let v = value(y, x)
                bytes[(y * w + x) * 2] = UInt8(v & 0xFF)
                bytes[(y * w + x) * 2 + 1] = UInt8(v >> 8)
            }
        }
        var spec = TIFFPageSpec(width: w, height: h, dtype: .uint16)
        spec.compression = .deflate
        spec.predictor = true
        spec.rowsPerStrip = h
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        _ = try TIFFWriter(fd: fd).addPage(spec, pixels: bytes)
        close(fd)
        #expect(w * h * 2 > TIFFChunkReader.streamStripsAbove)

        let source = try ImageOpener.open(path: path)
        func check(_ region: PixelRegion, _ what: String) throws {
            let got = try source.read(series: 0, level: 0, plane: PlaneIndex(), region: region)
            #expect(got.width == region.outputWidth && got.height == region.outputHeight, "\(what)")
            var bad = 0
            got.bytes.withUnsafeBytes { raw in
                let v = raw.bindMemory(to: UInt16.self)
                for i in 0..<got.height {
                    for j in 0..<got.width where v[i * got.width + j] != value(region.rows.lowerBound + i * region.rowStep,
                                                                             region.cols.lowerBound + j * region.colStep) {
                        bad += 1
                    }
                }
            }
            #expect(bad == 0, "\(what): \(bad) wrong samples")
        }
        try check(PixelRegion(rows: 2000..<2100, cols: 0..<w), "a band low in the strip")
        try check(PixelRegion(rows: 10..<20, cols: 100..<117), "a band above it, afterwards")
        try check(PixelRegion(rows: 20..<3203, cols: 3..<3001, rowStep: 97, colStep: 13), "a strided view")
        try check(.full(width: w, height: h), "the whole plane")
        let grid = source.chunkGrid(series: 0, level: 0)
        #expect(grid.height < h && grid.height * w * 2 <= 4 << 20, "\(grid)")
        // The lazy array reads along that grid: bands in order, each row decoded once.
        let array = LazyArray(levels: SourceLevels(source: source, series: 0))
        let band = try array.region(level: 0, plane: PlaneIndex(), rows: 1500..<1600, cols: 1000..<1010)
        #expect(band.bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
            == (1500..<1600).flatMap { y in (1000..<1010).map { value(y, $0) } })

        // Display slices bigger than a band (here; 64 MB in use) are read band by band: the same values and
        // statistics as reducing the whole region at once (step 1 and strided, mean and max).
        for (outW, outH, vp) in [(w, h, Viewport(x: 0, y: 0, width: w, height: h)), (300, 3000, Viewport(x: 0, y: 0, width: w, height: h)),
                                 (500, 2900, Viewport(x: 7, y: 101, width: 2990, height: 3001))] {
            for reduce in [Reduce.mean, .max] {
                let fresh = LazyArray(levels: SourceLevels(source: source, series: 0))
                let banded = try DisplaySlicer.slice2D(fresh, plane: PlaneIndex(), viewport: vp, width: outW, height: outH, reduce: reduce,
                                                       wholeReadBytes: DisplaySlicer.bandBytes)
                let rowStep = max(1, vp.height / (outH * DisplaySlicer.maxSamples)), colStep = max(1, vp.width / (outW * DisplaySlicer.maxSamples))
                let region = PixelRegion(rows: vp.y..<(vp.y + vp.height), cols: vp.x..<(vp.x + vp.width), rowStep: rowStep, colStep: colStep)
                #expect(region.outputWidth * region.outputHeight * 2 > DisplaySlicer.bandBytes, "\(outW)x\(outH) is not banded")
                let whole = try DisplaySlicer.resample(.init(whole: source.read(series: 0, level: 0, plane: PlaneIndex(), region: region)),
                                                       outW: outW, outH: outH, reduce: reduce)
                #expect(banded.values == whole.values && banded.stats == whole.stats, "\(outW)x\(outH) \(reduce)")
            }
        }
    }
}

/// A tall strip that fails to decode part-way must not leave its handle claiming a position
/// in it: the pool hands that handle out again, and a read resuming there would continue a
/// failed decoder.
@Test func failedRowReadForgetsItsPosition() throws {
    let dir = FaultPaths.tempDir("badrow")
    defer { FaultPaths.remove(dir) }
    let path = dir + "/bad.tif"
    try ZeroStripTIFF.write(path, width: 5000, height: 5000, bytesPerSample: 1, planes: 1)
    // Garbage in the middle of the deflate stream (it starts at byte 8).
    let file = try #require(FileHandle(forUpdatingAtPath: path))
    let length = Int(try file.seekToEnd())
    try file.seek(toOffset: UInt64(min(8 + 4000, length / 2)))
    file.write(Data((0..<64).map { UInt8(($0 * 37 + 11) & 0xFF) }))
    try file.close()
    let member = TIFFMember(container: try TIFFContainer(path: path))
    let offset = try member.container.ifd(0).offset
    let layout = try member.layout(at: offset)
    #expect(layout.streamsStrips)
    var rowsRead = 0
    #expect(throws: FormatError.self) {
        try member.decoder.decodeRows(ifdOffset: offset, layout: layout, strip: 0, rows: Array(0..<5000)) { _, _ in rowsRead += 1 }
    }
    #expect(rowsRead > 0, "the corruption should come after some good rows")
    let position = try member.decoder.withHandle(prefer: { _ in true }) { $0.position }
    #expect(position == nil, "\(String(describing: position))")
}

/// Little-endian TIFFs of zero planes, each plane one deflate strip (or tile), streamed through zlib so
/// the test never holds a plane (a 400 MB plane compresses to about 400 KB). More than one
/// plane makes an ImageJ Z stack.
enum ZeroStripTIFF {
    static func write(_ path: String, width: Int, height: Int, bytesPerSample: Int, planes: Int, tiled: Bool = false) throws {
        guard let file = FileHandle(forWritingAtPath: path) ?? {
            FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { throw FormatError("cannot create \(path)") }
        defer { try? file.close() }
        var at = 8
        file.write(Data([0x49, 0x49, 42, 0, 0, 0, 0, 0]))
        var strips: [(offset: Int, count: Int)] = []
        for _ in 0..<planes {
            let n = try deflateZeros(width * height * bytesPerSample) { file.write($0) }
            strips.append((at, n))
            at += n
        }
        if at % 2 == 1 {
            file.write(Data([0]))
            at += 1
        }
        let description = Array("ImageJ=1.11a\nimages=\(planes)\nslices=\(planes)\n".utf8) + [0]
        let descriptionAt = at
        file.write(Data(description))
        at += description.count + description.count % 2
        if description.count % 2 == 1 { file.write(Data([0])) }
        // Patch the header's first-IFD offset, then chain the IFDs.
        try file.seek(toOffset: 4)
        file.write(le32(at))
        try file.seekToEnd()
        for (k, strip) in strips.enumerated() {
            var entries: [(tag: UInt16, type: UInt16, count: Int, value: Int)] = [
                (256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, bytesPerSample * 8), (259, 3, 1, 8), (262, 3, 1, 1),
                (273, 4, 1, strip.offset), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, strip.count),
            ]
            if planes > 1, k == 0 { entries.insert((270, 2, description.count, descriptionAt), at: 5) }
            if tiled { // the same one chunk as a single tile
                entries.removeAll { [273, 278, 279].contains($0.tag) }
                entries += [(322, 4, 1, width), (323, 4, 1, height), (324, 4, 1, strip.offset), (325, 4, 1, strip.count)]
            }
            var ifd = Data(le16(entries.count))
            for e in entries { ifd += le16(e.tag) + le16(e.type) + le32(e.count) + (e.type == 3 ? le16(e.value) + le16(0) : le32(e.value)) }
            let size = 2 + entries.count * 12 + 4
            ifd += le32(k + 1 < planes ? at + size : 0)
            file.write(ifd)
            at += size
        }
    }

    static func le16(_ v: Int) -> Data { Data([UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)]) }
    static func le32(_ v: Int) -> Data { Data((0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) }) }
    static func le16(_ v: UInt16) -> Data { le16(Int(v)) }

    /// Deflates `count` zero bytes (zlib framing, as TIFF wants), handing out the stream in
    /// pieces; returns its length.
    static func deflateZeros(_ count: Int, _ sink: (Data) -> Void) throws -> Int {
        var strm = z_stream()
        guard deflateInit_(&strm, 6, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FormatError("zlib initialisation failed")
        }
        defer { deflateEnd(&strm) }
        let inSize = 1 << 20, outSize = 1 << 16
        let zeros = UnsafeMutablePointer<UInt8>.allocate(capacity: inSize)
        zeros.initialize(repeating: 0, count: inSize)
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: outSize)
        defer {
            zeros.deallocate()
            out.deallocate()
        }
        var remaining = count, total = 0
        while true {
            let n = min(remaining, inSize)
            remaining -= n
            strm.next_in = zeros
            strm.avail_in = UInt32(n)
            let flush = remaining == 0 ? Z_FINISH : Z_NO_FLUSH
            var rc: Int32
            repeat {
                strm.next_out = out
                strm.avail_out = UInt32(outSize)
                rc = deflate(&strm, flush)
                guard rc != Z_STREAM_ERROR else { throw FormatError("zlib deflate failed") }
                let produced = outSize - Int(strm.avail_out)
                if produced > 0 { sink(Data(bytes: out, count: produced)) }
                total += produced
            } while strm.avail_out == 0
            if flush == Z_FINISH {
                guard rc == Z_STREAM_END else { throw FormatError("zlib deflate did not finish (\(rc))") }
                return total
            }
        }
    }
}
