import OmioFormats

/// Terminal column arithmetic for the text the TUI draws (no east-asian wide glyphs are
/// produced by omio-tui itself; file names may contain them and are clipped by scalars).
enum TextWidth {
    static func clip(_ s: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        var out = String.UnicodeScalarView()
        var n = 0
        // Controls from file names and metadata are shown escaped (never sent to the terminal),
        // and an escape is shown whole or not at all.
        for scalar in s.unicodeScalars {
            if TerminalSafeText.isControl(scalar) {
                let shown = TerminalSafeText.escape(control: scalar)
                if n + shown.count > width { break }
                out.append(contentsOf: shown.unicodeScalars)
                n += shown.count
                continue
            }
            let w = columns(scalar)
            if n + w > width { break }
            out.append(scalar)
            n += w
        }
        return String(out)
    }

    static func columns(_ s: Unicode.Scalar) -> Int {
        switch s.value {
        case 0x0300...0x036F, 0x200B...0x200F: return 0
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default: return 1
        }
    }

    static func width(_ s: String) -> Int { s.unicodeScalars.reduce(0) { $0 + columns($1) } }

    /// Pads or clips to exactly `width` columns.
    static func fit(_ s: String, _ width: Int) -> String {
        let c = clip(s, to: width)
        return c + String(repeating: " ", count: max(0, width - self.width(c)))
    }
}
