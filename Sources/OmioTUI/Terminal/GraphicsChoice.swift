import Foundation
import OmioRender

/// Which protocol draws the preview's real pixels, or blocks and why. Chosen once at start
/// from what the terminal answered (TerminalAnswers), the environment, and `--graphics`.
struct GraphicsChoice: Equatable {
    /// nil: block characters.
    var proto: GraphicsProtocol?
    /// Sequences go to the terminal around a multiplexer (tmux passthrough).
    var passthrough = false
    /// Why the preview is in blocks when real pixels were possible or asked for; the status
    /// line shows it after the renderer's name ("sextant truecolor (tmux: no passthrough)").
    var note: String?
    /// Sixel colour registers (XTSMGRAPHICS; 256 when the terminal did not say).
    var colorRegisters = 256
    /// With passthrough: where tmux's pane starts on the outer terminal, in cells.
    var paneTop = 0, paneLeft = 0

    static let blocks = GraphicsChoice(proto: nil)

    /// What the status line names for real pixels: the protocol (nil: blocks).
    var statusText: String? {
        guard let proto else { return nil }
        return proto.rawValue + (passthrough ? " via tmux" : "")
    }

    /// The multiplexer the program runs in, from the environment.
    enum Multiplexer: Equatable { case none, tmux, screen }

    static func multiplexer(_ env: [String: String]) -> Multiplexer {
        if let t = env["TMUX"], !t.isEmpty { return .tmux }
        // GNU screen always sets STY; TERM=screen alone is also tmux's default TERM and what an
        // ssh TERM override leaves, with the real terminal answering.
        if let s = env["STY"], !s.isEmpty { return .screen }
        return .none
    }

    /// `mode`: `--graphics`. `tmuxPassthrough`
    /// asks tmux whether it forwards escape sequences (`allow-passthrough` on or all); only
    /// called inside tmux.
    static func choose(mode: GraphicsMode, answers: TerminalAnswers, environment env: [String: String],
                       tmuxPassthrough: () -> Bool, tmuxPane: () -> (top: Int, left: Int) = GraphicsChoice.tmuxPaneOffset) -> GraphicsChoice {
        var choice = choosing(mode: mode, answers: answers, environment: env, tmuxPassthrough: tmuxPassthrough)
        if choice.passthrough { (choice.paneTop, choice.paneLeft) = tmuxPane() }
        return choice
    }

    private static func choosing(mode: GraphicsMode, answers: TerminalAnswers, environment env: [String: String],
                                 tmuxPassthrough: () -> Bool) -> GraphicsChoice {
        let registers = answers.sixelColorRegisters ?? 256
        let mux = multiplexer(env)
        switch mode {
        case .blocks: return .blocks
        case .kitty, .sixel, .iterm:
            // Forced: trust the user, also about what tmux forwards.
            let proto = GraphicsProtocol(rawValue: mode.rawValue)!
            return GraphicsChoice(proto: proto, passthrough: mux == .tmux, note: nil, colorRegisters: registers)
        case .auto:
            break
        }
        // A multiplexer answers queries itself; what the terminal outside can do is unknown
        // unless sequences reach it: say why blocks whatever was detected.
        switch mux {
        case .none: break
        case .tmux:
            guard tmuxPassthrough() else { return GraphicsChoice(proto: nil, note: "tmux: no passthrough") }
        case .screen:
            // GNU screen cuts passthrough strings at 768 bytes: no image survives it.
            return GraphicsChoice(proto: nil, note: "GNU screen: no images")
        }
        guard let proto = detect(answers: answers, environment: env) else {
            // Inside tmux the answers are tmux's own: the outer terminal's kind is known only
            // from its environment (KITTY_WINDOW_ID, TERM_PROGRAM...) or `--graphics`.
            return GraphicsChoice(proto: nil, note: mux == .tmux ? "tmux: outer terminal unknown" : "no image protocol")
        }
        return GraphicsChoice(proto: proto, passthrough: mux == .tmux, colorRegisters: registers)
    }

