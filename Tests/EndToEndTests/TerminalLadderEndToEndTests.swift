import Foundation
import OmioFixtures
import Testing

/// The real binary in tmux under the terminals and locales users log in from: each shows an
/// image (colour or glyph variation in the preview), true units, names its rung in the status
/// line, and quits cleanly — or refuses in one line when the terminal cannot run it.
@Suite(.serialized)
struct TerminalLadderEndToEndTests {
    struct Setup: CustomStringConvertible, Sendable {
        let env: [String: String]
        let status: String   // the renderer's name in the status line
        let colour: Bool     // whether the preview must carry background colours
        var width = 150, height = 36  // wide enough to keep the renderer field beside two channels' limits
        var description: String { env.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ") + " \(width)x\(height)" }
    }

    /// What every run starts from, whatever the tmux server's own environment holds (NO_COLOR,
    /// COLORTERM and locales leak into it from whoever started it): empty means unset here.
    static let baseEnvironment = ["NO_COLOR": "", "COLORTERM": "", "LC_ALL": "", "LC_CTYPE": "", "LANG": "C.UTF-8"]

    static let setups: [Setup] = [
        Setup(env: ["TERM": "xterm", "COLORTERM": ""], status: "sextant 8c", colour: true),
        Setup(env: ["TERM": "screen", "COLORTERM": ""], status: "sextant 8c", colour: true),
        Setup(env: ["TERM": "linux", "COLORTERM": ""], status: "half 8c", colour: true),
        Setup(env: ["TERM": "xterm-256color", "COLORTERM": ""], status: "sextant 256c", colour: true),
        Setup(env: ["TERM": "xterm-256color", "COLORTERM": "truecolor"], status: "sextant 24bit", colour: true),
        Setup(env: ["TERM": "vt100", "COLORTERM": ""], status: "sextant mono", colour: false),
        Setup(env: ["TERM": "xterm-256color", "NO_COLOR": "1"], status: "sextant mono", colour: false),
        Setup(env: ["TERM": "xterm-256color", "COLORTERM": "", "LANG": "C", "LC_ALL": "C"], status: "ascii 256c", colour: true),
        Setup(env: ["TERM": "screen", "COLORTERM": "", "LANG": "C", "LC_ALL": "C"], status: "ascii 8c", colour: true),
        Setup(env: ["TERM": "screen", "COLORTERM": ""], status: "8c", colour: true, width: 80, height: 24),
    ]

