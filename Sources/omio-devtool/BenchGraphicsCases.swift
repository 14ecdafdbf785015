import Foundation
import OmioEngine
import OmioFixtures
import OmioFormats
import OmioRender
import OmioRenderQuality
#if canImport(Glibc)
import Glibc
#endif

/// Terminal graphics (issue 17): per protocol, the time to encode an 800x600 px preview and its
/// bytes, and what a terminal would show (the bytes decoded back) against the source plane at
/// the same size, side by side with chafa's `-f kitty`, `-f sixel` and `-f iterm`.
extension BenchHarness {
    static let graphicsWidth = 800, graphicsHeight = 600

    /// One image the graphics rows measure: our 800x600 raster and the reference it should be.
    struct GraphicsCase {
        let label: String
        let name: String
        /// The pipeline's raster at 800x600: slices reduced by mean, then contrast and colour.
        let raster: RGBRaster
        /// The full plane(s) through the same limits and colours, then area-averaged to 800x600.
        let reference: RGBRaster
        /// That full-resolution composite as a PNG, what chafa gets.
        let png: String
        /// Whether this is a greyscale plane (the goals' case) or a colour composite.
        let grey: Bool
    }

    mutating func graphicsCases() throws {
        var cases: [GraphicsCase] = []
        if let real = realPlane {
            cases.append(try graphicsCase(file: real, channels: [0], label: "a real 1024×1024 uint16 cell image (corpus: clEsperanto_AICS_12_134_C0.tif), grey"))
        } else {
            cases.append(try graphicsCase(file: stack, channels: [0], z: midPlane.z, label: "the synthetic stack's middle plane, grey"))
            notes.append("Graphics rows: the corpus cell image was not found; the stack's middle plane stands in.")
        }
        if let three = fluorescenceFile {
            cases.append(try graphicsCase(file: three, channels: [0, 1, 2], label: "a real 3-channel 695×395 uint16 composite (corpus: clEsperanto_IXMtest_A02_s9.tif)"))
        } else {
            notes.append("Graphics rows: no 3-channel composite case (../shared/corpus/real/clEsperanto_IXMtest_A02_s9.tif not found).")
        }
        for c in cases {
            for proto in [GraphicsProtocol.sixel, .kitty, .iterm] { rows += try graphicsRows(c, proto) }
        }
        notes.append("Graphics rows: every image is resampled to exactly \(Self.graphicsWidth)×\(Self.graphicsHeight) px (aspect not kept) so that "
                     + "every tool encodes the same pixel grid; omio-tui's raster is the pipeline's (display slices reduced by mean, "
                     + "contrast limits of `render`'s auto mode, the file's colours). The reference is the full-resolution plane(s) "
                     + "through the same limits and colours, area-averaged to that grid. chafa gets that full-resolution composite "
                     + "as a PNG with `--font-ratio 1 --stretch --size 100x75` (chafa sizes graphics as 8 px per cell in both "
                     + "directions when not writing to a terminal, so this is what makes it send 800×600 px). Both tools' bytes "
                     + "are decoded by the decoders in Sources/OmioRenderQuality/GraphicsDecoders.swift (written from the protocol "
                     + "texts; chafa's iTerm2 output is an uncompressed TIFF, ours a PNG). Encode times are in-process, after one "
                     + "warm-up encode; chafa's are whole processes (PNG decoding and scaling included). sixel: libsixel 1.10.3 "
                     + "(Debian) was measured outside the bench and not chosen (see README).")
    }

