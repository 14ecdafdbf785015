import Foundation
import OmioRender

/// The UI's colours for a dark or a light terminal background, per colour depth, chosen so
/// that every coloured text has a WCAG contrast ratio of at least 4.5:1 against what it is
/// drawn on: the terminal's background when it answered OSC 11, else black (dark) or white
/// (light); colours 0–15 as xterm draws them by default. The preview is not themed.
struct Theme: Equatable {
    enum Kind: String, CaseIterable, Sendable {
        case dark, light
    }

    /// How many colours the screen has: direct colour (ncurses with a `*-direct` terminfo:
    /// colour numbers are 0xRRGGBB), the 256 palette (the 6x6x6 cube and grey ramp, whose values
    /// every terminal shares), or the 16/8 system colours.
    enum Depth: CaseIterable {
        case direct, c256, c16, c8
    }

    /// A style's colours: palette indices (or 0xRRGGBB in direct colour); nil fg or bg is the
    /// terminal's default.
    struct Colors: Equatable {
        var fg: Int?
        var bg: Int?
    }

    var kind: Kind
    /// The terminal's background when it said (OSC 11).
    var background: RGB8?

    init(kind: Kind, background: RGB8? = nil) {
        self.kind = kind
        self.background = background
    }

    /// The background default-coloured text is drawn on.
    var assumedBackground: RGB8 { background ?? (kind == .dark ? .black : .white) }

    /// The colours of `style` in `depth`; styles drawn in the terminal's own colours (normal,
    /// bold, reverse video) have none.
    func colors(_ style: TextStyle, depth: Depth) -> Colors {
        guard var c = Theme.table(kind, depth)[style] else { return Colors() }
        // A background that is neither black nor white: a colour that falls short on it gives
        // way to black or white, whichever reads better (one of them always reaches 4.58:1).
        if c.bg == nil, let fg = c.fg, Theme.contrast(Theme.rgb(fg, depth), assumedBackground) < Theme.minimumContrast {
            let (black, white) = Theme.blackAndWhite(depth)
            let bg = assumedBackground
            c.fg = Theme.contrast(Theme.rgb(black, depth), bg) >= Theme.contrast(Theme.rgb(white, depth), bg) ? black : white
        }
        return c
    }

    /// Whether bold may be added: many terminals (xterm by default) draw bold text in colours
    /// 0–7 with the bright colour 8–15, which must then read as well.
    func boldAllowed(_ c: Colors, depth: Depth) -> Bool {
        guard depth != .direct, let fg = c.fg, fg < 8 else { return true }
        let bg = c.bg.map { Theme.rgb($0, depth) } ?? assumedBackground
        return Theme.contrast(Theme.rgb(fg + 8, depth), bg) >= Theme.minimumContrast
    }

    /// The RGB a colour number stands for in `depth` (xterm's defaults for 0–15).
    static func rgb(_ color: Int, _ depth: Depth) -> RGB8 {
        depth == .direct ? RGB8(r: UInt8(color >> 16 & 255), g: UInt8(color >> 8 & 255), b: UInt8(color & 255))
            : XTerm256.color(ofIndex: color)
    }

    private static func blackAndWhite(_ depth: Depth) -> (Int, Int) {
        switch depth {
        case .direct: return (0x000000, 0xFFFFFF)
        case .c256: return (16, 231)
        case .c16: return (0, 15)
        case .c8: return (0, 7)
        }
    }

    static let minimumContrast = 4.5

