/// Text that came from outside (file names, OME channel names, ImageJ `unit`/`Info`, TIFF
/// Description/Software) on its way to a terminal. A control character printed raw acts on the
/// terminal instead of showing: ESC[2J clears the screen, ESC]0;...BEL retitles the window, a
/// newline splits the one-line error in two. The one rule, shared by the command line and the
/// inspector: C0 controls (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F) are
/// written as `\n`, `\r`, `\t`, or `\xHH` with two lowercase hex digits of the code point
/// (`\x1b`, `\x07`, `\x7f`, `\x9b`). Everything else, backslashes included, is left as it is.
/// JSON output does not need this: its encoder escapes controls itself.
public enum TerminalSafeText {
    public static func escape(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s } // the common case costs one scan
        var out = ""
        for scalar in s.unicodeScalars {
            if isControl(scalar) { out += escape(control: scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// The shown form of one control character (`\n`, `\x1b`).
    public static func escape(control scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            let hex = String(scalar.value, radix: 16)
            return "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }

    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
