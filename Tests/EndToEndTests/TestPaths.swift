import Foundation

/// Where the test data live: this repository's example_data and the shared corpora beside it.
enum TestPaths {
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() } // Tests/EndToEndTests/TestPaths.swift
        return url.path
    }()

    static var exampleData: String { repoRoot + "/example_data" }

    /// The shared corpus: $OMIO_CORPUS, else ../shared/corpus beside the checkout, else
    /// /work/shared/corpus (a clone elsewhere on the same machine).
    static let corpus: String = {
        let candidates = [ProcessInfo.processInfo.environment["OMIO_CORPUS"], repoRoot + "/../shared/corpus", "/work/shared/corpus"]
        for c in candidates.compactMap({ $0 }) where FileManager.default.fileExists(atPath: c + "/real/reference.json") {
            return (c as NSString).standardizingPath
        }
        return "/nonexistent: the shared corpus was not found (set OMIO_CORPUS)"
    }()

    static func real(_ name: String) -> String { corpus + "/real/" + name }

    static func files(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { dir + "/" + $0 }
    }

    /// A fresh temporary folder, removed by the caller's defer.
    static func tempDir() -> String {
        let p = NSTemporaryDirectory() + "omio-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}
