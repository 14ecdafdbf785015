import CNcurses
import Foundation
import OmioEngine
import OmioRender

/// The ncurses screen: set-up, teardown that always restores the terminal, text drawing
/// with a small set of named styles, and key input. Main thread only.
final class Screen: Canvas {
    typealias Style = TextStyle

    private(set) var rows = 24
    private(set) var cols = 80
    private var stylePairs: [Style: (attr: attr_t, pair: Int32)] = [:]
    /// What ncurses reports once started: 0 colours on a terminal without colour (vt100),
    /// and then no colour function may be called (they crash inside ncurses there).
    private(set) var colorCount = 0
    private(set) var pairCount = 0
    private(set) var canChangeColor = false
    private var savedPalette: [(Int32, Int32, Int32, Int32)] = []
    private var started = false
    /// ASCII glyph mode: every text drawn goes through ASCIIText.fold.
    var asciiOnly = false
    /// The UI's colours (set before start).
    var theme = Theme(kind: .dark)
    /// The most colours the UI may use: the chosen rung (`--colors`, NO_COLOR), which may be
    /// fewer than the terminal has; 0 is none (bold, reverse and underline only). Set before start.
    var colorLimit = Int.max
    /// Keys typed while TerminalProbe read the terminal's replies: ncurses reads them first.
    var typedAhead: [UInt8] = []

    /// Takes the screen; false (terminal untouched) when ncurses cannot open this terminal.
    /// newterm, not initscr: initscr prints its own message and exits on failure.
    func start() -> Bool {
        setlocale(LC_ALL, "")
        TerminalGuard.saveModes()
        guard newterm(nil, fdopen(STDOUT_FILENO, "w"), fdopen(STDIN_FILENO, "r")) != nil else { return false }
        started = true
        cbreak()
        noecho()
        nonl()
        keypad(omio_stdscr(), true)
        // ungetch pushes to the front of the queue: last byte first.
        for b in typedAhead.reversed() { ungetch(Int32(b)) }
        typedAhead = []
        set_escdelay(25)
        curs_set(0)
        timeout(30)
        if has_colors() {
            start_color()
            use_default_colors()
            colorCount = Int(omio_colors())
            pairCount = Int(omio_color_pairs())
            canChangeColor = can_change_color()
        }
        defineStyles()
        updateSize()
        // Termination signals now end the main loop (which leaves through `stop()`), and a
        // crash restores the terminal from its signal handler.
        TerminalGuard.arm()
        return true
    }

    /// Restores the palette and the terminal. Safe to call twice.
    func stop() {
        guard started else { return }
        restorePalette()
        curs_set(1)
        // Without an alternate screen (vt100, linux) the TUI's last frame stays, and endwin
        // leaves the cursor on its status line: the shell's prompt would overwrite it.
        let keepsFrame = !TerminalGuard.hasAlternateScreen
        if keepsFrame {
            move(Int32(rows - 1), 0)
            CNcurses.refresh()
        }
        endwin()
        TerminalGuard.disarm()
        started = false
        // Leave the cursor on a clean line with default attributes.
        TerminalWrite.all("\u{1B}[0m" + (keepsFrame ? "\r\n" : ""))
    }

    func updateSize() {
        rows = Int(getmaxy(omio_stdscr()))
        cols = Int(getmaxx(omio_stdscr()))
    }

    /// The theme's colours at this screen's depth. While a preview ramp has redefined palette
    /// entries 16–255 (PaletteRamp), the UI takes its 16-colour set, which the ramp leaves alone.
    private func defineStyles() {
        // A direct-colour terminfo takes colour numbers as 0xRRGGBB, so there only "none" caps it.
        let usable = colorCount > 256 && colorLimit >= 8 ? colorCount : min(colorCount, colorLimit)
        var depth = usable >= 8 && pairCount > 0 ? Theme.depth(colors: usable) : nil
        if depth == .c256, !savedPalette.isEmpty { depth = .c16 }
        let b = omio_a_bold(), r = omio_a_reverse(), d = omio_a_dim(), n = omio_a_normal()
        let attrs: [Style: attr_t] = [
            .normal: n, .dim: depth == nil ? d : n, .bold: b, .title: b, .selected: r, .focusedTitle: r | b, .selectedDim: r | d,
            .warning: b, .error: b, .edited: b, .badge: b, .directory: b, .status: r, .help: n, .accent: b,
        ]
        stylePairs = [:]
        for style in Style.allCases {
            var attr = attrs[style] ?? n
            guard let depth else {
                stylePairs[style] = (attr, 0)
                continue
            }
            let c = theme.colors(style, depth: depth)
            if attr & b != 0, !theme.boldAllowed(c, depth: depth) { attr &= ~b }
            let pair = c.fg == nil && c.bg == nil ? 0 : alloc_pair(Int32(c.fg ?? -1), Int32(c.bg ?? -1))
            stylePairs[style] = (attr, pair)
        }
    }

    func erase() { CNcurses.erase() }
    func refresh() { CNcurses.refresh() }
    func clearAll() { clearok(omio_stdscr(), true) }
    /// Where the (hidden) cursor rests after refresh: directly painted cells are written from
    /// there.
    func moveCursor(_ y: Int, _ x: Int) { move(Int32(y), Int32(x)) }

