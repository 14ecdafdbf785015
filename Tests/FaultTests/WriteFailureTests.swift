import Foundation
import Testing

/// Writes that fail: a file-size limit (ulimit -f, SIGXFSZ ignored so write() returns EFBIG)
/// and read-only folders (as the unprivileged user nobody, which root reaches through setpriv).
/// Each failure is reported with status 1 and one error line, no store passes as complete
/// afterwards, and the source keeps its bytes. A folder that is not writable sends the store to
/// the user cache dir, and the tool says so.
@Suite("Write failures", .serialized)
struct WriteFailureTests {
    static let sample = "hyperstack_T3_Z5_C2.tif" // 30 planes of 144x112 uint16 (32 KB each)

    /// A folder holding a copy of the sample; returns (folder, file).
    static func copySample(into dir: String) throws -> String {
        let path = dir + "/" + sample
        try FileManager.default.copyItem(atPath: FaultPaths.exampleData + "/" + sample, toPath: path)
        chmod(path, 0o644)
        return path
    }

    /// `sh -c 'trap "" XFSZ; ulimit -f BLOCKS; exec BINARY ARGS'`.
    static func limited(blocks: Int) -> [String] {
        ["/bin/sh", "-c", "trap '' XFSZ; ulimit -f \(blocks); exec \"$0\" \"$@\""]
    }

    static func expectNothingComplete(_ folder: String, _ what: String, environment: [String: String] = [:],
                                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let entries = try cacheEntries(folder, environment: environment)
        let complete = entries.filter { $0.state == "complete" }
        #expect(complete.isEmpty, "\(what): a store passes as complete: \(complete.map(\.path))", sourceLocation: sourceLocation)
    }

    @Test("cache build under a file-size limit fails cleanly and leaves no complete store",
          arguments: [1, 16])
    func buildUnderFileSizeLimit(blocks: Int) throws {
        // 1 block (512 B): the first metadata file cannot be written. 16 blocks (8 KB): the
        // metadata fits, the uncompressed 32 KB chunks do not.
        let dir = FaultPaths.tempDir("ulimit")
        defer { FaultPaths.remove(dir) }
        let file = try Self.copySample(into: dir)
        let before = fileBytes(file)

        let r = try Run.tool(via: Self.limited(blocks: blocks), ["cache", "build", file, "--compression", "none"], timeout: 30)
        expectCleanOutcome(r, "cache build under ulimit -f \(blocks)")
        #expect(r.status == 1, "cache build under ulimit -f \(blocks) did not fail: \(r.stdout) \(r.stderr)")
        try Self.expectNothingComplete(dir, "ulimit -f \(blocks)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/.omio_cache/\(Self.sample).ome.zarr"), "a store was left under the final name")
        #expect(fileBytes(file) == before, "the source changed")
        let stray = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0 != Self.sample && $0 != ".omio_cache" }
        #expect(stray.isEmpty, "files left beside the source: \(stray)")

        // Without the limit the next build completes.
        let again = try Run.tool(["cache", "build", file, "--compression", "none"], timeout: 30)
        #expect(again.status == 0, "rebuild after the failure: \(again.stderr)")
        let entries = try cacheEntries(dir)
        #expect(entries.filter { $0.state == "complete" }.count == 1, "after the rebuild: \(entries)")
    }

    @Test("slice under a file-size limit fails cleanly and leaves no output")
    func sliceUnderFileSizeLimit() throws {
        let dir = FaultPaths.tempDir("ulimit")
        defer { FaultPaths.remove(dir) }
        let file = try Self.copySample(into: dir)
        let before = fileBytes(file)
        let out = dir + "/plane.npy"
        let r = try Run.tool(via: Self.limited(blocks: 16), ["slice", file, "--t", "1", "--c", "1", "-o", out])
        expectCleanOutcome(r, "slice under ulimit -f 16")
        #expect(r.status == 1, "slice under ulimit -f 16 did not fail")
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0 != Self.sample }
        #expect(left.isEmpty, "slice left \(left)")
        #expect(fileBytes(file) == before, "the source changed")
    }

    @Test("cache build into read-only folders as an unprivileged user fails cleanly",
          .enabled(if: Unprivileged.available, "needs setpriv to drop root"))
    func buildIntoReadOnlyFolders() throws {
        let dir = FaultPaths.tempDir("readonly")
        defer { FaultPaths.remove(dir) }
        let data = dir + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let file = try Self.copySample(into: data)
        let before = fileBytes(file)
        let readOnly = dir + "/ro", xdg = dir + "/xdg-ro"
        for d in [readOnly, xdg] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        for d in [data, readOnly, xdg] { chmod(d, 0o555) }
        let env = ["XDG_CACHE_HOME": xdg, "HOME": xdg]

        // An explicit --cache-dir that cannot be written.
        let explicit = try Unprivileged.tool(["cache", "build", file, "--cache-dir", readOnly], environment: env)
        expectCleanOutcome(explicit, "cache build --cache-dir <read-only>")
        #expect(explicit.status == 1, "cache build into a read-only --cache-dir did not fail: \(explicit.stderr)")

        // The file's folder and the user cache dir both read-only: nowhere to go.
        let nowhere = try Unprivileged.tool(["cache", "build", file], environment: env)
        expectCleanOutcome(nowhere, "cache build with no writable cache folder")
        #expect(nowhere.status == 1, "cache build with no writable folder did not fail: \(nowhere.stderr)")

        for folder in [data, readOnly, xdg] {
            try Self.expectNothingComplete(folder, "read-only \(folder)")
            let contents = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0 != Self.sample }
            #expect(contents.isEmpty, "\(folder) gained \(contents)")
        }
        #expect(fileBytes(file) == before, "the source changed")
    }

    @Test("a folder that is not writable sends the store to XDG_CACHE_HOME and says so",
          .enabled(if: Unprivileged.available, "needs setpriv to drop root"))
    func fallbackToUserCache() throws {
        let dir = FaultPaths.tempDir("fallback")
        defer { FaultPaths.remove(dir) }
        let data = dir + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let file = try Self.copySample(into: data)
        let before = fileBytes(file)
        chmod(data, 0o555)
        let xdg = dir + "/xdg"
        try FileManager.default.createDirectory(atPath: xdg, withIntermediateDirectories: true)
        Unprivileged.own(xdg)
        let env = ["XDG_CACHE_HOME": xdg, "HOME": xdg]

        let r = try Unprivileged.tool(["cache", "build", file], environment: env, timeout: 30)
        expectCleanOutcome(r, "cache build from a read-only folder")
        try #require(r.status == 0, "cache build from a read-only folder failed: \(r.stderr)")
        let store = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(store.hasPrefix(xdg + "/omio-tui/"), "the store went to \(store), not under \(xdg)/omio-tui")
        #expect(r.stderr.contains("not writable") && r.stderr.contains(xdg + "/omio-tui/"),
                "no notice of the fallback on stderr: \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data + "/.omio_cache"), "a cache folder appeared in the read-only folder")
        let entries = try cacheEntries(xdg + "/omio-tui")
        #expect(entries.count == 1 && entries.first?.state == "complete" && entries.first?.path == store,
                "cache list of the fallback folder: \(entries)")

        // The next build finds it there and reuses it.
        let again = try Unprivileged.tool(["cache", "build", file], environment: env, timeout: 30)
        #expect(again.status == 0 && again.stderr.contains("reused"), "second build: \(again.stderr)")
        #expect(fileBytes(file) == before, "the source changed")
    }
}
