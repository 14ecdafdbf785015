import Foundation
@testable import OmioEngine
import OmioFormats
import Testing
@testable import OmioTUI

/// What the inspector draws and the command line prints from file names and metadata: the
/// shared escape rule, and the small wording rules of the command line.
struct TerminalTextTests {
    @Test func inspectorTextShowsControlsEscaped() {
        // The old clip dropped C0 (hiding them) and passed DEL and C1 (CSI 0x9b) raw.
        #expect(TextWidth.clip("a\u{1B}[2J\u{07}b", to: 40) == "a\\x1b[2J\\x07b")
        #expect(TextWidth.clip("x\u{9B}31m\u{7F}", to: 40) == "x\\x9b31m\\x7f")
        #expect(TextWidth.clip("new\nline\ttab\r", to: 40) == "new\\nline\\ttab\\r")
        // Clipping counts the escaped form, and escaping twice changes nothing.
        #expect(TextWidth.clip("\u{1B}\u{1B}", to: 5) == "\\x1b") // an escape whole or not at all
        #expect(TerminalSafeText.escape(TerminalSafeText.escape("a\u{1B}b")) == "a\\x1bb")
        let canvas = TextCanvas(rows: 1, cols: 20)
        canvas.text(0, 0, "n\u{1B}]0;t\u{07}")
        #expect(canvas.line(0).hasPrefix("n\\x1b]0;t\\x07"))
    }

    @Test func plainTextIsUntouched() {
        #expect(TerminalSafeText.escape("µm C:\\data\\ä 日本") == "µm C:\\data\\ä 日本")
    }

    @Test func sizesAndCountsReadAsWords() {
        #expect(PurgeReport.size(0) == "0 bytes")
        #expect(EnglishCount.of(1, "entry", plural: "entries") == "1 entry")
        #expect(EnglishCount.of(2, "entry", plural: "entries") == "2 entries")
        #expect(CacheBuildCommand.rate(bytes: 64, seconds: 0.001) == "")
        #expect(CacheBuildCommand.rate(bytes: 1_000_000_000, seconds: 2) == " (500 MB/s)")
        var report = PurgeReport()
        report.removed = ["a", "b"]
        report.removedFolders = ["/x/.omio_cache"]
        #expect(report.summary.hasPrefix("removed 2 entries, freed 0 bytes"))
    }

    @Test func commandSuggestions() {
        #expect(CommandWords.closest(to: "inof", in: ["info", "slice", "render"]) == "info")
        #expect(CommandWords.closest(to: "foo", in: ["info", "slice", "render"]) == nil)
        #expect(CommandWords.attachNegativeNumbers(["--width", "-5", "-o", "-1", "--t", "x"]) == ["--width=-5", "-o", "-1", "--t", "x"])
    }
}