    /// The protocol the terminal speaks, best first: what it answered, then what its
    /// environment says (inside tmux the answers are tmux's, the environment the outer
    /// terminal's when tmux was started from it).
    static func detect(answers: TerminalAnswers, environment env: [String: String]) -> GraphicsProtocol? {
        let version = (answers.version ?? "").lowercased()
        let program = (env["TERM_PROGRAM"] ?? "").lowercased()
        let term = env["TERM"] ?? ""
        let kittyHints = !answers.kittyRefused
        if answers.kittyGraphics { return .kitty }
        if kittyHints, version.hasPrefix("kitty") || version.hasPrefix("ghostty") { return .kitty }
        // WezTerm speaks all three; its iTerm2 support is the complete one.
        if version.hasPrefix("wezterm") || program == "wezterm" { return .iterm }
        if version.hasPrefix("iterm2") || program == "iterm.app" || env["LC_TERMINAL"] == "iTerm2" { return .iterm }
        if answers.primaryAttributes.contains(4) { return .sixel }
        if kittyHints, term == "xterm-kitty" || env["KITTY_WINDOW_ID"] != nil { return .kitty }
        if kittyHints, term == "xterm-ghostty" || program == "ghostty" || env["GHOSTTY_RESOURCES_DIR"] != nil { return .kitty }
        // Windows Terminal has sixel from 1.22 on; an older one answers DA1 without 4 (above).
        if env["WT_SESSION"] != nil, answers.primaryAttributes.isEmpty { return .sixel }
        if term == "foot" || term.hasPrefix("foot-") || term == "mlterm" { return .sixel }
        return nil
    }

    /// `bytes` as the terminal must receive them: inside tmux each escape sequence wrapped in
    /// `ESC Ptmux; … ESC \` with its ESCs doubled (one wrapper per sequence keeps each under
    /// tmux's input limit).
    func wrap(_ bytes: [UInt8]) -> [UInt8] {
        guard passthrough else { return bytes }
        return GraphicsChoice.tmuxWrap(bytes)
    }

    static func tmuxWrap(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 512 + 64)
        let open: [UInt8] = Array("\u{1B}Ptmux;".utf8), close: [UInt8] = [0x1B, 0x5C]
        var i = 0
        while i < bytes.count {
            // One sequence: up to and including its string terminator ESC \.
            var end = i
            while end < bytes.count, !(end > i && bytes[end - 1] == 0x1B && bytes[end] == 0x5C) { end += 1 }
            end = min(end + 1, bytes.count)
            out += open
            for b in bytes[i..<end] {
                if b == 0x1B { out.append(0x1B) }
                out.append(b)
            }
            out += close
            i = end
        }
        return out
    }

    /// `tmux show -gv allow-passthrough` says on or all (tmux 3.3+). A failed query (no tmux
    /// program, or one too old to know the option) counts as no: blocks are always safe.
    static func tmuxAllowsPassthrough() -> Bool {
        guard let out = run(["tmux", "show", "-gv", "allow-passthrough"]) else { return false }
        let value = out.trimmingCharacters(in: .whitespacesAndNewlines)
        return value == "on" || value == "all"
    }

    /// `tmux display -p '#{pane_top} #{pane_left}'`: the pane's corner on the outer terminal
    /// (0, 0 when tmux does not say).
    static func tmuxPaneOffset() -> (top: Int, left: Int) {
        let words = (run(["tmux", "display", "-p", "#{pane_top} #{pane_left}"]) ?? "").split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return words.count == 2 ? (words[0], words[1]) : (0, 0)
    }

    /// A command's standard output, nil when it fails or takes longer than a second.
    private static func run(_ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let deadline = Date().addingTimeInterval(1)
        while p.isRunning && Date() < deadline { usleep(5000) }
        if p.isRunning {
            p.terminate()
            return nil
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
