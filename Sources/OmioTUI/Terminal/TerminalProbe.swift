import CTerminalGuard
import Foundation
import OmioRender

/// Asks the terminal about itself once, before ncurses takes the screen: the cell size in
/// pixels (CSI 16 t, CSI 14 t), the background colour (OSC 11), kitty graphics (a=q),
/// XTVERSION, XTSMGRAPHICS (sixel registers and size), and last DA1 (`CSI c`), which every
/// terminal answers: replies come in order, so DA1's reply means every answer is in. All
/// queries go out in one write; a terminal that answers nothing costs the timeout once.
enum TerminalProbe {
    /// Every query, DA1 last (the sentinel).
    static let queries = "\u{1B}[16t" + "\u{1B}[14t" + "\u{1B}]11;?\u{1B}\\" + "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\"
        + "\u{1B}[>q" + "\u{1B}[?1;1;0S" + "\u{1B}[?2;1;0S" + "\u{1B}[c"

    /// Milliseconds to wait at most for the sentinel. Virtually every terminal answers DA1, so
    /// the usual cost is one round trip (1–20 ms locally, more over ssh); only a terminal that
    /// answers nothing waits the full second. Shorter, a slow link's replies would arrive after
    /// ncurses started and be read as keys. `OMIO_PROBE_TIMEOUT_MS` sets it.
    static func timeoutMilliseconds(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let s = env["OMIO_PROBE_TIMEOUT_MS"], let v = Int(s), (0...10_000).contains(v) { return v }
        return 1000
    }

    /// What the terminal said, and the bytes typed meanwhile that were no reply (handed to
    /// ncurses after it starts, so a key pressed during start-up is not lost).
    struct Outcome {
        var answers: TerminalAnswers
        var typed: [UInt8]
        /// False when queries went out and the sentinel did not come back in time: replies may
        /// still arrive (see discardLateReplies).
        var complete = true
    }

    /// Asks (stdin and stdout must be the terminal), with the tty in raw no-echo mode for the
    /// time of the read and its modes restored after. The cell size comes from TIOCGWINSZ first.
    static func run(term: String) -> Outcome {
        var answers = TerminalAnswers()
        let window = windowSize()
        // The Linux console answers none of these (and would print OSC/APC text it does not
        // parse); its cells have no pixel size to read.
        guard term != "linux", isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            answers.cellPixels = window.flatMap { cellPixels(window: $0, reply: nil) }
            return Outcome(answers: answers, typed: [])
        }
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return Outcome(answers: answers, typed: []) }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ECHONL | IEXTEN)
        raw.c_iflag &= ~tcflag_t(ICRNL | IXON)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        // TCSANOW, not TCSAFLUSH: keys typed before start stay in the queue (read below).
        // Ctrl-C (or a kill) while raw must give the shell its modes back: the handler restores
        // them before dying by the signal.
        withUnsafeBytes(of: &saved) { omio_probe_raw_begin(STDIN_FILENO, $0.baseAddress) }
        guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else {
            omio_probe_raw_end()
            return Outcome(answers: answers, typed: [])
        }
        defer {
            _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            omio_probe_raw_end()
        }
        let bytes = Array(queries.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            written += n
        }
        var parser = TerminalReplyParser()
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMilliseconds()) * 1_000_000
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !parser.complete {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { break }
            var fds = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, Int32(max(1, (deadline - now) / 1_000_000)))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { break }
            let n = read(STDIN_FILENO, &buffer, buffer.count)
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard n > 0 else { break }
            parser.feed(buffer[0..<n])
        }
        parser.finish()
        answers = parser.answers
        answers.cellPixels = cellPixels(window: window, reply: parser)
        return Outcome(answers: answers, typed: parser.typed, complete: parser.complete)
    }

    /// After a command that probed and did not hear the sentinel (`render`): replies still on
    /// their way would land at the shell's prompt as typed text. Waits briefly for them, then
    /// discards the terminal's input queue.
    static func discardLateReplies() {
        guard isatty(STDIN_FILENO) == 1 else { return }
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return }
        // Not echoed meanwhile: the reply's text would be printed under the image.
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON)
        withUnsafeBytes(of: &saved) { omio_probe_raw_begin(STDIN_FILENO, $0.baseAddress) }
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        usleep(200_000)
        tcflush(STDIN_FILENO, TCIFLUSH)
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved)
        omio_probe_raw_end()
    }

    /// TIOCGWINSZ on stdout (else stdin): size in cells and, when the terminal fills them in,
    /// in pixels.
    static func windowSize() -> winsize? {
        var ws = winsize()
        for fd in [STDOUT_FILENO, STDIN_FILENO] where isatty(fd) == 1 && ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0 {
            return ws
        }
        return nil
    }

    /// The cell in pixels: ws_xpixel/ws_ypixel over the cells when both are filled in, else the
    /// CSI 16 t reply, else the CSI 14 t window over the size in cells; nil when nothing says.
    /// A source whose cell is implausible (see `plausible`) is passed over.
    static func cellPixels(window: winsize?, reply: TerminalReplyParser?) -> CellPixels? {
        if let ws = window, ws.ws_xpixel > 0, ws.ws_ypixel > 0, ws.ws_col > 0, ws.ws_row > 0 {
            let w = Int(ws.ws_xpixel) / Int(ws.ws_col), h = Int(ws.ws_ypixel) / Int(ws.ws_row)
            if plausible(width: w, height: h) { return CellPixels(width: w, height: h) }
        }
        if let c = reply?.cell, plausible(width: c.width, height: c.height) { return CellPixels(width: c.width, height: c.height) }
        if let px = reply?.windowPixels, let ws = window, ws.ws_col > 0, ws.ws_row > 0 {
            let w = px.width / Int(ws.ws_col), h = px.height / Int(ws.ws_row)
            if plausible(width: w, height: h) { return CellPixels(width: w, height: h) }
        }
        return nil
    }

    /// A text cell a terminal can really have: 2–64 px wide, 4–128 px tall, 1 to 4 times as
    /// tall as wide. Anything else (16x1000, 99999x1, 1x1, a 65535 px window) is a confused or
    /// lying terminal, and the 2:1 assumption is the better guess. (`--cell-size` has its own rule.)
    static func plausible(width: Int, height: Int) -> Bool {
        (2...64).contains(width) && (4...128).contains(height) && height >= width && height <= 4 * width
    }

    /// The cell after a resize: TIOCGWINSZ again (a font size change resizes the window); when
    /// the terminal leaves the pixels out, what was measured before still holds (nothing is
    /// asked again: replies would arrive among ncurses' keys).
    static func remeasure(previous: CellPixels?) -> CellPixels? {
        cellPixels(window: windowSize(), reply: nil) ?? previous
    }
}

