import Foundation

/// How a child process ended and what it printed.
public struct ProcessOutcome: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// Killed with SIGKILL after the timeout.
    public let timedOut: Bool
    /// Ended by a signal (then `status` is the signal number).
    public let signalled: Bool

    public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// A started child process for tests and tools: stdin is /dev/null, stdout and stderr are
/// drained while it runs (a chatty child would otherwise block on a full pipe), and `wait`
/// kills it after a timeout.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let out = Pipe(), err = Pipe()
    private var outData = Data(), errData = Data()
    private let group = DispatchGroup()

    /// `environment` is added to this process's own.
    public init(_ executable: String, _ args: [String], environment: [String: String] = [:], cwd: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        group.enter()
        DispatchQueue.global().async { self.outData = self.out.fileHandleForReading.readDataToEndOfFile(); self.group.leave() }
        group.enter()
        DispatchQueue.global().async { self.errData = self.err.fileHandleForReading.readDataToEndOfFile(); self.group.leave() }
    }

    public func wait(timeout: TimeInterval) -> ProcessOutcome {
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(2000)
        }
        process.waitUntilExit()
        group.wait()
        return ProcessOutcome(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                              stderr: String(decoding: errData, as: UTF8.self), timedOut: timedOut,
                              signalled: process.terminationReason == .uncaughtSignal)
    }

    /// Starts `executable` and waits for it.
    public static func run(_ executable: String, _ args: [String], timeout: TimeInterval,
                           environment: [String: String] = [:], cwd: String? = nil) throws -> ProcessOutcome {
        try ChildProcess(executable, args, environment: environment, cwd: cwd).wait(timeout: timeout)
    }
}
