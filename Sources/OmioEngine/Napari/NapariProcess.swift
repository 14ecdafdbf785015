import Foundation
import OmioFormats

/// A launcher started detached: its own session (setsid), stdin from /dev/null, stdout and
/// stderr appended to its log. A thread waits for it (so it never lingers as a zombie) and
/// reports how it ended.
public final class NapariProcess: @unchecked Sendable {
    public let pid: Int32
    public let logPath: String
    private let condition = NSCondition()
    private var status: Int32?
    private var onExit: (@Sendable (NapariExit) -> Void)?

    init(pid: Int32, logPath: String, onExit: (@Sendable (NapariExit) -> Void)?) {
        self.pid = pid
        self.logPath = logPath
        self.onExit = onExit
        let reaper = Thread { [self] in self.reap() }
        reaper.name = "napari-reaper-\(pid)"
        reaper.start()
    }

    /// The exit status once the launcher has ended (128 + signal when killed), else nil.
    public var exitStatus: Int32? {
        condition.lock()
        defer { condition.unlock() }
        return status
    }

    /// Waits up to `timeout` seconds for the launcher to end; its exit status, or nil while it
    /// still runs (a listening napari window runs until it is closed).
    public func wait(timeout: Double) -> Int32? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while status == nil, condition.wait(until: deadline) {}
        return status
    }

    private func reap() {
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 {
            if errno != EINTR { raw = 0x7F00; break } // not our child any more: unknown (127)
        }
        let code: Int32 = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        condition.lock()
        status = code
        let callback = onExit
        onExit = nil
        condition.broadcast()
        condition.unlock()
        callback?(NapariExit(pid: pid, status: code, logPath: logPath, logTail: NapariProcess.tail(of: logPath)))
    }

    /// The last lines of a log (for error messages), joined with " | ".
    public static func tail(of path: String, lines: Int = 3) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        let text = String(decoding: data.suffix(8192), as: UTF8.self)
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .suffix(lines).joined(separator: " | ")
    }

    // MARK: spawning

    /// glibc's POSIX_SPAWN_SETSID (spawn.h, _GNU_SOURCE; Swift's Glibc module does not export it).
    static let spawnSetsid: Int32 = 0x80

    /// Starts `argv` (argv[0] an absolute path) detached; returns its pid.
    static func spawnDetached(_ argv: [String], environment: [String: String], logPath: String) throws -> Int32 {
        // Its own session (no controlling terminal: closing the TUI's terminal does not take the
        // window along).
        try spawn(argv, environment: environment, output: .log(logPath), newSession: true)
    }

    /// Runs `argv` to the end (at most `timeout` seconds, then it is killed), capturing stdout
    /// and stderr; stdin is /dev/null.
    static func run(_ argv: [String], environment: [String: String], timeout: Double) throws -> (status: Int32, stdout: String, stderr: String) {
        let tmp = NSTemporaryDirectory()
        let tag = "omio-napari-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let outPath = (tmp as NSString).appendingPathComponent(tag + ".out")
        let errPath = (tmp as NSString).appendingPathComponent(tag + ".err")
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        let pid = try spawn(argv, environment: environment, output: .files(out: outPath, err: errPath), newSession: false)
        let deadline = Date(timeIntervalSinceNow: timeout)
        var raw: Int32 = 0
        var killed = false
        while true {
            let r = waitpid(pid, &raw, WNOHANG)
            if r == pid { break }
            if r < 0, errno != EINTR { throw OmioError(argv[0], "waitpid failed: \(SystemErrorReason.of(errno: errno))") }
            if !killed, Date() > deadline {
                kill(pid, SIGKILL)
                killed = true
            }
            usleep(20_000)
        }
        let code: Int32 = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        var err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        if killed { err += "\n(killed after \(Int(timeout)) s)" }
        return (code, out, err)
    }

    /// Where a child's stdout and stderr go: both appended to one log, or each into a new file.
    private enum Output {
        case log(String)
        case files(out: String, err: String)
    }

    /// posix_spawn with stdin from /dev/null, no inherited descriptors beyond 0-2, default
    /// signal handling and an empty signal mask (the TUI ignores SIGINT, test threads block
    /// others; the child must inherit neither).
    private static func spawn(_ argv: [String], environment: [String: String], output: Output, newSession: Bool) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        switch output {
        case .log(let path):
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .files(let out, let err):
            posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }
        closeInheritedFiles(&actions)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attr, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16((newSession ? spawnSetsid : 0) | Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK)))
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        guard rc == 0 else { throw OmioError(argv[0], "cannot start it: \(SystemErrorReason.of(errno: rc))") }
        return pid
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// The child gets no file descriptors beyond 0-2 (a terminal, a lock, a store file of the
    /// TUI): glibc 2.34's closefrom action, looked up at run time.
    private static func closeInheritedFiles(_ actions: inout posix_spawn_file_actions_t) {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return }
        let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
        _ = addCloseFrom(&actions, 3)
    }
}

/// How a detached launcher ended.
public struct NapariExit: Sendable, Equatable {
    public let pid: Int32
    /// 0: it handed its layers to the open window, or its own window was closed.
    public let status: Int32
    public let logPath: String
    /// The last lines of its log.
    public let logTail: String
}

/// Where the launchers' shared window listens (the same rule as the script's `socket_path`).
public enum NapariSocket {
    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["OMIO_NAPARI_SOCKET"], !explicit.isEmpty { return LexicalPath.absolute(explicit) }
        var isDir: ObjCBool = false
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/"),
           FileManager.default.fileExists(atPath: runtime, isDirectory: &isDir), isDir.boolValue {
            return (runtime as NSString).appendingPathComponent("omio-tui/napari.sock")
        }
        return "/tmp/omio-tui-\(getuid())/napari.sock"
    }

    /// True when a napari window of omio-tui listens at `path` (a connect succeeds).
    public static func isListening(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return ok == 0
    }
}
