import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One child process run by the benchmark: wall time from spawn to reap, and the peak RSS
/// the kernel reports for it (wait4's rusage).
struct ChildRun {
    var seconds: Double
    var maxRSSKiB: Int
    /// User + system CPU time of the child (wait4's rusage).
    var cpuSeconds: Double
    var status: Int32
    var stdout: String
    var stderr: String

    var ok: Bool { status == 0 }

    /// The last line of stdout that parses as a JSON object (what the bench-case children and
    /// the Python helper print).
    func json() -> [String: Any]? {
        for line in stdout.split(separator: "\n").reversed() where line.hasPrefix("{") {
            if let d = line.data(using: .utf8), let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any] { return o }
        }
        return nil
    }

    func number(_ key: String) -> Double? {
        guard let v = json()?[key] else { return nil }
        return (v as? NSNumber)?.doubleValue
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

enum BenchProcess {
    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Runs `argv` (looked up in PATH) with stdin from /dev/null, stdout to `stdoutPath` (a
    /// temp file when nil; /dev/null is fine), stderr to a temp file, and waits for it.
    static func run(_ argv: [String], stdoutPath: String? = nil, environment: [String: String] = [:],
                    captureStdout: Bool = true) throws -> ChildRun {
        let tmp = NSTemporaryDirectory()
        let tag = "omio-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let outPath = stdoutPath ?? (tmp as NSString).appendingPathComponent(tag + ".out")
        let errPath = (tmp as NSString).appendingPathComponent(tag + ".err")
        defer {
            if stdoutPath == nil { unlink(outPath) }
            unlink(errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let start = monotonic()
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, cEnv)
        guard rc == 0 else { throw BenchError("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let seconds = monotonic() - start
        // WIFEXITED / WEXITSTATUS are macros: decode by hand.
        let exitCode: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let out = captureStdout && outPath != "/dev/null" ? (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" : ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return ChildRun(seconds: seconds, maxRSSKiB: Int(usage.ru_maxrss), cpuSeconds: cpu, status: exitCode, stdout: out, stderr: err)
    }

    /// Runs and throws with the tail of stderr when the child fails.
    static func check(_ argv: [String], stdoutPath: String? = nil, environment: [String: String] = [:]) throws -> ChildRun {
        let r = try run(argv, stdoutPath: stdoutPath, environment: environment)
        guard r.ok else {
            let tail = r.stderr.split(separator: "\n").suffix(4).joined(separator: " | ")
            throw BenchError("\(argv.joined(separator: " ")) exited with \(r.status): \(tail)")
        }
        return r
    }

    /// Output of a short command (machine facts), or nil.
    static func output(_ argv: [String]) -> String? {
        guard let r = try? run(argv), r.ok else { return nil }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The path of this executable.
    static var selfPath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    static func makeTempDir(_ prefix: String, in parent: String = NSTemporaryDirectory()) throws -> String {
        var template = Array(((parent as NSString).appendingPathComponent(prefix + "XXXXXX")).utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw BenchError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        return String(cString: p)
    }

    /// `rm -rf`: FileManager takes tens of seconds on the thousands of nested chunk folders a
    /// Zarr store has.
    static func removeTree(_ path: String) {
        guard !path.isEmpty, path != "/" else { return }
        _ = try? run(["rm", "-rf", "--", path], stdoutPath: "/dev/null")
    }

    /// Flushes dirty pages (untimed) so one store build's writeback does not slow the next
    /// case down.
    static func sync() {
        Glibc.sync()
    }
}
