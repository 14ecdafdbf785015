import Foundation
import OmioFixtures
import Testing

/// Stopping a write leaves no hidden temporary file (`.NAME.tmp-PID-N`, as big as the output)
/// behind: not a CLI `slice` ended by SIGTERM/SIGHUP/SIGINT (which still ends with 128 + n),
/// not the TUI's `:slice` abandoned by `q q` or Ctrl-C. The write is held between its last
/// byte and the rename (OMIO_FAULT_PAUSE_BEFORE_RENAME), so the signal lands while the
/// temporary file exists, whatever the machine's speed.
@Suite(.serialized)
struct InterruptedOutputTests {
    static let source = TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif"

    /// The folder's hidden temporary files.
    static func temps(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix(".") && $0.contains(".tmp-") }
    }

    /// Waits until a temporary file shows up in `dir` (the write is then paused before its rename).
    static func waitForTemp(_ dir: String, timeout: TimeInterval = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while temps(dir).isEmpty, Date() < deadline { usleep(20000) }
        return !temps(dir).isEmpty
    }

    @Test(arguments: [(SIGTERM, "out.npy"), (SIGHUP, "out.ome.tif"), (SIGINT, "out.npy")])
    func cliSliceStoppedBySignal(signal: Int32, name: String) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let child = try ChildProcess(BinaryRunner.binary, ["slice", Self.source, "--t", ":", "--z", ":", "-o", dir + "/" + name],
                                     environment: ["OMIO_FAULT_PAUSE_BEFORE_RENAME": "30"])
        #expect(Self.waitForTemp(dir), "the write reached its pause")
        kill(child.process.processIdentifier, signal)
        let r = child.wait(timeout: 20)
        #expect(r.signalled && r.status == signal, "ended by the signal (shell status \(128 + signal)): \(r.status) \(r.stderr)")
        #expect(Self.temps(dir).isEmpty, "temporary file left: \(Self.temps(dir))")
        #expect(!FileManager.default.fileExists(atPath: dir + "/" + name), "no output was renamed into place")
    }

    /// `:slice` then `q`: the first says what a second would abandon, the second quits (0) and
    /// the temporary file goes; Ctrl-C cancels the same way (130).
    @Test(arguments: [("q", 0), ("C-c", 130)])
    func tuiSliceAbandoned(key: String, status: Int) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // An interactive shell ignores SIGINT; Ctrl-C must end the TUI, not the script.
        try "trap '' INT\n'\(BinaryRunner.binary)' '\(Self.source)'\necho \"[status $?]\"\n".write(toFile: dir + "/run.sh", atomically: true, encoding: .utf8)
        let tmux = try TmuxSession(command: "sh run.sh", in: dir, environment: ["OMIO_FAULT_PAUSE_BEFORE_RENAME": "30"])
        #expect(tmux.wait(for: "T 1/3").contains("T 1/3"))
        try tmux.type(":slice out.npy t=0:3")
        try tmux.send("Enter")
        #expect(Self.waitForTemp(dir), "the write reached its pause")
        if key == "q" {
            try tmux.type("q")
            let s = tmux.wait(for: "q again")
            #expect(s.contains("slicing out.npy … — q again to stop it and quit"), "the first q only warns: \(s)")
            #expect(!s.contains("[status"), "still running after one q")
            try tmux.type("q")
        } else {
            try tmux.send(key)
        }
        let s = tmux.wait(for: "[status")
        #expect(s.contains("[status \(status)]"), "\(s)")
        #expect(Self.temps(dir).isEmpty, "temporary file left: \(Self.temps(dir))")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.npy"))
    }

    /// A locale without UTF-8: the preview's scale bar (a row of ▀) is drawn in ASCII too, not
    /// as a row of `?`.
    @Test func scaleBarInASCIIUnderCLocale() throws {
        let tmux = try TmuxSession(command: "'\(BinaryRunner.binary)' '\(Self.source)'", in: TestPaths.tempDir(),
                                   environment: ["LANG": "C", "LC_ALL": "C"])
        let s = tmux.wait(for: "T 1/3")
        #expect(s.contains("T 1/3"), "\(s)")
        #expect(s.contains("===="), "the scale bar in ASCII: \(s)")
        #expect(!s.contains("?"), "no glyph without an ASCII stand-in: \(s)")
    }

    /// No alternate screen (vt100, linux): after `q` the shell starts below the TUI's last
    /// frame, not over its status line.
    @Test(arguments: ["vt100", "linux"])
    func exitWithoutAlternateScreen(term: String) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "'\(BinaryRunner.binary)' '\(Self.source)'\necho \"[status $?]\"\n".write(toFile: dir + "/run.sh", atomically: true, encoding: .utf8)
        let tmux = try TmuxSession(command: "sh run.sh", in: dir, width: 100, height: 30, environment: ["TERM": term])
        let before = tmux.wait(for: "T 1/3")
        let statusLine = try #require(before.split(separator: "\n", omittingEmptySubsequences: false).last { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
        try tmux.type("q")
        let s = tmux.wait(for: "[status")
        let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
        let at = try #require(lines.firstIndex { $0.contains("[status") })
        #expect(lines[at].hasPrefix("[status 0]"), "the shell's output starts its own line: \(s)")
        #expect(at > 0 && lines[at - 1] == statusLine, "the TUI's status line is left whole above it: \(s)")
    }
}