/// The replies to TerminalProbe's queries, from a byte stream that may split them across reads
/// and mix them with typed keys. Pure: tests feed it bytes.
struct TerminalReplyParser {
    private(set) var answers = TerminalAnswers()
    /// CSI 6 ; h ; w t.
    private(set) var cell: (width: Int, height: Int)?
    /// CSI 4 ; h ; w t.
    private(set) var windowPixels: (width: Int, height: Int)?
    /// The DA1 reply (the sentinel) arrived: every earlier reply is in.
    private(set) var complete = false
    /// Bytes that belong to no reply: keys typed while the probe read.
    private(set) var typed: [UInt8] = []
    /// An escape sequence not yet ended (the rest comes in the next read).
    private var pending: [UInt8] = []

    private static let esc: UInt8 = 0x1B, bel: UInt8 = 0x07

    mutating func feed<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        pending.append(contentsOf: bytes)
        var i = 0
        let b = pending
        while i < b.count {
            guard b[i] == Self.esc else {
                typed.append(b[i])
                i += 1
                continue
            }
            guard i + 1 < b.count else { break } // ESC at the end: wait for more
            switch b[i + 1] {
            case UInt8(ascii: "["):
                guard let end = Self.csiEnd(b, from: i + 2) else {
                    pending = Array(b[i...])
                    return
                }
                if !csi(Array(b[(i + 2)..<end]), final: b[end]) { typed.append(contentsOf: b[i...end]) }
                i = end + 1
            case UInt8(ascii: "]"), UInt8(ascii: "P"), UInt8(ascii: "_"):
                guard let (bodyEnd, next) = Self.stringEnd(b, from: i + 2) else {
                    pending = Array(b[i...])
                    return
                }
                string(kind: b[i + 1], Array(b[(i + 2)..<bodyEnd]))
                i = next
            default:
                // Alt+key or a lone Escape followed by a key: typed.
                typed.append(contentsOf: b[i...(i + 1)])
                i += 2
            }
        }
        pending = i < b.count ? Array(b[i...]) : []
    }

    /// After the last read: a lone ESC was the Escape key; a reply cut off by the timeout is
    /// dropped (its text is no key anyone typed).
    mutating func finish() {
        if pending == [Self.esc] { typed.append(Self.esc) }
        pending = []
    }

    /// Index of a CSI's final byte (0x40–0x7E after parameters and intermediates), nil if not
    /// yet arrived.
    private static func csiEnd(_ b: [UInt8], from start: Int) -> Int? {
        var j = start
        while j < b.count {
            if (0x40...0x7E).contains(b[j]) { return j }
            if !(0x20...0x3F).contains(b[j]) { return j } // malformed: ends here
            j += 1
        }
        return nil
    }

    /// End of an OSC/DCS/APC body: at BEL or ST (ESC \); the index after the terminator.
    private static func stringEnd(_ b: [UInt8], from start: Int) -> (bodyEnd: Int, next: Int)? {
        var j = start
        while j < b.count {
            if b[j] == bel { return (j, j + 1) }
            if b[j] == esc {
                guard j + 1 < b.count else { return nil }
                return (j, b[j + 1] == UInt8(ascii: "\\") ? j + 2 : j + 1)
            }
            j += 1
        }
        return nil
    }

    /// A CSI reply; false when it is no reply to a query (an arrow key: typed).
    private mutating func csi(_ body: [UInt8], final: UInt8) -> Bool {
        let text = String(decoding: body, as: UTF8.self)
        let isPrivate = text.hasPrefix("?")
        let numbers = (isPrivate ? String(text.dropFirst()) : text).split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
        switch (final, isPrivate) {
        case (UInt8(ascii: "t"), false):
            guard numbers.count == 3, let kind = numbers[0], let h = numbers[1], let w = numbers[2] else { return false }
            if kind == 6 { cell = (w, h); return true }
            if kind == 4 { windowPixels = (w, h); return true }
            return false
        case (UInt8(ascii: "c"), true):
            answers.primaryAttributes = numbers.compactMap { $0 }
            complete = true
            return true
        case (UInt8(ascii: "S"), true):
            // XTSMGRAPHICS: item ; status (0 = success) ; values.
            guard numbers.count >= 3, let item = numbers[0], numbers[1] == 0 else { return numbers.count >= 2 }
            // 0 or 1 register cannot draw an image: taken as not said (256 is assumed then).
            if item == 1, let n = numbers[2], n >= 2 { answers.sixelColorRegisters = n }
            if item == 2, numbers.count >= 4, let w = numbers[2], let h = numbers[3], w >= 64, h >= 64 {
                answers.sixelMaxWidth = w
                answers.sixelMaxHeight = h
            }
            return true
        default:
            return false
        }
    }

    /// An OSC (background), DCS (XTVERSION) or APC (kitty graphics) reply; anything else in
    /// those forms is ignored (no key is typed as one).
    private mutating func string(kind: UInt8, _ body: [UInt8]) {
        let text = String(decoding: body, as: UTF8.self)
        switch kind {
        case UInt8(ascii: "]"):
            if text.hasPrefix("11;"), let c = Self.color(String(text.dropFirst(3))) { answers.background = c }
        case UInt8(ascii: "P"):
            if text.hasPrefix(">|") { answers.version = String(text.dropFirst(2)) }
        default:
            // `Gi=31;OK`, or `Gi=31;ENOTSUPPORTED:...` from a terminal that refuses.
            if text.hasPrefix("Gi=31"), let semi = text.firstIndex(of: ";") {
                answers.kittyGraphics = text[text.index(after: semi)...].hasPrefix("OK")
                answers.kittyRefused = !answers.kittyGraphics
            }
        }
    }

    /// `rgb:RRRR/GGGG/BBBB` with 1–4 hex digits per channel (scaled to 8 bits), or `#RRGGBB`.
    static func color(_ text: String) -> RGB8? {
        if text.hasPrefix("rgb:") || text.hasPrefix("rgba:") {
            let parts = text.drop { $0 != ":" }.dropFirst().split(separator: "/")
            guard parts.count >= 3 else { return nil }
            var v: [UInt8] = []
            for p in parts.prefix(3) {
                guard (1...4).contains(p.count), let n = Int(p, radix: 16) else { return nil }
                let maxValue = (1 << (4 * p.count)) - 1
                v.append(UInt8((n * 255 + maxValue / 2) / maxValue))
            }
            return RGB8(r: v[0], g: v[1], b: v[2])
        }
        if text.hasPrefix("#"), text.count == 7, let n = Int(text.dropFirst(), radix: 16) {
            return RGB8(r: UInt8(n >> 16 & 255), g: UInt8(n >> 8 & 255), b: UInt8(n & 255))
        }
        return nil
    }
}
