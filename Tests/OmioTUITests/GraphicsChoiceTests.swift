import Foundation
import OmioRender
import Testing
@testable import OmioTUI

/// Which protocol the preview uses, from hand-made terminal answers and environments (the
/// answers TerminalProbe collects), and the tmux passthrough wrapping.
struct GraphicsChoiceTests {
    static func choose(_ answers: TerminalAnswers = TerminalAnswers(), env: [String: String] = ["TERM": "xterm-256color"],
                       mode: GraphicsMode = .auto, passthrough: Bool = false) -> GraphicsChoice {
        GraphicsChoice.choose(mode: mode, answers: answers, environment: env, tmuxPassthrough: { passthrough })
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
        #expect(c.statusText == "blocks: no image protocol detected")
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
        #expect(off.statusText == "blocks: tmux without allow-passthrough")
        let on = Self.choose(env: env, passthrough: true)
        #expect(on.proto == .kitty && on.passthrough)
        #expect(on.statusText == "kitty via tmux")
    }

    @Test func gnuScreenFallsBack() {
        let c = Self.choose(env: ["TERM": "screen", "STY": "123.pts-0", "KITTY_WINDOW_ID": "1"])
        #expect(c.proto == nil)
        #expect(c.note?.hasPrefix("blocks: GNU screen") == true)
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