    func graphicsCase(file: String, channels: [Int], z: Int = 0, label: String) throws -> GraphicsCase {
        let source = try ImageOpener.open(path: file)
        let m = source.metadata(series: 0)
        let array = LazyArray(levels: SourceLevels(source: source, series: 0))
        let colors = ChannelColors.resolve(m)
        let w = Self.graphicsWidth, h = Self.graphicsHeight
        var layers: [(values: [Float], display: ChannelDisplay)] = []
        var full: [(values: [Float], display: ChannelDisplay)] = []
        var size = (width: 0, height: 0)
        for c in channels {
            let plane = PlaneIndex(z: z, c: c)
            let slice = try DisplaySlicer.slice2D(array, plane: plane, width: w, height: h)
            let buffer = try source.readPlane(plane: plane)
            size = (buffer.width, buffer.height)
            let values = buffer.floats()
            // `render`'s auto limits (from the display slice, as the pipeline takes them); the reference uses the same.
            let limits = ContrastMode.auto.limits(for: PlaneStats.pooled([slice.stats]))
            let display = ChannelDisplay(color: DrawnColors.color(of: c, drawn: channels, colors: colors), limits: limits, gamma: 1)
            layers.append((slice.values, display))
            full.append((values, display))
        }
        let raster = Compositor.composite(layers, width: w, height: h)
        let composite = Compositor.composite(full, width: size.width, height: size.height)
        var reference = [UInt8](repeating: 0, count: w * h * 3)
        for k in 0..<3 {
            let channel = stride(from: k, to: composite.pixels.count, by: 3).map { Double(composite.pixels[$0]) }
            let averaged = BenchQuality.boxFilter(channel, width: size.width, height: size.height, outW: w, outH: h)
            for (i, v) in averaged.enumerated() { reference[3 * i + k] = UInt8(min(255, max(0, v.rounded()))) }
        }
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension + "-graphics"
        let png = (artifacts as NSString).appendingPathComponent(name + ".png")
        try PNGWriter.encode(width: size.width, height: size.height, rgb: composite.pixels).write(to: URL(fileURLWithPath: png))
        return GraphicsCase(label: label, name: name, raster: raster, reference: RGBRaster(width: w, height: h, pixels: reference),
                            png: png, grey: channels.count == 1)
    }

    /// What a terminal would draw from `bytes` of `proto`.
    static func decodeGraphics(_ bytes: [UInt8], _ proto: GraphicsProtocol) throws -> RGBRaster {
        switch proto {
        case .sixel: return try SixelDecoder.decode(bytes).raster
        case .iterm: return try ITermDecoder.decode(bytes).raster
        case .kitty:
            guard let image = try KittyDecoder.images(bytes).last else { throw BenchError("no kitty image in the output") }
            return image.raster
        }
    }

