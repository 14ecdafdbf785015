/// How cell colours reach the terminal. Raw values are the command-line names.
public enum ColorMode: String, CaseIterable, Sendable {
    /// 24-bit SGR colours (38;2 / 48;2): exact.
    case truecolor
    /// The xterm 256-colour palette (38;5 / 48;5), nearest entry from 16...255.
    case ansi256 = "256"
}
