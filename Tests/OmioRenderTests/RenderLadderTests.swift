import Testing
@testable import OmioRender
@testable import OmioRenderQuality

/// The lower rungs of the capability ladder (16, 8, no colours; ASCII glyphs) as cells and text.
struct RenderLadderTests {
    typealias S = RenderTestSupport

    /// A left-to-right gray ramp, 40x6 cells: every rung keeps it a ramp (the mean drawn light
    /// of each column rises across the image) and uses only the colours it may.
    @Test(arguments: [ColorMode.ansi16, .ansi8, .none], [GlyphMode.unicode, .ascii])
    func grayRampStaysARamp(colors: ColorMode, glyphs: GlyphMode) {
        let cols = 40, rows = 6, symbols = SymbolSet.sextant
        let size = symbols.rasterSize(cols: cols, rows: rows)
        let raster = S.raster(width: size.width, height: size.height) { x, _ in S.gray(UInt8(x * 255 / (size.width - 1))) }
        let grid = CellRenderer.render(raster: raster, cols: cols, rows: rows, symbols: symbols, style: RenderStyle(colors: colors, glyphs: glyphs))
        let allowed = Set(colors.fixedPalette!.isEmpty ? [RGB8.white, .black] : colors.fixedPalette!)
        for cell in grid.cells {
            #expect(allowed.contains(cell.fg) && allowed.contains(cell.bg), "\(cell)")
            if glyphs == .ascii { #expect(cell.glyph.isASCII) }
        }
        // Drawn light per column: shades and the ASCII ramp count as their mix.
        let shade: [Unicode.Scalar: Double] = Dictionary(uniqueKeysWithValues:
            (PaletteCellRenderer.unicodeShades + PaletteCellRenderer.asciiRamp).map { ($0.0, Double($0.1)) })
        func light(_ c: Cell) -> Double {
            let f = Double(c.fg.r) + Double(c.fg.g) + Double(c.fg.b), b = Double(c.bg.r) + Double(c.bg.g) + Double(c.bg.b)
            if let s = shade[c.glyph] { return s * f + (1 - s) * b }
            if c.glyph == " " { return b }
            let mask = CellRasterizer.coverageMask(c.glyph, cellWidth: 8, cellHeight: 16)
            let on = Double(mask.filter { $0 }.count) / Double(mask.count)
            return on * f + (1 - on) * b
        }
        let columns = (0..<cols).map { x in (0..<rows).map { light(grid[x, $0]) }.reduce(0, +) / Double(rows) }
        // Quarters of the image get brighter left to right (dithering wiggles single columns).
        let quarters = stride(from: 0, to: cols, by: cols / 4).map { q in columns[q..<q + cols / 4].reduce(0, +) }
        #expect(quarters == quarters.sorted() && quarters.last! > quarters.first! * 2 + 10, "\(colors) \(glyphs): \(quarters)")
        let distinct = Set(grid.cells.map { "\($0.glyph)\($0.fg)\($0.bg)" })
        #expect(distinct.count >= 4, "a ramp needs several kinds of cell, got \(distinct.count)")
    }

    @Test func sixteenColourTextRoundTrips() throws {
        let p = ANSIPalette.colors(16)
        let grid = CellGrid(cols: 3, rows: 1, cells: [Cell(glyph: "\u{2584}", fg: p[9], bg: p[0]), .solid(p[4]), Cell(glyph: "\u{2591}", fg: p[15], bg: p[8])])
        let text = ANSIWriter.write(grid, mode: .ansi16)
        #expect(text == "\u{1B}[91;40m▄\u{1B}[44m \u{1B}[97;100m░\u{1B}[0m\n")
        #expect(try ANSIParser.parse(text) == grid)
        let mono = ANSIWriter.write(CellGrid(cols: 2, rows: 1, cells: [Cell(glyph: "\u{2592}", fg: .white, bg: .black), .solid(.black)]), mode: .none)
        #expect(mono == "▒ \u{1B}[0m\n")
    }
}
