import Foundation
import OmioRender
import Testing
@testable import OmioTUI

/// The replies to the start-up queries, as terminals send them: whole, split across reads,
/// mixed with typed keys, cut off, or missing.
struct TerminalProbeTests {
    static let esc = "\u{1B}"
    /// What kitty 0.26 answers, in query order (DA1 last).
    static let kittyReplies = "\(esc)[6;17;7t\(esc)[4;969;1575t\(esc)]11;rgb:ffff/ffff/ffff\(esc)\\\(esc)_Gi=31;OK\(esc)\\"
        + "\(esc)P>|kitty(0.26.5)\(esc)\\\(esc)[?62;c"
    /// xterm -ti vt340: no kitty reply, sixel registers and size, DA1 with 4 (sixel), BEL-ended OSC.
    static let xtermReplies = "\(esc)[6;18;9t\(esc)[4;432;720t\(esc)]11;rgb:00/00/00\u{07}\(esc)P>|XTerm(379)\(esc)\\"
        + "\(esc)[?1;0;256S\(esc)[?2;0;1000;1000S\(esc)[?63;1;2;4;6;9;15;22c"

    static func parse(_ chunks: [String]) -> TerminalReplyParser {
        var p = TerminalReplyParser()
        for c in chunks { p.feed(Array(c.utf8)) }
        p.finish()
        return p
    }

    @Test func kittyRepliesInOneRead() {
        let p = Self.parse([Self.kittyReplies])
        #expect(p.complete)
        #expect(p.cell?.width == 7 && p.cell?.height == 17)
        #expect(p.windowPixels?.width == 1575 && p.windowPixels?.height == 969)
        #expect(p.answers.background == RGB8.white)
        #expect(p.answers.kittyGraphics)
        #expect(p.answers.version == "kitty(0.26.5)")
        #expect(p.answers.primaryAttributes == [62])
        #expect(p.typed.isEmpty)
    }

    @Test func xtermRepliesSplitAtEveryByte() {
        let bytes = Array(Self.xtermReplies.utf8)
        var p = TerminalReplyParser()
        for b in bytes { p.feed([b]) }
        p.finish()
        #expect(p.complete)
        #expect(p.cell?.width == 9 && p.cell?.height == 18)
        #expect(p.answers.background == RGB8.black)
        #expect(!p.answers.kittyGraphics)
        #expect(p.answers.version == "XTerm(379)")
        #expect(p.answers.sixelColorRegisters == 256)
        #expect(p.answers.sixelMaxWidth == 1000 && p.answers.sixelMaxHeight == 1000)
        #expect(p.answers.primaryAttributes.contains(4))
        #expect(p.typed.isEmpty)
    }

    @Test func typedKeysAmongRepliesAreKept() {
        // "j", an arrow key, "q" and a lone Escape, typed while the replies arrive.
        let p = Self.parse(["j\(Self.esc)[6;1", "6;8t\(Self.esc)[Aq\(Self.esc)]11;rgb:1e1e/1e1e/2e2e\(Self.esc)", "\\\(Self.esc)[?6c", Self.esc])
        #expect(p.complete)
        #expect(p.cell?.width == 8 && p.cell?.height == 16)
        #expect(p.answers.background == RGB8(r: 0x1E, g: 0x1E, b: 0x2E))
        #expect(p.typed == Array("j\(Self.esc)[Aq\(Self.esc)".utf8))
    }

    @Test func missingAndCutOffRepliesLeaveFieldsEmpty() {
        // A terminal answering only DA1, and one whose OSC reply the timeout cut in half.
        let onlyDA1 = Self.parse(["\(Self.esc)[?1;2c"])
        #expect(onlyDA1.complete && onlyDA1.cell == nil && onlyDA1.answers.background == nil && !onlyDA1.answers.kittyGraphics)
        let cut = Self.parse(["\(Self.esc)[6;17;7t\(Self.esc)]11;rgb:ff"])
        #expect(!cut.complete)
        #expect(cut.cell?.width == 7)
        #expect(cut.answers.background == nil)
        #expect(cut.typed.isEmpty, "a cut-off reply is no key: \(cut.typed)")
        let nothing = Self.parse([])
        #expect(!nothing.complete && nothing.answers == TerminalAnswers())
    }

    @Test func garbageIsNotTakenForAnswers() {
        let p = Self.parse(["\(Self.esc)[6;x;7t\(Self.esc)]11;rgb:zz/00/00\(Self.esc)\\\(Self.esc)_Gi=31;ENOTSUPPORTED:no\(Self.esc)\\\(Self.esc)[5;1t\(Self.esc)[?0c"])
        #expect(p.complete)
        #expect(p.cell == nil)
        #expect(p.answers.background == nil)
        #expect(!p.answers.kittyGraphics)
    }

