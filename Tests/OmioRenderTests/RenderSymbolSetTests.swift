import Testing
@testable import OmioRender
@testable import OmioRenderQuality

/// Glyph tables checked against the Unicode character names, and the coverage the
/// rasterizer draws for them.
struct RenderSymbolSetTests {
    @Test func sextantCodePointsFollowTheChart() {
        let s = SymbolSet.sextant
        #expect(s.glyph(pattern: 0b000001) == "\u{1FB00}") // top-left only
        #expect(s.glyph(pattern: 0b000010) == "\u{1FB01}") // top-right only
        #expect(s.glyph(pattern: 0b000011) == "\u{1FB02}") // top row
        #expect(s.glyph(pattern: 0b010100) == "\u{1FB13}") // SEXTANT-35
        #expect(s.glyph(pattern: 0b010110) == "\u{1FB14}") // SEXTANT-235 (after the skipped 135)
        #expect(s.glyph(pattern: 0b111110) == "\u{1FB3B}") // all but top-left
        #expect(s.glyph(pattern: 0b010101) == "\u{258C}")  // left column: not a sextant
        #expect(s.glyph(pattern: 0b101010) == "\u{2590}")
        #expect(s.glyph(pattern: 0) == " ")
        #expect(s.glyph(pattern: 63) == "\u{2588}")
    }

    /// The pattern a glyph's Unicode name describes, on a 2x3 (sextant) or 2x2 grid.
    func patternFromName(_ glyph: Unicode.Scalar, rows: Int) -> Int? {
        guard let name = glyph.properties.name else { return nil }
        switch name {
        case "SPACE": return 0
        case "FULL BLOCK": return (1 << (2 * rows)) - 1
        case "LEFT HALF BLOCK": return rows == 3 ? 0b010101 : 0b0101
        case "RIGHT HALF BLOCK": return rows == 3 ? 0b101010 : 0b1010
        case "UPPER HALF BLOCK" where rows == 2: return 0b0011
        case "LOWER HALF BLOCK" where rows == 2: return 0b1100
        default: break
        }
        if name.hasPrefix("BLOCK SEXTANT-") {
            return name.dropFirst("BLOCK SEXTANT-".count).reduce(0) { $0 | 1 << ($1.wholeNumberValue! - 1) }
        }
        if name.hasPrefix("QUADRANT ") {
            let parts: [String: Int] = ["UPPER LEFT": 1, "UPPER RIGHT": 2, "LOWER LEFT": 4, "LOWER RIGHT": 8]
            return name.dropFirst("QUADRANT ".count).components(separatedBy: " AND ").reduce(0) { $0 | parts[$1]! }
        }
        return nil
    }

    @Test(arguments: [SymbolSet.quad, .sextant])
    func everyPatternGlyphIsNamedForItsPattern(symbols: SymbolSet) {
        for p in 0..<1 << (symbols.subCols * symbols.subRows) {
            #expect(patternFromName(symbols.glyph(pattern: p), rows: symbols.subRows) == p, "pattern \(p)")
        }
    }

    @Test func halfGlyphs() {
        #expect((0..<4).map(SymbolSet.half.glyph(pattern:)) == [" ", "\u{2580}", "\u{2584}", "\u{2588}"])
    }

    @Test func eighthGlyphsAreTheLowerBlocks() {
        let names = (1...7).map { SymbolSet.lowerEighthGlyph($0).properties.name! }
        #expect(names == ["LOWER ONE EIGHTH BLOCK", "LOWER ONE QUARTER BLOCK", "LOWER THREE EIGHTHS BLOCK",
                          "LOWER HALF BLOCK", "LOWER FIVE EIGHTHS BLOCK", "LOWER THREE QUARTERS BLOCK",
                          "LOWER SEVEN EIGHTHS BLOCK"])
    }

    @Test(arguments: SymbolSet.allCases)
    func coverageMatchesPatterns(symbols: SymbolSet) {
        let (w, h) = (symbols.subCols, symbols.subRows)
        for p in 0..<1 << (w * h) {
            let mask = CellRasterizer.coverageMask(symbols.glyph(pattern: p), cellWidth: w, cellHeight: h)
            #expect(mask == (0..<w * h).map { p & (1 << $0) != 0 }, "pattern \(p)")
        }
    }

    @Test func eighthCoverage() {
        for e in 1...7 {
            let mask = CellRasterizer.coverageMask(SymbolSet.lowerEighthGlyph(e), cellWidth: 1, cellHeight: 8)
            #expect(mask == (0..<8).map { $0 >= 8 - e })
        }
    }

    @Test func rasterSizes() {
        #expect(SymbolSet.half.rasterSize(cols: 160, rows: 48) == (160, 96))
        #expect(SymbolSet.quad.rasterSize(cols: 160, rows: 48) == (320, 96))
        #expect(SymbolSet.sextant.rasterSize(cols: 160, rows: 48) == (320, 1152))
        #expect(SymbolSet(rawValue: "sextant") == .sextant)
    }
}
