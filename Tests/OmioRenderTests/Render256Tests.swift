import Foundation
import Testing
@testable import OmioRender
@testable import OmioRenderQuality

/// The 256-colour rung: colours fitted to the xterm palette with the glyph, the palette error
/// diffused over the cells, and the chosen entries reaching the terminal unchanged.
struct Render256Tests {
    typealias S = RenderTestSupport
    static let style = RenderStyle(colors: .ansi256, glyphs: .unicode)

    /// What a 256-colour terminal shows for `raster`: the cells written as SGR 38;5/48;5 codes
    /// (as `render` prints them), parsed back and rasterized at `cw` x `ch` px per cell.
    static func shown(_ grid: CellGrid, cw: Int, ch: Int) throws -> RGBRaster {
        let text = ANSIWriter.write(grid, mode: .ansi256)
        return CellRasterizer.rasterize(try ANSIParser.parse(text), cellWidth: cw, cellHeight: ch)
    }

    /// The path this mode took before: free colours (the truecolor fit), each rounded to the
    /// nearest palette entry on output.
    static func nearestColourGrid(_ raster: RGBRaster, cols: Int, rows: Int) -> CellGrid {
        CellRenderer.render(raster: raster, cols: cols, rows: rows, symbols: .sextant)
    }

    /// Two channels crossing in opposite ramps (green left to right, magenta right to left),
    /// added as the compositor adds them, with a soft vertical fade: no flat area anywhere.
    static func twoColourGradient(width: Int, height: Int) -> RGBRaster {
        S.raster(width: width, height: height) { x, y in
            let a = Double(x) / Double(width - 1), f = 0.55 + 0.45 * Double(y) / Double(height - 1)
            func code(_ v: Double) -> UInt8 { UInt8(min(255, (v * f * 255).rounded())) }
            return RGB8(r: code(0.8 * (1 - a)), g: code(0.75 * a), b: code(0.2 * a + 0.65 * (1 - a)))
        }
    }

    @Test func everyPaletteEntryMapsBackToItsIndex() {
        for i in 16...255 { #expect(XTerm256.nearestIndex(to: XTerm256.color(ofIndex: i)) == i) }
    }

    @Test func cellsUseOnlyPaletteColours() {
        let raster = Self.twoColourGradient(width: 2 * 30, height: 24 * 8)
        let grid = CellRenderer.render(raster: raster, cols: 30, rows: 8, symbols: .sextant, style: Self.style)
        let palette = Set((16...255).map(XTerm256.color(ofIndex:)))
        #expect(grid.cells.allSatisfy { palette.contains($0.fg) && palette.contains($0.bg) })
    }

    /// A smooth two-colour gradient as the terminal shows it, against the source at the same
    /// pixel grid and in blocks of 2x2 cells (the local colour a viewer sees; diffusion's
    /// gain): rounding free colours, the old path, scores 19.5 and 21.1 dB here.
    @Test func smoothGradientKeepsItsShading() throws {
        let cols = 40, rows = 12, cw = 8, ch = 24
        let source = Self.twoColourGradient(width: cols * cw, height: rows * ch)
        let raster = S.downsample(source, by: cw / 2, 1)
        let fittedShown = try Self.shown(CellRenderer.render(raster: raster, cols: cols, rows: rows, symbols: .sextant, style: Self.style), cw: cw, ch: ch)
        let roundedShown = try Self.shown(Self.nearestColourGrid(raster, cols: cols, rows: rows), cw: cw, ch: ch)
        let fitted = psnr(a: fittedShown, b: source), rounded = psnr(a: roundedShown, b: source)
        let block = (2 * cw, 2 * ch)
        let fittedLocal = psnr(a: S.downsample(fittedShown, by: block.0, block.1), b: S.downsample(source, by: block.0, block.1))
        let roundedLocal = psnr(a: S.downsample(roundedShown, by: block.0, block.1), b: S.downsample(source, by: block.0, block.1))
        let report = "fitted \(fitted) dB, rounded \(rounded) dB; in 2x2 cells fitted \(fittedLocal) dB, rounded \(roundedLocal) dB"
        #expect(fitted > 20.5, "\(report)")
        #expect(fittedLocal > 23, "\(report)")
    }

    /// A flat field of a colour between palette entries: diffusion mixes entries so the mean
    /// drawn colour comes near it; rounding each cell (the old path) is off by 20, 50 and 15
    /// codes here. Damped diffusion (see `XTermCellRenderer.diffusion`) leaves part of it.
    @Test func flatOffPaletteFieldKeepsItsMeanColour() throws {
        let color = RGB8(r: 155, g: 50, b: 200), cols = 40, rows = 12
        let raster = RGBRaster(width: cols * 2, height: rows * 24, fill: color)
        let drawn = try Self.shown(CellRenderer.render(raster: raster, cols: cols, rows: rows, symbols: .sextant, style: Self.style), cw: 2, ch: 24)
        let space = ToneSpace.renderer
        let target = S.tone(color)
        var total = 0.0
        for k in 0..<3 {
            // The mean in the tone space the renderer mixes in, as a code.
            var sum = 0.0
            for i in stride(from: k, to: drawn.pixels.count, by: 3) { sum += Double(space.fromCode[Int(drawn.pixels[i])]) }
            let mean = sum / Double(drawn.pixels.count / 3)
            let code = pow(mean, 1 / 1.5) * 255, want = pow(target[k], 1 / 1.5) * 255
            #expect(abs(code - want) < 14, "channel \(k): mean \(code), want \(want)")
            total += abs(code - want)
        }
        #expect(total < 25, "summed over R, G, B: \(total) codes")
    }

    /// The TUI's single-channel path: with the palette redefined as a ramp, cells keep free
    /// colours for the painter to map onto the ramp's 240 shades.
    @Test func paletteRampKeepsFreeColours() {
        let raster = S.raster(width: 2 * 20, height: 24 * 4) { x, _ in S.gray(UInt8(x * 6)) }
        let ramp = Renderer.blocks(.sextant, Self.style).render(raster: raster, cols: 20, rows: 4)
        let free = CellRenderer.render(raster: raster, cols: 20, rows: 4, symbols: .sextant)
        #expect(SliceRequest.renderer(symbols: .sextant, style: Self.style, paletteRamp: true).render(raster: raster, cols: 20, rows: 4) == free)
        #expect(ramp != free)
    }
}
