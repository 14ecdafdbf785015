import Foundation
import OmioFormats

/// A launcher started detached: its own session (setsid), stdin from /dev/null, stdout and
/// stderr appended to its log. A thread waits for it (so it never lingers as a zombie) and
/// reports how it ended.
public final class NapariProcess: @unchecked Sendable {
    public let pid: Int32
    public let logPath: String
    /// Where the launcher writes which window shows its layers (`--report`).
    let reportPath: String?
    private let condition = NSCondition()
    private var status: Int32?
    private var window: NapariWindow?
    private var onExit: (@Sendable (NapariExit) -> Void)?

    init(pid: Int32, logPath: String, reportPath: String? = nil, onExit: (@Sendable (NapariExit) -> Void)?) {
        self.pid = pid
        self.logPath = logPath
        self.reportPath = reportPath
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

    /// Waits up to `timeout` seconds until the layers are in a napari window (the launcher's
    /// own, or the open one it handed them to); nil when the launcher ended without that or
    /// is still starting.
    public func waitForWindow(timeout: Double) -> NapariWindow? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            if let w = readReport() { return w }
            if exitStatus != nil { return readReport() }
            if Date() > deadline { return nil }
            usleep(50_000)
        }
    }

    private func readReport() -> NapariWindow? {
        condition.lock()
        defer { condition.unlock() }
        if let window { return window }
        guard let reportPath, let data = FileManager.default.contents(atPath: reportPath),
              let json = try? JSONValue.parse(data), json["ok"]?.boolValue == true, let pid = json["pid"]?.intValue
        else { return nil }
        unlink(reportPath)
        let phases = (json["phases"]?.objectValue ?? []).compactMap { k, v in v.doubleValue.map { (k, $0) } }.sorted { $0.1 < $1.1 }
        window = NapariWindow(pid: Int32(pid), layers: (json["layers"]?.arrayValue ?? []).compactMap(\.stringValue), phases: phases)
        return window
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

/// The napari window that shows a launcher's layers.
public struct NapariWindow: Sendable, Equatable {
    /// The window's process (long-lived), not the launcher that handed the layers over.
    public let pid: Int32
    public let layers: [String]
    /// Seconds from the launcher's start to "imports done", "window up", "store ready",
    /// "layers added" (those it went through).
    public let phases: [(String, Double)]

    public static func == (a: NapariWindow, b: NapariWindow) -> Bool {
        a.pid == b.pid && a.layers == b.layers && a.phases.map(\.0) == b.phases.map(\.0) && a.phases.map(\.1) == b.phases.map(\.1)
    }

    /// For the status line and the CLI.
    public var statusLine: String { "napari window (pid \(pid)) shows \(layers.joined(separator: ", "))" }
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
        guard let fd = connect(path) else { return false }
        close(fd)
        return true
    }

    /// Asks the open window to remove the layers of `stores` and let go of them (it holds a
    /// shared lock on each while it shows it), so they can be rebuilt; how many layers it
    /// removed, or nil when no window answered.
    @discardableResult
    public static func release(stores: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        let message = JSONValue.object([("omio_napari", .int(1)), ("release", .array(stores.map { .string($0) }))])
        return request(message, path: path(environment: environment), timeout: 30)?["released"]?.intValue
    }

    /// One JSON line to the window and its one-line JSON answer (nil: nobody listens, or no
    /// answer within `timeout` seconds).
    static func request(_ message: JSONValue, path: String, timeout: Double) -> JSONValue? {
        guard let fd = connect(path) else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let line = Array((message.serialized() + "\n").utf8)
        var sent = 0
        while sent < line.count {
            let n = line[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return nil }
            sent += n
        }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while reply.last != UInt8(ascii: "\n") {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            reply += buffer[..<n]
        }
        return try? JSONValue.parse(Data(reply))
    }

    /// A socket connected to `path`, or nil.
    private static func connect(_ path: String) -> Int32? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            close(fd)
            return nil
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard ok == 0 else {
            close(fd)
            return nil
        }
        return fd
    }
}
