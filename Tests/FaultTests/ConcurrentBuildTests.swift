import Foundation
import OmioFormats
import Testing

/// Several processes building the same store at once: one builds, the others wait on the lock
/// and reuse its result; the store is the same, file for file, as one built alone.
@Suite("Concurrent store builds")
struct ConcurrentBuildTests {
    /// A 48-plane 384x384 uint16 ImageJ stack (14 MB): big enough that the builds overlap.
    static func writeStack(_ path: String) throws {
        var w = ImageJTIFFWriter(shape: Shape(t: 1, z: 48, c: 1, y: 384, x: 384), dtype: .uint16)
        w.pixelSize = 0.5
        w.spacing = 2
        try w.write(to: path) { k in
            var state = UInt32(0x9E37_79B9) &+ UInt32(k) &* 0x85EB_CA6B
            return (0..<(384 * 384 * 2)).map { _ in
                state = state &* 1_664_525 &+ 1_013_904_223
                return UInt8(truncatingIfNeeded: state >> 24)
            }
        }
    }

    /// A store's files, with the zarr.json documents parsed and their build times removed.
    static func comparable(_ store: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for (name, data) in folderContents(store) {
            if name.hasSuffix("zarr.json") || name.hasSuffix(".zattrs") || name.hasSuffix(".zgroup") || name.hasSuffix(".zarray") {
                out[name] = Data(normalizedJSON(data).utf8)
            } else {
                out[name] = data
            }
        }
        return out
    }

    static func normalizedJSON(_ data: Data) -> String {
        func strip(_ v: Any) -> Any {
            if var d = v as? [String: Any] {
                d.removeValue(forKey: "built")
                return d.mapValues(strip)
            }
            if let a = v as? [Any] { return a.map(strip) }
            return v
        }
        guard let v = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let out = try? JSONSerialization.data(withJSONObject: strip(v), options: [.sortedKeys, .fragmentsAllowed])
        else { return "unparseable: \(String(decoding: data, as: UTF8.self))" }
        return String(decoding: out, as: UTF8.self)
    }

    @Test("three builds of one store at once: one builds, the others reuse; the store is correct")
    func threeAtOnce() throws {
        let dir = FaultPaths.tempDir("concurrent")
        defer { FaultPaths.remove(dir) }
        let file = dir + "/stack.tif"
        try Self.writeStack(file)
        let before = fileBytes(file)

        let started = try (0..<3).map { _ in try Run.Started(FaultPaths.binary, ["cache", "build", file], environment: Run.quiet) }
        let runs = started.map { $0.wait(timeout: 60) }
        for (i, r) in runs.enumerated() { expectCleanOutcome(r, "concurrent build \(i)") }
        try #require(runs.allSatisfy { $0.status == 0 }, "a concurrent build failed: \(runs.map(\.stderr))")

        let paths = Set(runs.map { $0.stdout.split(separator: "\n").last.map(String.init) ?? "" })
        #expect(paths.count == 1, "the builds printed different stores: \(paths)")
        let store = try #require(paths.first)
        let built = runs.filter { $0.stderr.contains("omio-tui: built ") }.count
        let reused = runs.filter { $0.stderr.contains("omio-tui: reused ") }.count
        #expect(built == 1 && reused == 2, "expected one build and two reuses, got \(built) and \(reused): \(runs.map(\.stderr))")

        let entries = try cacheEntries(dir)
        #expect(entries.count == 1 && entries.first?.state == "complete" && entries.first?.building == false,
                "cache list after the builds: \(entries)")
        let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/.omio_cache")) ?? [])
            .filter { $0.hasSuffix(".partial") || $0.contains(".old-") || $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "leftovers in .omio_cache: \(leftovers)")

        // The same store built alone, elsewhere, is the same file for file.
        let reference = dir + "/reference"
        let alone = try Run.tool(["cache", "build", file, "--cache-dir", reference], timeout: 60)
        try #require(alone.status == 0, "reference build failed: \(alone.stderr)")
        let a = Self.comparable(store), b = Self.comparable(reference + "/stack.tif.ome.zarr")
        #expect(!a.isEmpty && a.keys.sorted() == b.keys.sorted(), "the stores hold different files: \(Set(a.keys).symmetricDifference(b.keys).sorted().prefix(10))")
        let differing = a.keys.filter { a[$0] != b[$0] }.sorted()
        #expect(differing.isEmpty, "files differ from a store built alone: \(differing.prefix(10))")
        #expect(fileBytes(file) == before, "the source changed")
    }
}
