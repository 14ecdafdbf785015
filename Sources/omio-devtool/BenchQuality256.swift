import Foundation
import OmioEngine
import OmioFixtures
import OmioFormats
import OmioRender
import OmioRenderQuality

/// 256-colour render quality against `chafa -c 256`: a gray plane, a 3-channel fluorescence
/// composite and an RGB slide, and what the 256-colour fit costs in render time.
extension BenchHarness {
    /// The corpus' real 3-channel uint16 fluorescence field (a composite of three colours).
    var fluorescenceFile: String? { corpusFile("clEsperanto_IXMtest_A02_s9.tif") }

    mutating func quality256Cases() throws {
        if let real = realPlane {
            rows.append(try qualityRow(file: real, plane: PlaneIndex(), label: "a real 1024×1024 uint16 cell image (corpus: clEsperanto_AICS_12_134_C0.tif), one channel in gray", colors: "256"))
        } else {
            notes.append("The 256-colour gray-plane case was skipped: ../shared/corpus/real/clEsperanto_AICS_12_134_C0.tif not found.")
        }
        if let fluo = fluorescenceFile {
            rows.append(try compositeQualityRow(file: fluo, label: "a real 3-channel uint16 fluorescence composite, 695×395 (corpus: clEsperanto_IXMtest_A02_s9.tif)"))
        } else {
            notes.append("The 256-colour composite case was skipped: ../shared/corpus/real/clEsperanto_IXMtest_A02_s9.tif not found.")
        }
        let slide = (work as NSString).appendingPathComponent("he-slide.tif")
        try BenchHESlide.write(to: slide)
        rows.append(try compositeQualityRow(file: slide, label: "an H&E-like 1024×768 RGB slide (generated: BenchHESlide)"))
        rows.append(try render256TimeRow(file: slide))
        notes.append("256-colour quality: omio-tui `render --colors 256` against `chafa --colors 256` (chafa's default: no dithering) at 160×48 cells. For the composite and the slide, both draw the same image: the composite omio-tui's pipeline makes at full resolution with `render`'s own limits (auto per channel; 0–255 for 8-bit RGB), saved as an RGB PNG for chafa; the reference is that composite area-averaged per channel to the rasterized cells' grid (8×16 px per cell). The gray plane row is measured like the truecolor row above (same limits, same references). The H&E-like slide is generated at run time by BenchHESlide (seeded): stain densities through Beer–Lambert with the standard H and E vectors.")
    }

