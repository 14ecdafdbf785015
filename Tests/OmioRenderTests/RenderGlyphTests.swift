import Testing
@testable import OmioRender
@testable import OmioRenderQuality

/// Glyph and colour choice of the CellRenderer on hand-made and random cells.
struct RenderGlyphTests {
    typealias S = RenderTestSupport

    @Test func halfDarkCellIsALowerHalfBlock() {
        // Top pixel dark, bottom light: TL stays background, so ▄ with fg = bottom, bg = top.
        let r = S.raster(width: 1, height: 2) { _, y in y == 0 ? S.gray(20) : S.gray(230) }
        let grid = CellRenderer.render(raster: r, cols: 1, rows: 1, symbols: .half)
        #expect(grid.cells == [Cell(glyph: "\u{2584}", fg: S.gray(230), bg: S.gray(20))])
    }

    @Test func halfDarkCellInSextantModeIsTheHalfEighth() {
        let r = S.raster(width: 2, height: 24) { _, y in y < 12 ? S.gray(20) : S.gray(230) }
        let grid = CellRenderer.render(raster: r, cols: 1, rows: 1, symbols: .sextant)
        #expect(grid.cells == [Cell(glyph: "\u{2584}", fg: S.gray(230), bg: S.gray(20))])
    }

    @Test func checkerGivesTheDiagonalQuadrant() {
        // Dark top-left and bottom-right: the light pair (top-right, bottom-left) is ▞.
        let r = S.raster(width: 2, height: 2) { x, y in x == y ? S.gray(0) : S.gray(255) }
        let grid = CellRenderer.render(raster: r, cols: 1, rows: 1, symbols: .quad)
        #expect(grid.cells == [Cell(glyph: "\u{259E}", fg: .white, bg: .black)])
    }

    @Test func singleLightSubPixelGivesItsSextant() {
        // Only the middle-right sub-pixel (position 4) light: BLOCK SEXTANT-4, U+1FB07.
        let r = S.raster(width: 2, height: 24) { x, y in x == 1 && (8..<16).contains(y) ? S.gray(200) : S.gray(10) }
        let grid = CellRenderer.render(raster: r, cols: 1, rows: 1, symbols: .sextant)
        #expect(grid.cells == [Cell(glyph: "\u{1FB07}", fg: S.gray(200), bg: S.gray(10))])
    }

    @Test(arguments: SymbolSet.allCases)
    func uniformCellsAreSpaces(symbols: SymbolSet) {
        let color = RGB8(r: 12, g: 140, b: 250)
        let size = symbols.rasterSize(cols: 3, rows: 2)
        let grid = CellRenderer.render(raster: RGBRaster(width: size.width, height: size.height, fill: color),
                                       cols: 3, rows: 2, symbols: symbols)
        #expect(grid.cells == Array(repeating: .solid(color), count: 6))
    }

    @Test func coloursAreMeansInTheToneSpace() {
        // Right column alternates black and white rows, finer than any glyph: ▐ in their mean,
        // 0.5 in the tone space (code^1.5), which is sRGB 161; linear light would give 188 and
        // averaging sRGB codes 128.
        let r = S.raster(width: 2, height: 24) { x, y in x == 1 && y % 2 == 0 ? .white : .black }
        let grid = CellRenderer.render(raster: r, cols: 1, rows: 1, symbols: .sextant)
        #expect(grid.cells == [Cell(glyph: "\u{2590}", fg: S.gray(161), bg: .black)])
    }

    @Test(arguments: SymbolSet.allCases)
    func choiceIsTheBestDrawableGlyph(symbols: SymbolSet) {
        // Against brute force over every glyph the set can draw, with exact mean colours.
        var random = S.Random(state: 0x9E3779B97F4A7C15)
        let cols = 12, rows = 6, size = symbols.rasterSize(cols: cols, rows: rows)
        let r = S.raster(width: size.width, height: size.height) { _, _ in random.color() }
        let grid = CellRenderer.render(raster: r, cols: cols, rows: rows, symbols: symbols)
        for cy in 0..<rows {
            for cx in 0..<cols {
                let chosen = S.bestError(glyph: grid[cx, cy].glyph, raster: r, cx: cx, cy: cy, symbols: symbols)
                let best = S.drawable(symbols).map { S.bestError(glyph: $0, raster: r, cx: cx, cy: cy, symbols: symbols) }.min()!
                #expect(chosen <= best * (1 + 1e-5) + 1e-9, "cell \(cx),\(cy): \(grid[cx, cy].glyph) \(chosen) > \(best)")
            }
        }
    }

    @Test(arguments: [SymbolSet.quad, .sextant])
    func neverWorseThanTheBestHalfBlock(symbols: SymbolSet) {
        var random = S.Random(state: 42)
        let cols = 16, rows = 8, size = symbols.rasterSize(cols: cols, rows: rows)
        let r = S.raster(width: size.width, height: size.height) { _, _ in random.color() }
        let grid = CellRenderer.render(raster: r, cols: cols, rows: rows, symbols: symbols)
        for cy in 0..<rows {
            for cx in 0..<cols {
                let cell = grid[cx, cy]
                let drawn = S.error(glyph: cell.glyph, fg: S.tone(cell.fg), bg: S.tone(cell.bg),
                                    raster: r, cx: cx, cy: cy, symbols: symbols)
                let half = [" ", "\u{2580}", "\u{2584}"].map {
                    S.bestError(glyph: Unicode.Scalar($0)!, raster: r, cx: cx, cy: cy, symbols: symbols)
                }.min()!
                // Slack: the drawn colours are rounded to 8 bits, the half-block ones are not.
                #expect(drawn <= half + 2e-3, "cell \(cx),\(cy)")
            }
        }
    }
}
