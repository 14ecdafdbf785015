/// Which block characters the renderer may draw. Each set splits a cell into a grid of
/// sub-pixels and can draw every on/off pattern of that grid with one glyph, so choosing a glyph
/// is choosing a partition of the sub-pixels into foreground and background.
///
/// Pattern bits are row-major from the top-left sub-pixel: bit `row * subCols + col`.
public enum SymbolSet: String, CaseIterable, Sendable {
    /// 1x2: space, upper and lower half block, full block. Every terminal font has them.
    case half
    /// 2x2: the quadrant characters U+2596–U+259F plus half blocks, full block and space.
    case quad
    /// 2x3: the Unicode 13 sextants U+1FB00–U+1FB3B, plus space, left/right half and full block
    /// for the four patterns the sextant block leaves out; and the lower eighth blocks
    /// U+2581–U+2587, which put a horizontal edge anywhere on an eighth of the cell (fonts with
    /// sextants have them). Sextants alone trail chafa's default symbols on real images
    /// (28.5 vs 28.6 dB at 96x48 cells); with the eighths they lead (28.8 dB).
    case sextant

    /// Sub-pixel columns per cell.
    public var subCols: Int { self == .half ? 1 : 2 }

    /// Sub-pixel rows per cell.
    public var subRows: Int {
        switch self {
        case .half: return 2
        case .quad: return 2
        case .sextant: return 3
        }
    }

    /// Whether the lower eighth blocks are drawn too.
    var lowerEighths: Bool { self == .sextant }

    /// Raster pixels the renderer reads per cell. Finer than the sub-pixel grid only where a
    /// glyph needs it: sextant rows (thirds) and eighths meet on a 24-row grid. A finer raster
    /// for the sub-pixel patterns alone does not help: a region's best colour and error depend
    /// only on its mean, and re-averaging finer pixels in linear light measured 0.06–0.2 dB
    /// lower PSNR than taking the engine's (sRGB-averaged) sub-pixels directly.
    public var pixelsPerCell: (width: Int, height: Int) {
        lowerEighths ? (subCols, 24) : (subCols, subRows)
    }

    /// The raster the renderer wants for a `cols` x `rows` cell grid.
    public func rasterSize(cols: Int, rows: Int) -> (width: Int, height: Int) {
        (cols * pixelsPerCell.width, rows * pixelsPerCell.height)
    }

    /// The glyph drawing `pattern` (bit set = foreground).
    public func glyph(pattern: Int) -> Unicode.Scalar {
        glyphs[pattern]
    }

    /// The sub-pixel pattern `glyph` draws in this set; nil for other glyphs (the eighths too).
    public func pattern(of glyph: Unicode.Scalar) -> Int? {
        glyphs.firstIndex(of: glyph)
    }

    /// The block covering the lower `eighths` (1...7) of the cell: U+2581 ▁ ... U+2587 ▇.
    static func lowerEighthGlyph(_ eighths: Int) -> Unicode.Scalar {
        Unicode.Scalar(0x2580 + UInt32(eighths))!
    }

    /// Glyph per pattern, indexed by pattern.
    var glyphs: [Unicode.Scalar] {
        switch self {
        case .half: return Self.halfGlyphs
        case .quad: return Self.quadGlyphs
        case .sextant: return Self.sextantGlyphs
        }
    }

    private static let halfGlyphs: [Unicode.Scalar] = [" ", "\u{2580}", "\u{2584}", "\u{2588}"]

    // Bits: 1 top-left, 2 top-right, 4 bottom-left, 8 bottom-right.
    private static let quadGlyphs: [Unicode.Scalar] = [
        " ", "\u{2598}", "\u{259D}", "\u{2580}", "\u{2596}", "\u{258C}", "\u{259E}", "\u{259B}",
        "\u{2597}", "\u{259A}", "\u{2590}", "\u{259C}", "\u{2584}", "\u{2599}", "\u{259F}", "\u{2588}",
    ]

    // Unicode numbers sextant positions 1-6 row-major, so "BLOCK SEXTANT-n..." sets bit n-1, and
    // U+1FB00... lists patterns 1...62 in order, skipping 21 (left half) and 42 (right half).
    private static let sextantGlyphs: [Unicode.Scalar] = (0..<64).map { pattern in
        switch pattern {
        case 0: return " "
        case 21: return "\u{258C}"
        case 42: return "\u{2590}"
        case 63: return "\u{2588}"
        default:
            let skipped = (pattern > 21 ? 1 : 0) + (pattern > 42 ? 1 : 0)
            return Unicode.Scalar(0x1FB00 + pattern - 1 - skipped)!
        }
    }
}