    @Test(arguments: setups)
    func previewShowsAnImage(setup: Setup) throws {
        // The shell afterwards says whether the terminal was left without echo or line editing.
        let command = BinaryRunner.binary + " hyperstack_T3_Z5_C2.tif; s=$?; stty -a | grep -q -e -icanon -e ' -echo ' && echo TERMINAL-LEFT-RAW; (exit $s)"
        let tmux = try TmuxSession(command: command, in: TestPaths.exampleData,
                                   width: setup.width, height: setup.height, environment: Self.baseEnvironment.merging(setup.env) { $1 })
        var s = tmux.wait(for: "T 1/3", timeout: 20)
        // The preview arrives after the first frame: wait for its glyphs or colours.
        let deadline = Date().addingTimeInterval(20)
        var styled = tmux.styledScreen
        while Self.previewCells(styled, colour: setup.colour) < 40, Date() < deadline {
            usleep(100_000)
            styled = tmux.styledScreen
        }
        s = setup.width >= 100 ? tmux.wait(for: setup.status, timeout: 10) : tmux.screen
        let ascii = setup.env["LC_ALL"] == "C"
        #expect(Self.previewCells(styled, colour: setup.colour) >= 40, "\(setup): no image in the preview\n\(s)")
        if !setup.colour { #expect(Self.distinctGlyphs(s) >= 4, "\(setup): monochrome preview without shading\n\(s)") }
        if setup.width >= 100 {
            #expect(s.contains(setup.status), "\(setup): status line\n\(s)")
            #expect(s.contains(ascii ? "PhysicalSizeX  0.2 um" : "PhysicalSizeX  0.2 µm"), "\(setup): units\n\(s)")
        }
        if ascii { #expect(!s.unicodeScalars.contains { !$0.isASCII }, "\(setup): non-ASCII on a C-locale screen\n\(s)") }
        try tmux.send("q")
        s = tmux.wait(for: "[exit", timeout: 10)
        #expect(s.contains("[exit 0]"), "\(setup): \(s)")
        #expect(!s.contains("TERMINAL-LEFT-RAW"), "\(setup): the terminal was not restored")
    }

    @Test(arguments: ["dumb", "no-such-terminal-xyz"])
    func terminalsThatCannotRunItSaySo(term: String) throws {
        let tmux = try TmuxSession(command: BinaryRunner.binary + " wrong_spacing_Z8.tif", in: TestPaths.exampleData,
                                   width: 150, height: 20, environment: Self.baseEnvironment.merging(["TERM": term]) { $1 })
        let s = tmux.wait(for: "[exit", timeout: 15)
        #expect(s.contains("omio-tui: error: the terminal (TERM=\(term)) cannot run the inspector; try TERM=xterm-256color, or use omio-tui info/render"), "\(s)")
        #expect(s.contains("[exit 1]"), "\(s)")
        // The CLI keeps working on the same terminal.
        let info = try BinaryRunner.run(["info", TestPaths.exampleData + "/wrong_spacing_Z8.tif"], environment: ["TERM": term])
        #expect(info.status == 0 && info.stdout.contains("PhysicalSizeX  0.3 µm"))
    }

    /// `info` on a terminal in the C locale: plain ASCII with every unit kept (µm as um, × as x).
    @Test func infoOnACLocaleTerminalKeepsItsUnits() throws {
        let tmux = try TmuxSession(command: BinaryRunner.binary + " info hyperstack_T3_Z5_C2.tif", in: TestPaths.exampleData,
                                   width: 150, height: 40, environment: Self.baseEnvironment.merging(["TERM": "screen", "LANG": "C", "LC_ALL": "C"]) { $1 })
        let s = tmux.wait(for: "[exit", timeout: 15)
        #expect(s.contains("PhysicalSizeX  0.2 um") && s.contains("PhysicalSizeZ  1 um"), "\(s)")
        #expect(!s.unicodeScalars.contains { !$0.isASCII }, "\(s)")
        #expect(s.contains("[exit 0]"))
    }

    /// Cells of the preview (right of the last pane border) that show an image: with colour,
    /// SGR background codes (8/16-colour, 256 or direct); without, non-space glyphs.
    static func previewCells(_ styled: String, colour: Bool) -> Int {
        let lines = styled.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().dropLast(3)
        var n = 0
        for line in lines {
            guard let border = line.range(of: "│", options: .backwards) ?? line.range(of: "|", options: .backwards) else { continue }
            let right = String(line[border.upperBound...])
            if colour {
                n += right.matches(of: Self.background).count
            } else {
                let plain = right.replacing(Self.sgr, with: "")
                n += plain.unicodeScalars.filter { $0 != " " }.count
            }
        }
        return n
    }

    // An SGR sequence, and one that sets a background colour (40–47, 100–107, 48;5;n, 48;2;r;g;b).
    nonisolated(unsafe) static let sgr = try! Regex("\u{1B}\\[[0-9;]*m")
    nonisolated(unsafe) static let background = try! Regex("\u{1B}\\[(?:[0-9;]*;)?(?:4[0-7]|10[0-7]|48;[25];[0-9;]*)(?:;[0-9;]*)?m")

    /// Distinct glyphs in the preview area of a plain capture.
    static func distinctGlyphs(_ screen: String) -> Int {
        var glyphs = Set<Character>()
        for line in screen.split(separator: "\n").dropFirst().dropLast(3) {
            guard let border = line.range(of: "│", options: .backwards) else { continue }
            glyphs.formUnion(line[border.upperBound...].filter { $0 != " " })
        }
        return glyphs.count
    }
}
