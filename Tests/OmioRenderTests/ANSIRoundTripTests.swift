import Testing
@testable import OmioRender
@testable import OmioRenderQuality

/// ANSIWriter output format, ANSIParser on ours and chafa-style text, and round trips.
struct ANSIRoundTripTests {
    typealias S = RenderTestSupport
    let esc = "\u{1B}"

    @Test func truecolorCodesOnlyWhenColoursChange() {
        let a = RGB8(r: 1, g: 2, b: 3), b = RGB8(r: 40, g: 50, b: 60)
        let grid = CellGrid(cols: 4, rows: 1, cells: [
            Cell(glyph: "\u{2584}", fg: a, bg: b), Cell(glyph: "\u{2584}", fg: a, bg: b),
            .solid(a), Cell(glyph: "\u{2588}", fg: b, bg: b),
        ])
        #expect(ANSIWriter.write(grid, mode: .truecolor)
            == "\(esc)[38;2;1;2;3;48;2;40;50;60m▄▄\(esc)[48;2;1;2;3m \(esc)[38;2;40;50;60m█\(esc)[0m\n")
    }

    @Test func ansi256CodesAndOneLinePerRow() {
        let grid = CellGrid(cols: 1, rows: 2, cells: [
            Cell(glyph: "\u{2584}", fg: RGB8(r: 255, g: 0, b: 0), bg: S.gray(128)), .solid(S.gray(128)),
        ])
        #expect(ANSIWriter.write(grid, mode: .ansi256)
            == "\(esc)[38;5;196;48;5;244m▄\(esc)[0m\n\(esc)[48;5;244m \(esc)[0m\n")
    }

    @Test(arguments: SymbolSet.allCases)
    func truecolorRoundTripIsExact(symbols: SymbolSet) throws {
        let size = symbols.rasterSize(cols: 20, rows: 6)
        var random = S.Random(state: 7)
        let r = S.raster(width: size.width, height: size.height) { _, _ in random.color() }
        let grid = CellRenderer.render(raster: r, cols: 20, rows: 6, symbols: symbols)
        #expect(try ANSIParser.parse(ANSIWriter.write(grid, mode: .truecolor)) == grid)
    }

    @Test func ansi256RoundTripGivesThePaletteColours() throws {
        let size = SymbolSet.sextant.rasterSize(cols: 20, rows: 6)
        let grid = CellRenderer.render(raster: S.gradientDisc(width: size.width, height: size.height),
                                       cols: 20, rows: 6, symbols: .sextant)
        func quantized(_ c: RGB8) -> RGB8 { XTerm256.color(ofIndex: XTerm256.nearestIndex(to: c)) }
        let expected = CellGrid(cols: 20, rows: 6, cells: grid.cells.map {
            Cell(glyph: $0.glyph, fg: quantized($0.fg), bg: quantized($0.bg))
        })
        #expect(try ANSIParser.parse(ANSIWriter.write(grid, mode: .ansi256)) == expected)
    }

    @Test func parsesChafaStyleOutput() throws {
        // As chafa --format symbols prints it: cursor hide/show, a reset first, combined
        // SGRs, 256-colour indices below 16, eighth blocks and box drawing.
        let text = "\(esc)[?25l\(esc)[0m\(esc)[38;2;10;20;30;48;2;1;2;3m▘\(esc)[48;5;9m \(esc)[38;5;232m█┼\(esc)[0m\n"
            + "\(esc)[38;2;5;5;5;48;2;6;6;6m▃▚\(esc)[39;49m\u{1FB3B}\(esc)[0m▍\(esc)[0m\n\(esc)[?25h"
        let grid = try ANSIParser.parse(text)
        let c1 = RGB8(r: 10, g: 20, b: 30), c2 = RGB8(r: 1, g: 2, b: 3), red = RGB8(r: 255, g: 0, b: 0)
        let g8 = S.gray(8), g5 = S.gray(5), g6 = S.gray(6)
        #expect(grid == CellGrid(cols: 4, rows: 2, cells: [
            Cell(glyph: "▘", fg: c1, bg: c2), .solid(red), Cell(glyph: "█", fg: g8, bg: g8), Cell(glyph: "┼", fg: g8, bg: red),
            Cell(glyph: "▃", fg: g5, bg: g6), Cell(glyph: "▚", fg: g5, bg: g6),
            Cell(glyph: "\u{1FB3B}", fg: .white, bg: .black), Cell(glyph: "▍", fg: .white, bg: .black),
        ]))
    }

    @Test func raggedRowsAreAnError() {
        #expect(throws: ANSIParser.Failure.self) { try ANSIParser.parse("ab\nc\n") }
    }

    @Test func badColourIsAnError() {
        #expect(throws: ANSIParser.Failure.self) { try ANSIParser.parse("\(esc)[38;2;300;0;0mx\n") }
    }
}