    /// Encode time + bytes, and decoded quality, of one protocol on one case, with chafa's.
    mutating func graphicsRows(_ c: GraphicsCase, _ proto: GraphicsProtocol) throws -> [BenchRow] {
        let w = c.raster.width, h = c.raster.height, cols = w / 8, rows = h / 16
        var bytes = GraphicsEncoder.encode(c.raster, as: proto, cols: cols, rows: rows).bytes // warm-up
        guard !bytes.isEmpty else {
            return [BenchRow(id: "", title: "terminal graphics, \(proto.rawValue): \(c.label)", ours: "not run: the \(proto.rawValue) encoder is not built yet")]
        }
        // Wall time, and this thread's CPU time (the machine is shared: wall time includes
        // waiting for a core).
        func threadCPU() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        }
        var times: [Double] = [], cpu: [Double] = []
        for _ in 0..<max(opt.runs, 5) {
            let t0 = BenchProcess.monotonic(), c0 = threadCPU()
            bytes = GraphicsEncoder.encode(c.raster, as: proto, cols: cols, rows: rows).bytes
            times.append(BenchProcess.monotonic() - t0)
            cpu.append(threadCPU() - c0)
        }
        let cpuStat = BenchStat(values: cpu, unit: .seconds)
        log("graphics \(proto.rawValue) \(c.name): \(BenchStat.format(BenchStat(values: times, unit: .seconds).median, .seconds)), \(bytes.count) bytes")
        try Data(bytes).write(to: URL(fileURLWithPath: (artifacts as NSString).appendingPathComponent("\(c.name)-omio-tui.\(proto.rawValue)")))
        let ours = try Self.decodeGraphics(bytes, proto)
        let oursPSNR = psnr(a: ours, b: c.reference)
        let goalDB: Double? = proto == .sixel ? (c.grey ? 32 : nil) : 38
        var time = BenchRow(id: "", title: "terminal graphics, \(proto.rawValue): encode an \(w)×\(h) px frame of \(c.label) — in-process",
                            ours: "GraphicsEncoder (\(bytes.count) bytes)", oursStat: BenchStat(values: times, unit: .seconds))
        if proto == .sixel {
            time.goal = "≤ 30 ms"
            time.goalMet = time.oursStat!.median <= 0.030
        }
        var quality = BenchRow(id: "", title: "terminal graphics, \(proto.rawValue): PSNR of the decoded image against the source at \(w)×\(h) px, \(c.label)",
                               ours: "omio-tui", oursStat: BenchStat(values: [oursPSNR], unit: .decibels),
                               goal: goalDB.map { String(format: "≥ %.0f dB", $0) } ?? "reported")
        if let goalDB { quality.goalMet = oursPSNR >= goalDB }
        time.note = "omio-tui's CPU time per encode median \(BenchStat.format(cpuStat.median, .seconds))"
        guard chafaReady else {
            time.other = skipped("chafa")
            quality.other = skipped("chafa")
            return [time, quality]
        }
        let out = (artifacts as NSString).appendingPathComponent("\(c.name)-chafa.\(proto.rawValue)")
        let argv = [chafa!, "-f", proto.rawValue, "--font-ratio", "1", "--stretch", "--size", "\(w / 8)x\(h / 8)", c.png]
        let runs = try repeated(max(3, opt.runs / 2), "chafa -f \(proto.rawValue) \(c.name)") { _ in try proc(argv, stdout: out) }
        let theirs = [UInt8](FileManager.default.contents(atPath: out) ?? Data())
        time.other = "`chafa -f \(proto.rawValue)` per process (\(theirs.count) bytes)"
        time.otherStat = stat(runs)
        time.ratio = BenchRow.speedRatio(ours: time.oursStat!.median, other: time.otherStat!.median)
        time.note = String(format: "bytes per frame: omio-tui %d, chafa %d (%.2f×); omio-tui's CPU time per encode median %@ [%@–%@]",
                           bytes.count, theirs.count, Double(bytes.count) / Double(max(theirs.count, 1)),
                           BenchStat.format(cpuStat.median, .seconds), BenchStat.format(cpuStat.min, .seconds), BenchStat.format(cpuStat.max, .seconds))
        do {
            let decoded = try Self.decodeGraphics(theirs, proto)
            guard decoded.width == w, decoded.height == h else { throw BenchError("chafa sent \(decoded.width)×\(decoded.height) px, not \(w)×\(h)") }
            let theirsPSNR = psnr(a: decoded, b: c.reference)
            quality.other = "`chafa -f \(proto.rawValue)`"
            quality.otherStat = BenchStat(values: [theirsPSNR], unit: .decibels)
            let d = oursPSNR - theirsPSNR
            quality.ratio = String(format: "%@%.2f dB (omio-tui %@)", d >= 0 ? "+" : "−", abs(d), d >= 0 ? "ahead" : "behind")
        } catch {
            quality.other = "chafa's output could not be measured: \(error)"
        }
        return [time, quality]
    }
}

extension BenchHarness {
    /// kitty frames per second while holding `}` on the 2000-frame movie: the TUI's own main
    /// loop without a terminal (BenchHoldKey), the preview as kitty images (encoded on the
    /// slice worker, only the newest frame drawn), 9x13 px cells so that the preview pane is
    /// about 800x600 px.
    mutating func kittyStepRow() throws -> BenchRow {
        let runs = try repeated(opt.stepRuns, "hold } with kitty") { _ in try inproc(["step-tui-kitty", "--file", movie]) }
        let fps = runs.compactMap { $0.number("fps") }
        let image = runs.last?.json?["image"] as? String ?? "?"
        let grid = (runs.last?.json?["grid"] as? String ?? "0x0").split(separator: "x").compactMap { Int($0) }
        let cell = BenchCaseCommand.kittyCell
        let pane = grid.count == 2 ? "\(grid[0] * cell.width)×\(grid[1] * cell.height) px (\(grid[0])×\(grid[1]) cells of \(cell))" : "?"
        let bytes = runs.compactMap { $0.number("image_bytes") }.last ?? 0
        var row = BenchRow(id: "", title: "terminal graphics, kitty: frames drawn per second holding `}` on the 2000-frame 0.5 GB movie, preview \(pane), image sent at \(image) px (the data's size; the terminal scales it to the cells) — TUI main loop, in-process",
                           ours: "MainLoop + slice worker + KittyEncoder", oursStat: BenchStat(values: fps, unit: .framesPerSecond, peakRSSKiB: runs.map(\.rssKiB).max()),
                           goal: "≥ 30 frames/s")
        row.goalMet = BenchStat(values: fps, unit: .framesPerSecond).median >= 30
        row.note = "last image \(Int(bytes)) bytes; " + cpuNote(runs)
        return row
    }
}
