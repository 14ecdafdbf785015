import Foundation
import OmioFixtures

/// Runs the built `omio-tui` binary and captures what it printed.
struct BinaryRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        let timedOut: Bool
        let signalled: Bool
    }

    /// `$OMIO_TUI_BIN` (set by `make test`), else the binary beside the test bundle.
    static let binary: String = {
        if let p = ProcessInfo.processInfo.environment["OMIO_TUI_BIN"], FileManager.default.isExecutableFile(atPath: p) { return p }
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [bundleDir, bundleDir.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("omio-tui").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return TestPaths.repoRoot + "/.build/debug/omio-tui"
    }()

    static func run(_ args: [String], timeout: TimeInterval = 20, environment: [String: String] = [:], cwd: String? = nil) throws -> Result {
        try runTool(binary, args, timeout: timeout, environment: environment, cwd: cwd)
    }

    /// Any program (chown, setpriv...) with the same capture and timeout.
    static func runTool(_ tool: String, _ args: [String], timeout: TimeInterval = 20, environment: [String: String] = [:], cwd: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Drain both pipes while waiting, or a chatty child blocks on a full pipe.
        let outData = Collected(), errData = Collected()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outData.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while p.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(p.processIdentifier, SIGKILL)
                break
            }
            usleep(2000)
        }
        p.waitUntilExit()
        group.wait()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData.data, as: UTF8.self),
                      stderr: String(decoding: errData.data, as: UTF8.self), timedOut: timedOut,
                      signalled: p.terminationReason == .uncaughtSignal)
    }
}

/// Output gathered on a reader thread; read only after the group is waited on.
private final class Collected: @unchecked Sendable {
    var data = Data()
}
