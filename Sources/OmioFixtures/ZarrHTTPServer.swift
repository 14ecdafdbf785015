import Foundation

/// Tests/python/zarr_http_server.py run as a child process: a folder served on 127.0.0.1 with
/// injected latency and faults (see the script for its options). For the remote-store tests
/// and the bench. `stop()` (or deinit) ends the child it started, by its pid.
public final class ZarrHTTPServer: @unchecked Sendable {
    public let port: Int
    public var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }
    private let scheme: String
    private let process = Process()

    /// The Python that runs the server: the repository's `.venv` (which also has zarr for
    /// making stores), else python3 on PATH; nil when neither exists.
    public static var python: String? {
        let venv = TestPaths.repoRoot + "/.venv/bin/python"
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/python3"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    public static let script = TestPaths.repoRoot + "/Tests/python/zarr_http_server.py"

    /// Serves `folder` with the script's `options` (e.g. ["--latency", "50"]); waits until it listens.
    public init(folder: String, options: [String] = []) throws {
        guard let python = Self.python else { throw ServerError("no python3 to run the test server") }
        scheme = options.contains("--tls") ? "https" : "http"
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.script, folder] + options
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.standardError
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // The first line is "PORT <n>"; read it byte by byte (a buffered read could wait for more).
        var line: [UInt8] = []
        let fd = out.fileHandleForReading.fileDescriptor
        var byte: UInt8 = 0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, read(fd, &byte, 1) == 1, byte != 0x0A { line.append(byte) }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw ServerError("the test server did not start: \(text)")
        }
        self.port = port
        // Nothing more is printed, but drain anyway so the child never blocks on a full pipe.
        DispatchQueue.global().async { _ = out.fileHandleForReading.readDataToEndOfFile() }
    }

    deinit { stop() }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    public struct Stats: Decodable {
        public let requests: Int
        public let bytes: Int
        public let paths: [String: Int]
        public let max_in_flight: Int
    }

    /// The server's request counts (GET /__stats, not counted itself).
    public func stats() throws -> Stats {
        let fetch = "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())"
        let r = try ChildProcess.run(Self.python ?? "/usr/bin/python3", ["-c", fetch, baseURL + "/__stats"], timeout: 30)
        return try JSONDecoder().decode(Stats.self, from: Data(r.stdout.utf8))
    }

    public struct ServerError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }
}
