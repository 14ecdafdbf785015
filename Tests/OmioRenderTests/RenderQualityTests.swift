import Foundation
import Testing
@testable import OmioRender
@testable import OmioRenderQuality

/// Rasterizer, PSNR, and the quality order of the symbol sets on a smooth picture.
struct RenderQualityTests {
    typealias S = RenderTestSupport

    @Test func identicalImagesHaveInfinitePSNR() {
        let a = S.gradientDisc(width: 30, height: 20)
        #expect(psnr(a: a, b: a) == .infinity)
    }

    @Test func knownErrorGivesKnownPSNR() {
        // Every byte off by 1: MSE 1, PSNR 20 log10(255). One byte in 4 off by 2: MSE 1 again.
        let a = RGBRaster(width: 4, height: 3, fill: S.gray(100))
        #expect(abs(psnr(a: a, b: RGBRaster(width: 4, height: 3, fill: S.gray(101))) - 20 * log10(255)) < 1e-9)
        var b = a
        for i in stride(from: 0, to: b.pixels.count, by: 4) { b.pixels[i] = 102 }
        #expect(abs(psnr(a: a, b: b) - 20 * log10(255)) < 1e-9)
    }

    @Test func rasterizerFillsCoverageWithFgAndBg() {
        let red = RGB8(r: 255, g: 0, b: 0), blue = RGB8(r: 0, g: 0, b: 255)
        let grid = CellGrid(cols: 2, rows: 1, cells: [
            Cell(glyph: "\u{2584}", fg: red, bg: blue),   // ▄
            Cell(glyph: "\u{1FB00}", fg: red, bg: blue),  // top-left sextant
        ])
        let r = CellRasterizer.rasterize(grid, cellWidth: 2, cellHeight: 6)
        #expect((0..<6).map { r[0, $0] } == [blue, blue, blue, red, red, red])
        #expect(r[2, 0] == red && r[2, 1] == red && r[3, 0] == blue && r[2, 2] == blue && r[2, 5] == blue)
    }

    @Test func unknownGlyphsDrawAsBackground() {
        let grid = CellGrid(cols: 1, rows: 1, cells: [Cell(glyph: "x", fg: .white, bg: .black)])
        #expect(CellRasterizer.rasterize(grid, cellWidth: 4, cellHeight: 8) == RGBRaster(width: 4, height: 8, fill: .black))
    }

    @Test func boxDrawingHasThinStrokes() {
        let mask = CellRasterizer.coverageMask("\u{253C}", cellWidth: 8, cellHeight: 8) // ┼
        #expect(mask.filter { $0 }.count == 15) // one row and one column of 8, sharing a pixel
        #expect(mask[4 * 8 + 0] && mask[0 * 8 + 4] && !mask[0])
    }

    /// PSNR of each set on a gradient + disc at 40x12 cells, rasterized at 8x24 pixels per
    /// cell (every set's grid divides it) against the source at that size.
    @Test func sextantBeatsQuadBeatsHalf() {
        let cols = 40, rows = 12, cw = 8, ch = 24
        let source = S.gradientDisc(width: cols * cw, height: rows * ch)
        var scores: [SymbolSet: Double] = [:]
        for symbols in SymbolSet.allCases {
            let (pw, ph) = symbols.pixelsPerCell
            let raster = S.downsample(source, by: cw / pw, ch / ph)
            let grid = CellRenderer.render(raster: raster, cols: cols, rows: rows, symbols: symbols)
            scores[symbols] = psnr(a: CellRasterizer.rasterize(grid, cellWidth: cw, cellHeight: ch), b: source)
        }
        #expect(scores[.half]! < scores[.quad]!)
        #expect(scores[.quad]! < scores[.sextant]!)
        #expect(scores[.half]! > 25) // sanity: the picture is recognisable at all
    }
}