    /// WCAG 2 relative luminance of an sRGB colour.
    static func luminance(_ c: RGB8) -> Double {
        func channel(_ v: UInt8) -> Double {
            let s = Double(v) / 255
            return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
    }

    /// WCAG 2 contrast ratio, 1...21.
    static func contrast(_ a: RGB8, _ b: RGB8) -> Double {
        let la = luminance(a), lb = luminance(b)
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    }

    /// Dark text reads better than light text on it: the light theme.
    static func kind(ofBackground c: RGB8) -> Kind {
        contrast(.black, c) > contrast(.white, c) ? .light : .dark
    }

    /// COLORFGBG (rxvt, konsole, some others): "fg;bg" or "fg;xpm;bg"; the last field is the
    /// background's palette index: 0–6 and 8 are dark, 7 and 9–15 light.
    static func kind(colorFGBG: String?) -> Kind? {
        guard let text = colorFGBG, let last = text.split(separator: ";").last, let bg = Int(last), (0...15).contains(bg) else { return nil }
        return bg == 7 || bg >= 9 ? .light : .dark
    }

    /// --theme, else OMIO_THEME, else the background the terminal reported, else COLORFGBG,
    /// else dark.
    static func choose(forced: Kind?, environment env: [String: String], background: RGB8?) -> Theme {
        let kind = forced ?? env["OMIO_THEME"].flatMap { Kind(rawValue: $0.lowercased()) }
            ?? background.map(Theme.kind(ofBackground:)) ?? Theme.kind(colorFGBG: env["COLORFGBG"]) ?? .dark
        return Theme(kind: kind, background: background)
    }

    // MARK: the tables

    /// Per depth and kind, the styles with colours. Values checked in ThemeContrastTests (and
    /// in Tests/python/check_cells.py on a terminal emulator's screen).
    static func table(_ kind: Kind, _ depth: Depth) -> [TextStyle: Colors] {
        func fg(_ c: Int) -> Colors { Colors(fg: c, bg: nil) }
        func on(_ f: Int, _ b: Int) -> Colors { Colors(fg: f, bg: b) }
        switch (kind, depth) {
        case (.dark, .c256):
            // On black: grey 244, cyan 80, gold 220, coral 203, green 114, pink 213, sky 75.
            return [.dim: fg(244), .title: fg(80), .warning: fg(220), .error: fg(203), .edited: fg(114), .badge: fg(213),
                    .directory: fg(75), .accent: fg(114), .help: on(255, 24)]
        case (.light, .c256):
            // On white: grey 242, teal-blue 24, orange 130, red 160, green 28, purple 127, blue 25.
            return [.dim: fg(242), .title: fg(24), .warning: fg(130), .error: fg(160), .edited: fg(28), .badge: fg(127),
                    .directory: fg(25), .accent: fg(28), .help: on(255, 24)]
        case (_, .direct):
            // The 256 set's own values: the same look at every depth that has them.
            return table(kind, .c256).mapValues { Colors(fg: $0.fg.map(direct), bg: $0.bg.map(direct)) }
        case (.dark, .c16):
            // xterm's 1 (red), 4 (blue), 5 (magenta) and 12 (light blue) are too dark on black.
            return [.dim: fg(8), .title: fg(6), .warning: fg(3), .error: fg(9), .edited: fg(2), .badge: fg(13),
                    .directory: fg(14), .accent: fg(10), .help: on(7, 4)]
        case (.dark, .c8):
            // Red and magenta fall short on black: error is white on red, a badge black on cyan.
            return [.dim: fg(7), .title: fg(6), .warning: fg(3), .error: on(7, 1), .edited: fg(2), .badge: on(0, 6),
                    .directory: fg(7), .accent: fg(2), .help: on(7, 4)]
        case (.light, .c16), (.light, .c8):
            // On white only black, red, blue, magenta (and light blue) reach 4.5: yellow and green
            // become backgrounds under black text; grey 8 (4.0:1) gives way to black.
            return [.dim: fg(0), .title: fg(4), .warning: on(0, 3), .error: fg(1), .edited: on(0, 2), .badge: fg(5),
                    .directory: fg(4), .accent: fg(4), .help: on(7, 4)]
        }
    }

    private static func direct(_ index: Int) -> Int {
        let c = XTerm256.color(ofIndex: index)
        return Int(c.r) << 16 | Int(c.g) << 8 | Int(c.b)
    }

    /// The depth for a screen with `colors` colours (nil below 8: no colour at all).
    static func depth(colors: Int) -> Depth? {
        if colors >= 0x1000000 { return .direct }
        if colors >= 256 { return .c256 }
        if colors >= 16 { return .c16 }
        return colors >= 8 ? .c8 : nil
    }
}
