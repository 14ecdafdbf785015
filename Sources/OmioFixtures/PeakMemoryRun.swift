import Foundation

/// A child run whose peak resident memory is known: spawned with posix_spawn and reaped with
/// wait4, which hands back that one child's rusage. (Foundation's Process reaps its children
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
        while true {
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
                             peakBytes: usage.ru_maxrss * 1024)
    }
}
