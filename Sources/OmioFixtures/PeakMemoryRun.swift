import Foundation

/// A child run whose peak resident memory is known: spawned with posix_spawn, its VmHWM polled
/// from /proc while it runs (else wait4's rusage for that one child). (Foundation's Process reaps its children
/// itself, and RUSAGE_CHILDREN is the maximum over every child this test process ever had,
/// parallel tests' included.)
public struct PeakMemoryRun: Sendable {
    public let status: Int32
    public let signalled: Bool
    public let timedOut: Bool
    public let stderr: String
    /// ru_maxrss of the child, in bytes.
    public let peakBytes: Int

    public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    public var peakMB: Int { peakBytes >> 20 }

    /// Runs `executable args` with stdin and stdout on /dev/null and stderr captured.
    public static func run(_ executable: String, _ args: [String], timeout: TimeInterval,
                           environment: [String: String] = [:]) throws -> PeakMemoryRun {
        let errPath = NSTemporaryDirectory() + "/omio-peak-\(UUID().uuidString).err"
        defer { unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        let argv = ([executable] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw NSError(domain: "posix_spawn", code: Int(rc)) }

        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        var highWater = 0
        while true {
            highWater = max(highWater, residentHighWater(pid))
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0, errno != EINTR { throw NSError(domain: "wait4", code: Int(errno)) }
            if !timedOut, Date() > deadline {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(5000)
        }
        // WIFSIGNALED / WTERMSIG / WEXITSTATUS are macros Swift does not import.
        let signal = status & 0x7F
        let signalled = signal != 0 && signal != 0x7F
        return PeakMemoryRun(status: signalled ? signal : (status >> 8) & 0xFF, signalled: signalled, timedOut: timedOut,
                             stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                             peakBytes: highWater > 0 ? highWater : usage.ru_maxrss * 1024)
    }

    /// VmHWM of a running process, 0 when unknown. Preferred to ru_maxrss: posix_spawn shares
    /// the parent's memory until exec, and Linux carries that high-water mark across exec into
    /// the child's ru_maxrss, so a child of a 350 MB test process "peaked" at 359 MB while using
    /// 55. The mark is monotonic, and polled every few ms until the child exits.
    static func residentHighWater(_ pid: pid_t) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kb * 1024
    }
}