    /// PSNR of omio-tui's and chafa's 256-colour cells for the composite of every channel of
    /// `file`'s first plane (the colour image for RGB), at 160x48 cells.
    mutating func compositeQualityRow(file: String, label: String) throws -> BenchRow {
        let source = try ImageOpener.open(path: file)
        let m = source.metadata(series: 0)
        let cells = PreviewGeometry.fit(m, width: 160, height: 48)
        let array = LazyArray(levels: SourceLevels(source: source, series: 0))
        // What `render` draws with no --c: every channel, or R, G, B as one colour image.
        let trueColor = m.isRGB && m.shape.c >= 3
        let channels = trueColor ? TrueColor.channels : Array(0..<m.shape.c)
        let colors = ChannelColors.resolve(m)
        let mode = TrueColor.defaultMode(m) ?? .auto
        let frame = try SlicePipeline.run(SliceRequest(generation: 0, array: array, t: 0, z: 0, channels: channels,
                                                       viewport: .full(m.shape), cols: cells.cols, rows: cells.rows, symbols: .sextant,
                                                       contrast: Array(repeating: mode, count: m.shape.c), gamma: 1,
                                                       colors: colors, reduce: .mean, trueColor: trueColor))
        var layers: [(values: [Float], display: ChannelDisplay)] = []
        for c in channels {
            guard let limits = frame.limits[c] else { throw BenchError("no contrast limits for channel \(c)") }
            let s = try DisplaySlicer.slice2D(array, plane: PlaneIndex(c: c), viewport: .full(m.shape), width: m.shape.x, height: m.shape.y)
            layers.append((s.values, ChannelDisplay(color: DrawnColors.color(of: c, drawn: channels, colors: colors), limits: limits)))
        }
        let composite = Compositor.composite(layers, width: m.shape.x, height: m.shape.y)
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension + "-composite"
        let png = (artifacts as NSString).appendingPathComponent(name + ".png")
        try PNGWriter.encode(width: composite.width, height: composite.height, rgb: composite.pixels).write(to: URL(fileURLWithPath: png))
        log("quality 256: \(name), \(cells.cols)x\(cells.rows) cells, PNG \(png)")

        func measure(_ ansiPath: String, tool: String) throws -> (psnr: Double, linear: Double, linearCodes: Double, local: Double, grid: CellGrid) {
            let grid = try ANSIParser.parse(try String(contentsOfFile: ansiPath, encoding: .utf8))
            let raster = CellRasterizer.rasterize(grid, cellWidth: 8, cellHeight: 16)
            let (w, h) = (raster.width, raster.height)
            let reference = BenchQuality.areaAverageRGB(composite, outW: w, outH: h)
            let light = BenchQuality.linearAverageRGB(composite, outW: w, outH: h)
            try PNGWriter.encode(width: w, height: h, rgb: raster.pixels)
                .write(to: URL(fileURLWithPath: (artifacts as NSString).appendingPathComponent("\(name)-256c-\(tool)-cells.png")))
            // The local colour: both averaged over blocks of 2x2 cells (what diffusion keeps).
            let (bw, bh) = (max(1, w / 16), max(1, h / 32))
            let local = psnr(a: BenchQuality.areaAverageRGB(raster, outW: bw, outH: bh), b: BenchQuality.areaAverageRGB(reference, outW: bw, outH: bh))
            return (psnr(a: raster, b: reference), BenchQuality.linearPSNRRGB(raster, reference: light),
                    psnr(a: raster, b: BenchQuality.codesRGB(light, width: w, height: h)), local, grid)
        }
        let oursANSI = (artifacts as NSString).appendingPathComponent(name + "-256c-omio-tui.ansi")
        _ = try proc([tui, "render", file, "--width", "160", "--height", "48", "--symbols", "sextant", "--colors", "256", "--glyphs", "unicode"],
                     stdout: oursANSI)
        let oursQ = try measure(oursANSI, tool: "omio-tui")
        var q = BenchRow(id: "", title: "256-colour render quality: PSNR of \(label) at 160×48 cells, cells rasterized at 8×16 px",
                         ours: "`render --symbols sextant --colors 256` (\(oursQ.grid.cols)×\(oursQ.grid.rows) cells)",
                         oursStat: BenchStat(values: [oursQ.psnr], unit: .decibels), goal: "≥ chafa's")
        guard chafaReady else {
            q.other = skipped("chafa")
            return q
        }
        let chafaANSI = (artifacts as NSString).appendingPathComponent(name + "-256c-chafa.ansi")
        _ = try proc([chafa!, "--format", "symbols", "--colors", "256", "-s", "160x48", png], stdout: chafaANSI)
        let chQ = try measure(chafaANSI, tool: "chafa")
        q.other = "`chafa --format symbols --colors 256 -s 160x48` on the composite as a PNG (\(chQ.grid.cols)×\(chQ.grid.rows) cells)"
        q.otherStat = BenchStat(values: [chQ.psnr], unit: .decibels)
        let d = oursQ.psnr - chQ.psnr
        q.ratio = String(format: "%@%.2f dB (omio-tui %@)", d >= 0 ? "+" : "−", abs(d), d >= 0 ? "ahead" : "behind")
        q.goalMet = d >= 0 && oursQ.linear >= chQ.linear && oursQ.linearCodes >= chQ.linearCodes
        q.note = String(format: "reference averaged in linear light instead, PSNR in linear light: omio-tui %.3f dB, chafa %.3f dB; "
                        + "that reference encoded to sRGB codes, PSNR in codes: omio-tui %.2f dB, chafa %.2f dB; "
                        + "local colour (cells and reference averaged over blocks of 2×2 cells): omio-tui %.2f dB, chafa %.2f dB",
                        oursQ.linear, chQ.linear, oursQ.linearCodes, chQ.linearCodes, oursQ.local, chQ.local)
        return q
    }