    /// Draws `text` at (y, x), clipped to `width` columns (and the screen).
    func text(_ y: Int, _ x: Int, _ text: String, style: Style, width: Int?) {
        guard y >= 0, y < rows, x < cols else { return }
        let limit = min(width ?? (cols - x), cols - x)
        guard limit > 0 else { return }
        let clipped = TextWidth.clip(asciiOnly ? ASCIIText.fold(text) : text, to: limit)
        let chars = clipped.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
        let s = stylePairs[style] ?? (omio_a_normal(), 0)
        chars.withUnsafeBufferPointer { p in
            _ = omio_put_text(Int32(y), Int32(x), p.baseAddress, Int32(chars.count), s.attr, s.pair)
        }
    }

    /// Fills a row segment with spaces in a style (status bars, selection).
    func fill(_ y: Int, _ x: Int, width: Int, style: Style) {
        text(y, x, String(repeating: " ", count: max(0, width)), style: style, width: width)
    }

    /// One cell with 256-colour fg/bg through a colour pair.
    func cell(_ y: Int, _ x: Int, _ glyph: Unicode.Scalar, pair: Int32) {
        guard y >= 0, y < rows, x >= 0, x < cols else { return }
        _ = omio_put_cell(Int32(y), Int32(x), wchar_t(bitPattern: glyph.value), omio_a_normal(), pair)
    }

    // MARK: colours for the preview (256-colour path)

    func allocPair(fg: Int, bg: Int) -> Int32 { alloc_pair(Int32(fg), Int32(bg)) }
    func resetPairs() {
        guard colorCount > 0 else { return }
        reset_color_pairs()
        // reset_color_pairs zeroes pair 0 too: every default-coloured text would then be drawn
        // in colour 0 on colour 0 (black on black). Pair 0 is the terminal's colours again.
        use_default_colors()
        defineStyles()
    }

    /// Redefines palette entries (ramp of the current LUT); the original palette is saved the
    /// first time and restored on exit.
    func definePalette(_ colors: [CursesColor]) {
        guard canChangeColor else { return }
        if savedPalette.isEmpty {
            for i in 16..<min(256, colorCount) {
                var r: Int32 = 0, g: Int32 = 0, b: Int32 = 0
                extended_color_content(Int32(i), &r, &g, &b)
                savedPalette.append((Int32(i), r, g, b))
            }
        }
        TerminalGuard.paletteChanged()
        for c in colors { init_extended_color(Int32(c.index), Int32(c.r), Int32(c.g), Int32(c.b)) }
    }

    /// Puts back the palette definePalette changed (the preview no longer ramps, or exit); the
    /// UI's styles take their 256-colour set again at the next resetPairs.
    func restorePalette() {
        for (i, r, g, b) in savedPalette { init_extended_color(i, r, g, b) }
        savedPalette = []
    }

    /// Writes raw escape sequences straight to the terminal after ncurses has drawn (direct
    /// colour in the preview: ncurses cannot express 24-bit colours through colour pairs).
    func writeRaw(_ s: String) {
        TerminalWrite.all(s)
    }

    /// The same for an encoded image (kitty, sixel, iTerm2 bytes).
    func writeRaw(_ bytes: [UInt8]) {
        TerminalWrite.all(bytes)
    }

    // MARK: input

    /// A key already typed, without waiting (held keys arrive faster than frames).
    func readTypedKey() -> Key? {
        timeout(0)
        defer { timeout(30) }
        return readKey()
    }

    /// After ESC: a terminal's reply that came after TerminalProbe gave up waiting (OSC, DCS, APC
    /// strings; CSI sequences ncurses does not know as keys, such as DA1's `CSI ?…c` or a cell
    /// size `CSI 6;h;wt`) is read to its end and dropped: its letters are no keys anyone typed
    /// (`rgb:` would be `g`, gamma). ESC then anything else is Escape, then that key.
    private func afterEscape() -> Key? {
        timeout(50)
        defer { timeout(30) }
        var ch: wint_t = 0
        let rc = get_wch(&ch)
        if rc == ERR { return .escape }
        if rc == KEY_CODE_YES {
            ungetch(Int32(ch))
            return .escape
        }
        switch ch {
        case 0x5D, 0x50, 0x5F: // ] P _: up to BEL or ST (ESC \)
            for _ in 0..<65536 {
                guard get_wch(&ch) != ERR, ch != 0x07 else { break }
                if ch == 27 {
                    if get_wch(&ch) != ERR, ch != 0x5C { unget_wch(wchar_t(bitPattern: UInt32(ch))) }
                    break
                }
            }
            return nil
        case 0x5B: // [: parameters and intermediates up to a final byte
            for _ in 0..<256 {
                guard get_wch(&ch) != ERR, !(0x40...0x7E).contains(ch) else { break }
            }
            return nil
        default:
            unget_wch(wchar_t(bitPattern: UInt32(ch)))
            return .escape
        }
    }

    /// Waits up to 30 ms for a key.
    func readKey() -> Key? {
        var ch: wint_t = 0
        let rc = get_wch(&ch)
        if rc == ERR { return nil }
        if rc == KEY_CODE_YES {
            switch Int32(ch) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            case KEY_BTAB: return .backTab
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_DC: return .delete
            case KEY_RESIZE:
                updateSize()
                return .resize
            default: return nil
            }
        }
        switch ch {
        case 10, 13: return .enter
        case 9: return .tab
        case 27: return afterEscape()
        case 127, 8: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(ch + 96)!))
        default:
            guard let scalar = Unicode.Scalar(ch) else { return nil }
            return .char(Character(scalar))
        }
    }
}
