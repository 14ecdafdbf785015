import Foundation
import OmioRender
import Testing
@testable import OmioTUI

/// Which protocol the preview uses, from hand-made terminal answers and environments (the
/// answers TerminalProbe collects), and the tmux passthrough wrapping.
struct GraphicsChoiceTests {
    static func choose(_ answers: TerminalAnswers = TerminalAnswers(), env: [String: String] = ["TERM": "xterm-256color"],
                       mode: GraphicsMode = .auto, passthrough: Bool = false) -> GraphicsChoice {
        GraphicsChoice.choose(mode: mode, answers: answers, environment: env, tmuxPassthrough: { passthrough }, tmuxPane: { (3, 81) })
    }

    @Test func kittyAnswerWinsOverEverything() {
        var a = TerminalAnswers()
        a.kittyGraphics = true
        a.primaryAttributes = [62, 4, 22]
        #expect(Self.choose(a).proto == .kitty)
        #expect(Self.choose(a).note == nil)
    }

    @Test func sixelFromDA1WithItsRegisters() {
        var a = TerminalAnswers()
        a.primaryAttributes = [63, 1, 2, 4, 6, 9, 15, 22]
        a.version = "XTerm(379)"
        a.sixelColorRegisters = 1024
        let c = Self.choose(a)
        #expect(c.proto == .sixel)
        #expect(c.colorRegisters == 1024)
        #expect(c.statusText == "sixel")
    }

    @Test func xtermWithoutSixelIsBlocksWithANote() {
        var a = TerminalAnswers()
        a.primaryAttributes = [63, 1, 2, 6, 9, 15, 22]
        a.version = "XTerm(379)"
        let c = Self.choose(a)
        #expect(c.proto == nil)
        #expect(c.note == "no image protocol" && c.statusText == nil)
    }

    @Test func environmentHintsWhenNothingAnswered() {
        #expect(Self.choose(env: ["TERM": "xterm-kitty"]).proto == .kitty)
        #expect(Self.choose(env: ["TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"]).proto == .kitty)
        #expect(Self.choose(env: ["TERM": "xterm-ghostty"]).proto == .kitty)
        #expect(Self.choose(env: ["TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"]).proto == .iterm)
        #expect(Self.choose(env: ["TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"]).proto == .iterm)
        #expect(Self.choose(env: ["TERM": "xterm-256color", "WT_SESSION": "x"]).proto == .sixel)
        #expect(Self.choose(env: ["TERM": "foot"]).proto == .sixel)
        #expect(Self.choose(env: ["TERM": "xterm-256color"]).proto == nil)
    }

    @Test func versionNamesWithoutEnvironment() {
        var a = TerminalAnswers()
        a.version = "kitty(0.26.5)"
        #expect(Self.choose(a).proto == .kitty)
        a.version = "WezTerm 20240203"
        #expect(Self.choose(a).proto == .iterm)
    }

    @Test func tmuxNeedsPassthrough() {
        let env = ["TERM": "screen-256color", "TMUX": "/tmp/tmux-0/default,1,0", "KITTY_WINDOW_ID": "1"]
        let off = Self.choose(env: env, passthrough: false)
        #expect(off.proto == nil)
        #expect(off.note == "tmux: no passthrough" && off.statusText == nil)
        let on = Self.choose(env: env, passthrough: true)
        #expect(on.proto == .kitty && on.passthrough)
        #expect(on.statusText == "kitty via tmux")
        // Without passthrough tmux hides the terminal outside: the note whatever it is.
        #expect(Self.choose(env: ["TERM": "screen", "TMUX": "x"]).note == "tmux: no passthrough")
    }

    @Test func gnuScreenFallsBack() {
        let c = Self.choose(env: ["TERM": "screen", "STY": "123.pts-0", "KITTY_WINDOW_ID": "1"])
        #expect(c.proto == nil)
        #expect(c.note == "GNU screen: no images")
    }

