import OmioRender

/// Which part of a cell a glyph's foreground covers, as an idealized font draws it: the
/// patterns of every SymbolSet, the eighth blocks, shades, and box drawing (which chafa also emits).
enum GlyphCoverage {
    /// Whether the foreground of `glyph` covers point (x, y) of its cell, both in 0..<1 with y
    /// pointing down; nil for a glyph this table does not know.
    static func covers(_ glyph: Unicode.Scalar, x: Double, y: Double) -> Bool? {
        if let p = SymbolSet.sextant.pattern(of: glyph) {
            return p & (1 << (Int(y * 3) * 2 + Int(x * 2))) != 0
        }
        if let p = SymbolSet.quad.pattern(of: glyph) {
            return p & (1 << (Int(y * 2) * 2 + Int(x * 2))) != 0
        }
        let v = glyph.value
        switch v {
        case 0x2581...0x2587: return y >= 1 - Double(v - 0x2580) / 8 // lower n eighths
        case 0x2589...0x258F: return x < Double(0x2590 - v) / 8       // left n eighths
        case 0x2594: return y < 1.0 / 8                                // upper eighth
        // Shades as fonts draw them: a dot pattern on the pixel grid (at 8x16 px per cell).
        case 0x2591: return Int(x * 8) % 2 == 0 && Int(y * 16) % 2 == 0   // ░ 25%
        case 0x2592: return (Int(x * 8) + Int(y * 16)) % 2 == 0           // ▒ 50%
        case 0x2593: return !(Int(x * 8) % 2 == 1 && Int(y * 16) % 2 == 1) // ▓ 75%
        case 0x2595: return x >= 7.0 / 8                               // right eighth
        case 0x2500...0x257F: return BoxDrawing.covers(v, x: x, y: y)
        default: return nil
        }
    }
}