    @Test func colourReplyForms() {
        #expect(TerminalReplyParser.color("rgb:ffff/8080/0000") == RGB8(r: 255, g: 128, b: 0))
        #expect(TerminalReplyParser.color("rgb:f/8/0") == RGB8(r: 255, g: 136, b: 0))
        #expect(TerminalReplyParser.color("rgba:0000/0000/0000/ffff") == RGB8.black)
        #expect(TerminalReplyParser.color("#fdf6e3") == RGB8(r: 0xFD, g: 0xF6, b: 0xE3))
        #expect(TerminalReplyParser.color("rgb:12345/0/0") == nil)
    }

    @Test func cellSizePrefersTheWindowIoctl() {
        let p = Self.parse([Self.xtermReplies])
        var ws = winsize(ws_row: 57, ws_col: 225, ws_xpixel: 1575, ws_ypixel: 969)
        #expect(TerminalProbe.cellPixels(window: ws, reply: p) == CellPixels(width: 7, height: 17))
        ws.ws_xpixel = 0
        ws.ws_ypixel = 0
        #expect(TerminalProbe.cellPixels(window: ws, reply: p) == CellPixels(width: 9, height: 18))
        // Only CSI 14 t: the window's pixels over its cells.
        let window = Self.parse(["\(Self.esc)[4;969;1575t\(Self.esc)[?62c"])
        #expect(TerminalProbe.cellPixels(window: ws, reply: window) == CellPixels(width: 7, height: 17))
        #expect(TerminalProbe.cellPixels(window: ws, reply: Self.parse(["\(Self.esc)[?62c"])) == nil)
    }

    /// A terminal that reports nonsense (a 16x1000 px cell, 99999x1, 1x1, a 65535 px window at
    /// 120 columns) is passed over for the next source, else nothing (the 2:1 assumption).
    @Test func implausibleCellsArePassedOver() {
        let xterm = Self.parse([Self.xtermReplies])
        let absurdWindow = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 65535, ws_ypixel: 65535)
        #expect(TerminalProbe.cellPixels(window: absurdWindow, reply: xterm) == CellPixels(width: 9, height: 18))
        let none = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        for (h, w) in [(1000, 16), (1, 99999), (1, 1), (16, 1), (8, 16)] {
            let reply = Self.parse(["\(Self.esc)[6;\(h);\(w)t\(Self.esc)[?62c"])
            #expect(TerminalProbe.cellPixels(window: none, reply: reply) == nil, "CSI 6;\(h);\(w)t")
            let withWindow = Self.parse(["\(Self.esc)[6;\(h);\(w)t\(Self.esc)[4;640;960t\(Self.esc)[?62c"])
            #expect(TerminalProbe.cellPixels(window: none, reply: withWindow) == CellPixels(width: 8, height: 16))
        }
        let hugeWindow = Self.parse(["\(Self.esc)[4;65535;65535t\(Self.esc)[?62c"])
        #expect(TerminalProbe.cellPixels(window: none, reply: hugeWindow) == nil)
        #expect(TerminalProbe.plausible(width: 7, height: 17) && TerminalProbe.plausible(width: 2, height: 4))
        #expect(!TerminalProbe.plausible(width: 65, height: 128) && !TerminalProbe.plausible(width: 10, height: 41))
    }

    /// A refusing kitty (`ENOTSUPPORTED`) is remembered as a refusal; XTSMGRAPHICS answers of
    /// 0 or 1 colour register, or a geometry under 64 px, are taken as not said.
    @Test func refusalsAndUselessSixelAnswers() {
        let e = Self.esc
        let p = Self.parse(["\(e)_Gi=31;ENOTSUPPORTED:no graphics\(e)\\\(e)[?1;0;1S\(e)[?2;0;1;1S\(e)[?62;4c"])
        #expect(p.complete)
        #expect(!p.answers.kittyGraphics && p.answers.kittyRefused)
        #expect(p.answers.sixelColorRegisters == nil)
        #expect(p.answers.sixelMaxWidth == nil)
        let q = Self.parse(["\(e)[?1;0;0S\(e)[?1;0;16S\(e)[?62;4c"])
        #expect(q.answers.sixelColorRegisters == 16)
        #expect(!q.answers.kittyRefused)
    }

    @Test func queriesEndWithTheSentinel() {
        #expect(TerminalProbe.queries.hasSuffix("\(Self.esc)[c"))
        #expect(TerminalProbe.queries.components(separatedBy: "\(Self.esc)[c").count == 2)
        #expect(TerminalProbe.timeoutMilliseconds([:]) == 1000)
        #expect(TerminalProbe.timeoutMilliseconds(["OMIO_PROBE_TIMEOUT_MS": "2000"]) == 2000)
    }
}
