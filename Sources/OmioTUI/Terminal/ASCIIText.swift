import Foundation

/// The one place text becomes plain ASCII, for terminals and locales that cannot show more
/// (C/POSIX, non-UTF-8 codesets): every character keeps a meaning, none is dropped — `µm`
/// must never read `m`, a wrong value rather than a cosmetic glitch.
enum ASCIIText {
    private static let table: [Unicode.Scalar: String] = [
        "µ": "u", "μ": "u", "×": "x", "–": "-", "—": "-", "−": "-", "…": "~", "·": ".", "•": "*",
        "▸": ">", "▾": "v", "▶": ">", "◂": "<", "←": "<-", "→": "->", "↑": "^", "↓": "v",
        "γ": "g", "°": "deg", "±": "+-", "≤": "<=", "≥": ">=", "≈": "~", "✓": "ok", "✗": "x",
        "┃": "|", "━": "-", "█": "#", "▒": ":", "░": ".", "▓": "%",
        // Half blocks: the preview's scale bar is a row of ▀.
        "▀": "=", "▄": "_", "▌": "|", "▐": "|",
    ]

    /// `s` with every non-ASCII scalar replaced by its stand-in: box drawing by `|`, `+`, `-`,
    /// spinner braille by `*`, other block elements by `#`, anything else unknown by `?` (a
    /// visible gap, not a silent one).
    static func fold(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { !$0.isASCII }) else { return s }
        var out = ""
        for c in s.unicodeScalars {
            if c.isASCII { out.unicodeScalars.append(c); continue }
            if let t = table[c] { out += t; continue }
            switch c.value {
            case 0x2500...0x257F: out += boxDrawing(c)
            case 0x2580...0x259F: out += "#" // other block elements: a filled cell
            case 0x2800...0x28FF: out += "*"
            default: out += "?"
            }
        }
        return out
    }

    /// Lines, corners and crossings: `-`, `|`, `+`.
    private static func boxDrawing(_ c: Unicode.Scalar) -> String {
        switch c.value {
        case 0x2500, 0x2501, 0x2504, 0x2505, 0x2508, 0x2509, 0x254C, 0x254D, 0x2550: return "-"
        case 0x2502, 0x2503, 0x2506, 0x2507, 0x250A, 0x250B, 0x254E, 0x254F, 0x2551: return "|"
        default: return "+"
        }
    }

    /// Whether human output to stdout should be folded: stdout is a terminal and the
    /// locale's codeset is not UTF-8.
    static var neededOnStdout: Bool {
        isatty(STDOUT_FILENO) == 1 && !TerminalProfile.localeIsUTF8()
    }
}