    /// A kitty that answers its graphics query with an error gets no kitty images, whatever
    /// its version reply or environment say; a sixel DA1 still counts.
    @Test func kittyRefusalBeatsHints() {
        var a = TerminalAnswers()
        a.kittyRefused = true
        a.version = "kitty(0.26.5)"
        let c = Self.choose(a, env: ["TERM": "xterm-kitty", "KITTY_WINDOW_ID": "1"])
        #expect(c.proto == nil)
        #expect(c.note == "no image protocol")
        a.primaryAttributes = [62, 4]
        #expect(Self.choose(a, env: ["TERM": "xterm-kitty"]).proto == .sixel)
    }

    /// TERM=screen without STY or TMUX (an ssh TERM override) is not GNU screen: the real
    /// terminal answered.
    @Test func termScreenAloneIsNotGNUScreen() {
        var a = TerminalAnswers()
        a.kittyGraphics = true
        #expect(Self.choose(a, env: ["TERM": "screen"]).proto == .kitty)
        #expect(Self.choose(a, env: ["TERM": "screen", "STY": "1.pts"]).note == "GNU screen: no images")
    }

    /// tmux with passthrough on but nothing naming the outer terminal says so, not "no image
    /// protocol".
    @Test func tmuxWithUnknownOuterTerminalSaysSo() {
        let c = Self.choose(env: ["TERM": "tmux-256color", "TMUX": "x"], passthrough: true)
        #expect(c.proto == nil)
        #expect(c.note == "tmux: outer terminal unknown")
    }

    @Test func forcedModesOverrideDetection() {
        var a = TerminalAnswers()
        a.kittyGraphics = true
        #expect(Self.choose(a, mode: .blocks).proto == nil)
        #expect(Self.choose(a, mode: .blocks).note == nil)
        #expect(Self.choose(mode: .sixel).proto == .sixel)
        #expect(Self.choose(mode: .iterm).proto == .iterm)
        #expect(Self.choose(env: ["TERM": "screen", "TMUX": "x"], mode: .kitty).passthrough)
    }

    @Test func imagePlacementInsideTmuxMovesTheOuterCursor() {
        let image = TerminalImage(proto: .kitty, pixelWidth: 1, pixelHeight: 1, cols: 1, rows: 1, bytes: Array("\u{1B}_Gm=0;AAAA\u{1B}\\".utf8))
        let plain = ImagePainter(choice: GraphicsChoice(proto: .kitty))
        #expect(String(decoding: plain.placement(image, x: 10, y: 2, home: (39, 0)), as: UTF8.self)
            == "\u{1B}[3;11H\u{1B}_Gm=0;AAAA\u{1B}\\\u{1B}[40;1H")
        let tmux = Self.choose(env: ["TERM": "screen", "TMUX": "x", "KITTY_WINDOW_ID": "1"], passthrough: true)
        #expect(tmux.paneTop == 3 && tmux.paneLeft == 81)
        let wrapped = String(decoding: ImagePainter(choice: tmux).placement(image, x: 10, y: 2, home: (39, 0)), as: UTF8.self)
        #expect(wrapped == "\u{1B}Ptmux;\u{1B}\u{1B}7\u{1B}\u{1B}[6;92H\u{1B}\u{1B}_Gm=0;AAAA\u{1B}\u{1B}\\\u{1B}\\"
            + "\u{1B}Ptmux;\u{1B}\u{1B}8\u{1B}\\\u{1B}[40;1H")
    }

    @Test func tmuxWrapDoublesEscapesPerSequence() {
        let two: [UInt8] = Array("\u{1B}_Ga=T,m=1;AAAA\u{1B}\\\u{1B}_Gm=0;BBBB\u{1B}\\".utf8)
        let wrapped = String(decoding: GraphicsChoice.tmuxWrap(two), as: UTF8.self)
        #expect(wrapped == "\u{1B}Ptmux;\u{1B}\u{1B}_Ga=T,m=1;AAAA\u{1B}\u{1B}\\\u{1B}\\"
            + "\u{1B}Ptmux;\u{1B}\u{1B}_Gm=0;BBBB\u{1B}\u{1B}\\\u{1B}\\")
        var c = GraphicsChoice.blocks
        #expect(c.wrap(two) == two)
        c.passthrough = true
        #expect(c.wrap(two) != two)
    }
}
