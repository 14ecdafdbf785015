import CNcurses
import Foundation
import OmioRender

/// What the terminal can do, read from terminfo before ncurses takes the screen (setupterm
/// only loads the entry: nothing is written), and the rung of the capability ladder that
/// follows from it and the environment.
struct TerminalProfile: Equatable {
    /// $TERM as given ("" when unset).
    var term: String
    /// Whether terminfo has an entry for it.
    var known: Bool
    /// terminfo `colors` (0 when absent).
    var colors: Int
    /// `RGB` (ncurses' direct-colour flag) or `Tc` (tmux's).
    var directColor: Bool
    /// `setaf`: the terminal can set a foreground colour at all.
    var setaf: Bool
    /// `cup`: the terminal can move the cursor anywhere (the inspector needs it).
    var cursorAddressing: Bool

    /// The inspector needs a known terminal that can address the cursor: `dumb`, unknown
    /// names and line terminals are refused with one line instead of crashing in ncurses.
    var canRunInspector: Bool { known && cursorAddressing && term != "dumb" }

    /// The glyph set to start with: the Linux console's font (512 glyphs at most) has the half
    /// blocks and shades but no quadrants or sextants; other terminals draw with their fonts'.
    var defaultSymbols: SymbolSet { term == "linux" ? .half : .sextant }

    /// The one-line refusal when `canRunInspector` is false.
    var refusal: String {
        "the terminal (TERM=\(term.isEmpty ? "unset" : term)) cannot run the inspector; try TERM=xterm-256color, or use omio-tui info/render"
    }

    /// Loads terminfo for $TERM and reads the capabilities, then unloads it.
    static func current() -> TerminalProfile {
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        var status: Int32 = 0
        guard !term.isEmpty, omio_setupterm(term, STDOUT_FILENO, &status) == OK, status == 1 else {
            return TerminalProfile(term: term, known: false, colors: 0, directColor: false, setaf: false, cursorAddressing: false)
        }
        defer { omio_unload_terminfo() }
        func flag(_ name: String) -> Bool { name.withCString { tigetflag(UnsafeMutablePointer(mutating: $0)) } > 0 }
        func string(_ name: String) -> Bool {
            // NULL: absent; (char *)-1: not a string capability.
            guard let p = name.withCString({ tigetstr(UnsafeMutablePointer(mutating: $0)) }) else { return false }
            return Int(bitPattern: p) != -1
        }
        let colors = "colors".withCString { tigetnum(UnsafeMutablePointer(mutating: $0)) }
        return TerminalProfile(term: term, known: true, colors: max(0, Int(colors)), directColor: flag("RGB") || flag("Tc"),
                               setaf: string("setaf"), cursorAddressing: string("cup"))
    }

    /// The richest rung the terminal and the environment allow. NO_COLOR (no-color.org: set
    /// and not empty) and a terminal without `setaf` mean no colour; then COLORTERM
    /// truecolor/24bit or RGB/Tc mean direct colour; else terminfo's colour count picks 256, 16
    /// or 8. Glyphs are Unicode only when the locale's codeset is UTF-8.
    func style(environment env: [String: String], utf8: Bool) -> RenderStyle {
        let glyphs: GlyphMode = utf8 ? .unicode : .ascii
        if let no = env["NO_COLOR"], !no.isEmpty { return RenderStyle(colors: .none, glyphs: glyphs) }
        guard setaf, colors >= 8 else { return RenderStyle(colors: .none, glyphs: glyphs) }
        let colorTerm = env["COLORTERM"]?.lowercased()
        if colorTerm == "truecolor" || colorTerm == "24bit" || directColor { return RenderStyle(colors: .truecolor, glyphs: glyphs) }
        let mode: ColorMode = colors >= 256 ? .ansi256 : colors >= 16 ? .ansi16 : .ansi8
        return RenderStyle(colors: mode, glyphs: glyphs)
    }

    /// Whether the locale's character set (LC_CTYPE from the environment) is UTF-8.
    static func localeIsUTF8() -> Bool {
        setlocale(LC_CTYPE, "")
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
        let name = String(cString: codeset).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }

    /// The style to use: detected, with `--colors` / `--glyphs` overriding either half.
    static func resolveStyle(colors: ColorMode?, glyphs: GlyphMode?) -> RenderStyle {
        var style = current().style(environment: ProcessInfo.processInfo.environment, utf8: localeIsUTF8())
        if let c = colors { style.colors = c }
        if let g = glyphs { style.glyphs = g }
        return style
    }
}
