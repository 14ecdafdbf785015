import Foundation
import OmioFixtures
import Testing

/// The TUI gives the terminal back whatever ends it: a fatal signal, a runtime trap, a stack
/// overflow (main or background thread), SIGTERM, SIGHUP, Ctrl-C. Checked on a real terminal
/// (a tmux pane): the normal screen (`#{alternate_on}` 0), the cursor shown (`#{cursor_flag}`),
/// cooked mode (`stty -a` in the pane afterwards: icanon, echo), and a status naming the signal.
@Suite(.serialized)
struct TerminalRestoreTests {
    /// The pane runs a script: the TUI, then its status and the terminal's modes. The script's
    /// shell ignores SIGINT as an interactive one does, so Ctrl-C ends the TUI and not the shell.
    final class Pane {
        let dir = TestPaths.tempDir()
        let tmux: TmuxSession
        /// Whether the terminal has an alternate screen and can hide the cursor (vt100 has
        /// neither): only then are those checked.
        let screenModes: Bool

        init(environment: [String: String] = [:], screenModes: Bool = true) throws {
            self.screenModes = screenModes
            let script = """
                trap '' INT
                '\(BinaryRunner.binary)' '\(TestPaths.exampleData)/hyperstack_T3_Z5_C2.tif'
                echo "[status $?]"
                stty -a | tr ' ;' '\\n\\n' | grep -Ex -- '-?(icanon|echo)' | tr '\\n' ' '
                echo '[modes]'
                """
            try script.write(toFile: dir + "/run.sh", atomically: true, encoding: .utf8)
            tmux = try TmuxSession(command: "sh run.sh", in: dir, environment: environment)
            let s = tmux.wait(for: "T 1/3")
            #expect(s.contains("T 1/3"), "the TUI is up: \(s)")
            #expect(!screenModes || tmux.format("#{alternate_on} #{cursor_flag}") == "1 0", "the TUI holds the alternate screen, cursor hidden")
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }

        /// The TUI's pid: the child of the script's shell, itself the child of the pane's shell.
        func tuiPID() throws -> pid_t {
            var pid = try #require(pid_t(tmux.format("#{pane_pid}")))
            for _ in 0..<3 {
                let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
                guard let child = children.split(separator: " ").first.flatMap({ pid_t($0) }) else { break }
                pid = child
                if (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("omio-tui") == true { return pid }
            }
            throw TmuxSession.TmuxError(message: "no omio-tui under the pane")
        }

        /// Waits for the TUI to end; checks the terminal is given back; returns the screen.
        @discardableResult
        func expectRestored(status: Int, timeout: TimeInterval = 15) -> String {
            let s = tmux.wait(for: "[modes]", timeout: timeout)
            #expect(s.contains("[status \(status)]"), "\(s)")
            #expect(!screenModes || tmux.format("#{alternate_on} #{cursor_flag}") == "0 1", "normal screen, cursor visible: \(s)")
            #expect(s.contains("icanon echo") && !s.contains("-icanon") && !s.contains("-echo"), "cooked mode: \(s)")
            return s
        }
    }

    /// kill -SEGV / -BUS / -ILL / -ABRT / -FPE: restored, then the default action (128 + n).
    @Test(arguments: [(SIGSEGV, 139), (SIGBUS, 135), (SIGILL, 132), (SIGABRT, 134), (SIGFPE, 136), (SIGTRAP, 133)])
    func fatalSignal(signal: Int32, status: Int) throws {
        let pane = try Pane(environment: ["SWIFT_BACKTRACE": "interactive=no"])
        kill(try pane.tuiPID(), signal)
        let s = pane.expectRestored(status: status)
        #expect(!s.contains("Program crashed"), "a signal sent by kill is no crash: no crash report")
    }

    /// SIGTERM 143, SIGHUP 129 (a closed SSH session), SIGINT 130: through the main loop's
    /// normal teardown, then by the same signal.
    @Test(arguments: [(SIGTERM, 143), (SIGHUP, 129), (SIGINT, 130)])
    func terminationSignal(signal: Int32, status: Int) throws {
        let pane = try Pane()
        kill(try pane.tuiPID(), signal)
        pane.expectRestored(status: status)
    }

    /// Every other signal whose default action ends the process (kill -USR1, a broken pipe, a
    /// timer, a file size limit, ...): restored through the main loop, then 128 + n.
    @Test(arguments: [(SIGUSR1, 138), (SIGUSR2, 140), (SIGPIPE, 141), (SIGALRM, 142), (SIGVTALRM, 154), (SIGPROF, 155),
                      (SIGSTKFLT, 144)])
    func otherEndingSignal(signal: Int32, status: Int) throws {
        let pane = try Pane()
        kill(try pane.tuiPID(), signal)
        pane.expectRestored(status: status)
    }

    /// Terminals without colour (no colour function may be called there): `q` ends with 0 and
    /// SIGTERM with 143, the terminal restored either way.
    @Test(arguments: ["vt100", "vt220", "xterm-mono"])
    func colourlessTerminal(term: String) throws {
        let quit = try Pane(environment: ["TERM": term, "SWIFT_BACKTRACE": "enable=no"], screenModes: false)
        try quit.tmux.type("q")
        quit.expectRestored(status: 0)
        let terminated = try Pane(environment: ["TERM": term, "SWIFT_BACKTRACE": "enable=no"], screenModes: false)
        kill(try terminated.tuiPID(), SIGTERM)
        terminated.expectRestored(status: 143)
    }

    /// Ctrl-C on the keyboard: the terminal's SIGINT to the foreground group.
    @Test func ctrlC() throws {
        let pane = try Pane()
        try pane.tmux.send("C-c")
        pane.expectRestored(status: 130)
    }

    /// Real crashes: a Swift runtime trap (SIGILL) with the Swift backtracer on, whose report
    /// then prints on the normal screen; a stack overflow on the main thread and on a
    /// background thread (SIGSEGV on an alternate signal stack).
    @Test(arguments: [("trap", 132, "interactive=no"), ("overflow", 139, "enable=no"), ("overflow-worker", 139, "enable=no")])
    func crash(drill: String, status: Int, backtrace: String) throws {
        let pane = try Pane(environment: ["OMIO_CRASH_DRILL": drill, "SWIFT_BACKTRACE": backtrace])
        try pane.tmux.type("!")
        let s = pane.expectRestored(status: status)
        if backtrace == "interactive=no" {
            let scrollback = (try? TmuxSession.tmux(["capture-pane", "-p", "-S", "-5000", "-t", pane.tmux.name])) ?? s
            #expect(scrollback.contains("Program crashed"), "the crash report is on the normal screen: \(scrollback)")
        }
    }
}
