import Foundation
import OmioFormats

/// Where the test data live (for tests and tools): this repository's example_data and the
/// shared corpora beside it.
public enum TestPaths {
    public static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() } // Sources/OmioFixtures/TestPaths.swift
        return url.path
    }()

    public static var exampleData: String { repoRoot + "/example_data" }

    /// The built `omio-tui`: `$OMIO_TUI_BIN` (set by `make test`), else the binary beside the
    /// test bundle, else .build/debug.
    public static let omioTUIBinary: String = {
        if let p = ProcessInfo.processInfo.environment["OMIO_TUI_BIN"], FileManager.default.isExecutableFile(atPath: p) { return p }
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [bundleDir, bundleDir.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("omio-tui").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return repoRoot + "/.build/debug/omio-tui"
    }()

    /// The shared corpus: $OMIO_CORPUS, else ../shared/corpus beside the checkout, else
    /// /work/shared/corpus (a clone elsewhere on the same machine).
    public static let corpus: String = {
        let candidates = [ProcessInfo.processInfo.environment["OMIO_CORPUS"], repoRoot + "/../shared/corpus", "/work/shared/corpus"]
        for c in candidates.compactMap({ $0 }) where FileManager.default.fileExists(atPath: c + "/real/reference.json") {
            return LexicalPath.absolute(c) // by its text, as every path omio-tui places things by
        }
        return "/nonexistent: the shared corpus was not found (set OMIO_CORPUS)"
    }()

    public static func real(_ name: String) -> String { corpus + "/real/" + name }

    public static func files(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { dir + "/" + $0 }
    }

    /// A fresh temporary folder, removed by the caller's defer.
    public static func tempDir() -> String {
        let p = NSTemporaryDirectory() + "omio-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}
