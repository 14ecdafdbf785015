import Testing
import OmioRender
@testable import OmioTUI

/// The capability ladder: which rung a terminal and an environment give, and ASCII folding
/// (what each rung draws: RenderLadderTests).
struct TerminalLadderTests {
    static func profile(_ term: String, colors: Int, rgb: Bool = false, setaf: Bool = true, cup: Bool = true, known: Bool = true) -> TerminalProfile {
        TerminalProfile(term: term, known: known, colors: colors, directColor: rgb, setaf: setaf, cursorAddressing: cup)
    }

    @Test func ladderFollowsTerminfoAndEnvironment() {
        let screen = Self.profile("screen", colors: 8), xterm256 = Self.profile("xterm-256color", colors: 256)
        #expect(screen.style(environment: [:], utf8: true) == RenderStyle(colors: .ansi8, glyphs: .unicode))
        #expect(Self.profile("xterm-16color", colors: 16).style(environment: [:], utf8: true).colors == .ansi16)
        #expect(xterm256.style(environment: [:], utf8: true).colors == .ansi256)
        #expect(xterm256.style(environment: ["COLORTERM": "truecolor"], utf8: true).colors == .truecolor)
        #expect(xterm256.style(environment: ["COLORTERM": "24bit"], utf8: true).colors == .truecolor)
        #expect(Self.profile("xterm-direct", colors: 16_777_216, rgb: true).style(environment: [:], utf8: true).colors == .truecolor)
        // no-color.org: present and not empty disables colour; empty is ignored.
        #expect(xterm256.style(environment: ["NO_COLOR": "1", "COLORTERM": "truecolor"], utf8: true).colors == .none)
        #expect(xterm256.style(environment: ["NO_COLOR": ""], utf8: true).colors == .ansi256)
        // vt100: cursor addressing but no setaf.
        let vt100 = Self.profile("vt100", colors: 0, setaf: false)
        #expect(vt100.style(environment: ["COLORTERM": "truecolor"], utf8: true).colors == .none)
        #expect(vt100.canRunInspector)
        #expect(xterm256.style(environment: [:], utf8: false).glyphs == .ascii)
        // The Linux console's font has half blocks but no sextants.
        #expect(Self.profile("linux", colors: 8).defaultSymbols == .half)
        #expect(screen.defaultSymbols == .sextant)
    }

    @Test func terminalsThatCannotRunTheInspector() {
        #expect(!Self.profile("dumb", colors: 0, setaf: false, cup: false).canRunInspector)
        #expect(!Self.profile("nonsense-term", colors: 0, known: false).canRunInspector)
        #expect(!Self.profile("", colors: 0, known: false).canRunInspector)
        #expect(Self.profile("dumb", colors: 0, cup: false).refusal
            == "the terminal (TERM=dumb) cannot run the inspector; try TERM=xterm-256color, or use omio-tui info/render")
    }

    @Test func asciiFoldingKeepsEveryCharacterAMeaning() {
        #expect(ASCIIText.fold("0.325 µm") == "0.325 um")
        #expect(ASCIIText.fold("96×128 – a") == "96x128 - a")
        #expect(ASCIIText.fold("│─┌┼▸ x") == "|-++> x")
        #expect(ASCIIText.fold("plain") == "plain")
        // The preview's scale bar (▀) and the other block elements: never `?`.
        #expect(ASCIIText.fold("▀▀▀ 10 µm") == "=== 10 um")
        #expect(ASCIIText.fold("▄▌▐▖▟") == "_||##")
        #expect(!ASCIIText.fold("名").unicodeScalars.contains { !$0.isASCII })
    }
}
