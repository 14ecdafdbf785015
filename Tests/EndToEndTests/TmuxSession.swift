import Foundation

/// A detached tmux session running the real binary: keys in, screen text out.
final class TmuxSession {
    let name: String

    init(command: String, in directory: String, width: Int = 160, height: Int = 50, environment: [String: String] = [:]) throws {
        name = "omio-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let env = environment.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        // Keep the pane after the program exits so the final screen and status can be read.
        let args = ["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)",
                    "cd '\(directory)' && env \(env) \(command); echo \"[exit $?]\"; sleep 60"]
        // A server that is shutting down (its last session just closed) refuses new sessions
        // for a moment: retry.
        for attempt in 1...5 {
            do {
                try TmuxSession.tmux(args)
                break
            } catch where attempt < 5 {
                usleep(200_000)
            }
        }
    }

    deinit { _ = try? TmuxSession.tmux(["kill-session", "-t", name]) }

    /// Runs a tmux client with posix_spawn. Foundation's Process is not used here: it watches
    /// for the child's exit through a descriptor the forked tmux server inherits, so it would
    /// wait for the server's whole life.
    @discardableResult
    static func tmux(_ args: [String]) throws -> String {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw TmuxError(message: "pipe failed") }
        let capture = args.first == "capture-pane" || args.first == "display-message"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if capture {
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        let argv = (["tmux"] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // Default signal handling and an empty mask for the server and what it runs: the test
        // runner's threads block signals, and a blocked SIGINT would be inherited.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "tmux", &actions, &attr, argv, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw TmuxError(message: "cannot run tmux (is it installed?): \(String(cString: strerror(rc)))")
        }
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
        }
        close(fds[0])
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else { throw TmuxError(message: "tmux \(args.first ?? "") failed (status \(status))") }
        return String(decoding: data, as: UTF8.self)
    }

    struct TmuxError: Error, CustomStringConvertible { let message: String; var description: String { message } }

    func send(_ keys: String...) throws {
        for k in keys { try TmuxSession.tmux(["send-keys", "-t", name, k]) }
    }

    /// Literal text (no key-name lookup).
    func type(_ text: String) throws {
        try TmuxSession.tmux(["send-keys", "-t", name, "-l", text])
    }

    var screen: String { (try? TmuxSession.tmux(["capture-pane", "-p", "-t", name])) ?? "" }

    /// A tmux format for the pane (`#{alternate_on}`, `#{cursor_flag}`, `#{pane_pid}`).
    func format(_ f: String) -> String {
        ((try? TmuxSession.tmux(["display-message", "-p", "-t", name, f])) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits until the screen contains `text` (or the timeout passes); returns the screen.
    @discardableResult
    func wait(for text: String, timeout: TimeInterval = 10) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var s = screen
        while !s.contains(text), Date() < deadline {
            usleep(50_000)
            s = screen
        }
        return s
    }
}
