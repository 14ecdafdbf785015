import Foundation
import OmioFixtures

/// Runs the built `omio-tui` binary and captures what it printed.
enum BinaryRunner {
    typealias Result = ProcessOutcome

    static var binary: String { TestPaths.omioTUIBinary }

    static func run(_ args: [String], timeout: TimeInterval = 20, environment: [String: String] = [:], cwd: String? = nil) throws -> Result {
        try runTool(binary, args, timeout: timeout, environment: environment, cwd: cwd)
    }

    /// Any program (chown, setpriv...) with the same capture and timeout.
    static func runTool(_ tool: String, _ args: [String], timeout: TimeInterval = 20, environment: [String: String] = [:], cwd: String? = nil) throws -> Result {
        try ChildProcess.run(tool, args, timeout: timeout, environment: environment, cwd: cwd)
    }
}