    /// The 256-colour fit's cost: `render --colors 256` against `--colors truecolor` (whose
    /// cells the 256-colour path used to round to the palette) on the same file, per process.
    mutating func render256TimeRow(file: String) throws -> BenchRow {
        let scratch = (work as NSString).appendingPathComponent("render-256-time.ansi")
        func args(_ colors: String) -> [String] {
            [tui, "render", file, "--width", "160", "--height", "48", "--symbols", "sextant", "--colors", colors, "--glyphs", "unicode"]
        }
        let ours = try repeated(opt.runs, "render --colors 256 per process") { _ in try proc(args("256"), stdout: scratch) }
        let free = try repeated(opt.runs, "render --colors truecolor per process") { _ in try proc(args("truecolor"), stdout: scratch) }
        var t = BenchRow(id: "", title: "256-colour render time: the H&E-like slide at 160×48 cells, per process",
                         ours: "`omio-tui render --colors 256`", oursStat: stat(ours), goal: "≤ 1.5× truecolor")
        t.other = "`omio-tui render --colors truecolor`"
        t.otherStat = stat(free)
        let ratio = t.oursStat!.median / t.otherStat!.median
        t.ratio = String(format: "%.2f×", ratio)
        t.goalMet = ratio <= 1.5
        return t
    }
}

extension BenchQuality {
    /// Exact area averaging of an RGB raster to `outW` x `outH`, per channel, in code values.
    static func areaAverageRGB(_ r: RGBRaster, outW: Int, outH: Int) -> RGBRaster {
        let planes = (0..<3).map { k in
            boxFilter(stride(from: k, to: r.pixels.count, by: 3).map { Double(r.pixels[$0]) }, width: r.width, height: r.height, outW: outW, outH: outH)
        }
        var pixels = [UInt8](repeating: 0, count: outW * outH * 3)
        for i in 0..<(outW * outH) {
            for k in 0..<3 { pixels[i * 3 + k] = UInt8(min(255, max(0, planes[k][i].rounded()))) }
        }
        return RGBRaster(width: outW, height: outH, pixels: pixels)
    }

    /// The raster linearized, then area-averaged to `outW` x `outH`: linear light, RGB interleaved.
    static func linearAverageRGB(_ r: RGBRaster, outW: Int, outH: Int) -> [Double] {
        let planes = (0..<3).map { k in
            boxFilter(stride(from: k, to: r.pixels.count, by: 3).map { linear[Int(r.pixels[$0])] }, width: r.width, height: r.height, outW: outW, outH: outH)
        }
        var out = [Double](repeating: 0, count: outW * outH * 3)
        for i in 0..<(outW * outH) {
            for k in 0..<3 { out[i * 3 + k] = planes[k][i] }
        }
        return out
    }

    /// PSNR in linear light (peak 1) of the cells' pixels against `linearAverageRGB`.
    static func linearPSNRRGB(_ raster: RGBRaster, reference: [Double]) -> Double {
        var sum = 0.0
        for (i, ref) in reference.enumerated() {
            let d = linear[Int(raster.pixels[i])] - ref
            sum += d * d
        }
        let mse = sum / Double(reference.count)
        return mse > 0 ? 10 * log10(1 / mse) : .infinity
    }

    /// `linearAverageRGB` encoded back to 8-bit sRGB codes.
    static func codesRGB(_ values: [Double], width: Int, height: Int) -> RGBRaster {
        RGBRaster(width: width, height: height, pixels: values.map { v in
            let c = v <= 0.0031308 ? v * 12.92 : 1.055 * pow(v, 1 / 2.4) - 0.055
            return UInt8(min(255, max(0, (c * 255).rounded())))
        })
    }
}
