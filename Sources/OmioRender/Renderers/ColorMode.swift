/// How cell colours reach the terminal: the colour rungs of the capability ladder, richest
/// first. Raw values are the command-line names.
public enum ColorMode: String, CaseIterable, Sendable {
    /// 24-bit SGR colours (38;2 / 48;2): exact.
    case truecolor
    /// The xterm 256-colour palette (38;5 / 48;5): cells are fitted to entries 16...255
    /// (XTermCellRenderer), or keep free colours when the TUI redefines the palette as a ramp.
    case ansi256 = "256"
    /// The 16 ANSI colours (SGR 30–37/40–47 and bright 90–97/100–107), never redefined.
    case ansi16 = "16"
    /// The 8 ANSI colours (SGR 30–37/40–47): GNU screen, tmux's default TERM, plain xterm.
    case ansi8 = "8"
    /// No colour at all (NO_COLOR, vt100): intensity drawn with glyph density.
    case none

    /// The fixed ANSI palette this mode draws from; nil when colours are free (truecolor,
    /// 256), empty for monochrome.
    public var fixedPalette: [RGB8]? {
        switch self {
        case .truecolor, .ansi256: return nil
        case .ansi16: return ANSIPalette.colors(16)
        case .ansi8: return ANSIPalette.colors(8)
        case .none: return []
        }
    }
}

/// Which characters cells may use: Unicode blocks, or printable ASCII for terminals and
/// locales that cannot show them (C/POSIX locales, non-UTF-8 codesets).
public enum GlyphMode: String, CaseIterable, Sendable {
    case unicode
    case ascii
}

/// One rung of the capability ladder: colours and glyphs together.
public struct RenderStyle: Sendable, Equatable {
    public var colors: ColorMode
    public var glyphs: GlyphMode

    public init(colors: ColorMode, glyphs: GlyphMode) {
        self.colors = colors
        self.glyphs = glyphs
    }

    /// What the status line says: "sextant", "sextant 16c", "ascii mono" ...
    public func name(symbols: SymbolSet) -> String {
        let shape = glyphs == .ascii ? "ascii" : symbols.rawValue
        switch colors {
        case .truecolor: return shape + " 24bit"
        case .ansi256: return shape + " 256c"
        case .ansi16: return shape + " 16c"
        case .ansi8: return shape + " 8c"
        case .none: return shape + " mono"
        }
    }
}
