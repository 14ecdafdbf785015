import ArgumentParser
import Foundation
import OmioEngine
import OmioFixtures
import OmioFormats
import OmioRender
import OmioRenderQuality
#if canImport(Glibc)
import Glibc
#endif

/// Render quality and time against chafa.
extension BenchHarness {
    /// The shared corpus' real 1024x1024 uint16 cell image: what the field notes measured
    /// chafa on, and what the goal names (a real plane, not noise).
    var realPlane: String? { corpusFile("clEsperanto_AICS_12_134_C0.tif") }

    /// A file of the shared real corpus, when it is there.
    func corpusFile(_ name: String) -> String? {
        let path = TestPaths.real(name)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    mutating func qualityCases() throws {
        if let real = realPlane {
            rows.append(try qualityRow(file: real, plane: PlaneIndex(), label: "a real 1024×1024 uint16 cell image (corpus: clEsperanto_AICS_12_134_C0.tif)"))
        } else {
            notes.append("The real-image quality case was skipped: ../shared/corpus/real/clEsperanto_AICS_12_134_C0.tif not found.")
        }
        // The lower rungs of the ladder on the same plane (or the stack's when the corpus is
        // missing): 16 and 8 ANSI colours and none, against chafa at the same colour setting.
        let ladderFile = realPlane ?? stack, ladderPlane = realPlane == nil ? PlaneIndex(z: midPlane.z, c: midPlane.c) : PlaneIndex()
        for colors in ["16", "8", "none"] {
            rows.append(try qualityRow(file: ladderFile, plane: ladderPlane, label: "the same plane with \(colors == "none" ? "no" : colors) colours", colors: colors))
        }
        let p = midPlane
        rows.append(try qualityRow(file: stack, plane: PlaneIndex(z: p.z, c: p.c), label: "the synthetic stack's middle plane (mostly noise)"))
        rows.append(try renderTimeRow())
        notes.append("Render quality: the contrast limits are omio-tui's auto limits for that plane (Fiji's saturated 0.35%), passed to `render --contrast LO:HI`; chafa gets the plane mapped through the same limits as an 8-bit gray PNG (value = round(255·clamp((v−LO)/(HI−LO)))). Both outputs are parsed by ANSIParser and rasterized by CellRasterizer at 8×16 px per cell; the reference is that 8-bit plane area-averaged (exact box filter, in 8-bit sRGB code values) to the same pixel grid. PSNR over R, G and B; the note of each row adds two more readings of \"the source downsampled to the same grid\": the plane averaged in linear light and compared in linear light, and that average encoded back to sRGB codes and compared in codes. The goal counts as met only when omio-tui is ahead in all three. omio-tui fits cell colours in a tone space between linear light and sRGB codes (codes^1.5, ToneSpace in Sources/OmioRender/Color/ToneSpace.swift); fitting in linear light alone was behind chafa in code-value PSNR on the noise-dominated stack plane. The PNGs, ANSI outputs and rasterizations are kept in \(artifacts).")
    }

    /// PSNR of omio-tui's and chafa's cells for one plane at 160x48 cells with the same limits,
    /// both at `colors` (truecolor is chafa's `full`).
    mutating func qualityRow(file: String, plane p: PlaneIndex, label: String, colors: String = "truecolor") throws -> BenchRow {
        let chafaColors = colors == "truecolor" ? "full" : colors, tag = colors == "truecolor" ? "" : "-\(colors)c"
        let source = try ImageOpener.open(path: file)
        let m = source.metadata(series: 0)
        let cells = PreviewGeometry.fit(m, width: 160, height: 48)
        let array = LazyArray(levels: SourceLevels(source: source, series: 0))
        let auto = try BenchFrame.render(array: array, metadata: m, t: p.t, z: p.z, channels: [p.c], cols: cells.cols, rows: cells.rows)
        guard let limits = auto.limits[p.c] else { throw BenchError("no contrast limits for channel \(p.c)") }
        let plane = try source.readPlane(plane: p)
        let gray = BenchQuality.gray8(plane.floats(), low: limits.low, high: limits.high)
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension + "-z\(p.z)-c\(p.c)"
        let png = (artifacts as NSString).appendingPathComponent(name + ".png")
        try PNGWriter.encode(width: plane.width, height: plane.height, gray: gray).write(to: URL(fileURLWithPath: png))
        func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.17g", v) }
        let contrast = "\(number(limits.low)):\(number(limits.high))"
        log("quality: \(name), limits \(contrast), \(cells.cols)x\(cells.rows) cells, PNG \(png)")

        func measure(_ ansiPath: String, tool: String) throws -> (psnr: Double, linear: Double, linearCodes: Double, grid: CellGrid) {
            let grid = try ANSIParser.parse(try String(contentsOfFile: ansiPath, encoding: .utf8))
            let raster = CellRasterizer.rasterize(grid, cellWidth: 8, cellHeight: 16)
            let reference = BenchQuality.areaAverage(gray, width: plane.width, height: plane.height, outW: raster.width, outH: raster.height)
            let light = BenchQuality.linearAverage(gray, width: plane.width, height: plane.height, outW: raster.width, outH: raster.height)
            try PNGWriter.encode(width: raster.width, height: raster.height, rgb: raster.pixels)
                .write(to: URL(fileURLWithPath: (artifacts as NSString).appendingPathComponent("\(name)\(tag)-\(tool)-cells.png")))
            return (psnr(a: raster, b: reference), BenchQuality.linearPSNR(raster, reference: light),
                    psnr(a: raster, b: BenchQuality.codes(light, width: raster.width, height: raster.height)), grid)
        }
        let oursANSI = (artifacts as NSString).appendingPathComponent(name + tag + "-omio-tui.ansi")
        _ = try proc([tui, "render", file, "--t", "\(p.t)", "--z", "\(p.z)", "--c", "\(p.c)", "--width", "160", "--height", "48",
                      "--symbols", "sextant", "--colors", colors, "--glyphs", "unicode", "--contrast", contrast], stdout: oursANSI)
        let oursQ = try measure(oursANSI, tool: "omio-tui")
        var q = BenchRow(id: "", title: "render quality: PSNR of \(label) at 160×48 cells, contrast \(contrast) for both, cells rasterized at 8×16 px",
                         ours: "`render --symbols sextant --colors \(colors)` (\(oursQ.grid.cols)×\(oursQ.grid.rows) cells)",
                         oursStat: BenchStat(values: [oursQ.psnr], unit: .decibels), goal: "≥ chafa's")
        guard chafaReady else {
            q.other = skipped("chafa")
            return q
        }
        let chafaANSI = (artifacts as NSString).appendingPathComponent(name + tag + "-chafa.ansi")
        _ = try proc([chafa!, "--format", "symbols", "--colors", chafaColors, "-s", "160x48", png], stdout: chafaANSI)
        let chQ = try measure(chafaANSI, tool: "chafa")
        q.other = "`chafa --format symbols --colors \(chafaColors) -s 160x48` (default symbols; \(chQ.grid.cols)×\(chQ.grid.rows) cells)"
        q.otherStat = BenchStat(values: [chQ.psnr], unit: .decibels)
        let d = oursQ.psnr - chQ.psnr
        q.ratio = String(format: "%@%.2f dB (omio-tui %@)", d >= 0 ? "+" : "−", abs(d), d >= 0 ? "ahead" : "behind")
        // Met only when ahead however the reference is averaged and compared (see the notes).
        q.goalMet = d >= 0 && oursQ.linear >= chQ.linear && oursQ.linearCodes >= chQ.linearCodes
        let unknown = BenchQuality.unknownGlyphs(chQ.grid), unknownOurs = BenchQuality.unknownGlyphs(oursQ.grid)
        q.note = String(format: "reference averaged in linear light instead, PSNR in linear light: omio-tui %.2f dB, chafa %.2f dB; "
                        + "that reference encoded to sRGB codes, PSNR in codes: omio-tui %.2f dB, chafa %.2f dB. ",
                        oursQ.linear, chQ.linear, oursQ.linearCodes, chQ.linearCodes)
            + "Glyphs the rasterizer does not know (drawn as background): chafa \(unknown.values.reduce(0, +)) cells, omio-tui \(unknownOurs.values.reduce(0, +)) cells"
        if !unknown.isEmpty {
            notes.append("chafa used glyphs the rasterizer does not know: " + unknown.map { String(format: "U+%04X ×%d", $0.key.value, $0.value) }.joined(separator: ", "))
        }
        return q
    }

    /// `omio-tui render` of the stack's middle plane straight from the TIFF vs chafa on its PNG.
    mutating func renderTimeRow() throws -> BenchRow {
        let p = midPlane
        let name = ((stack as NSString).lastPathComponent as NSString).deletingPathExtension + "-z\(p.z)-c\(p.c)"
        let png = (artifacts as NSString).appendingPathComponent(name + ".png")
        let scratch = (work as NSString).appendingPathComponent("render-time.ansi")
        let ours = try repeated(opt.runs, "render per process") { _ in
            try proc([tui, "render", stack, "--z", "\(p.z)", "--c", "\(p.c)", "--width", "160", "--height", "48",
                      "--symbols", "sextant", "--colors", "truecolor"], stdout: scratch)
        }
        var t = BenchRow(id: "", title: "render time: the stack's middle plane straight from the 1.1 GB TIFF vs chafa on a PNG of it — per process",
                         ours: "`omio-tui render`", oursStat: stat(ours), goal: "faster than chafa")
        guard chafaReady else {
            t.other = skipped("chafa")
            return t
        }
        let ch = try repeated(opt.runs, "chafa per process") { _ in
            try proc([chafa!, "--format", "symbols", "--colors", "full", "-s", "160x48", png], stdout: scratch)
        }
        t.other = "`chafa` on the 1024×1024 8-bit gray PNG"
        t.otherStat = stat(ch)
        t.ratio = BenchRow.speedRatio(ours: t.oursStat!.median, other: t.otherStat!.median)
        t.goalMet = t.oursStat!.median < t.otherStat!.median
        return t
    }
}
