import Foundation
import OmioFixtures
import Testing

/// A `slice -o x.ome.zarr` is the user's file, written through the store builder: `cache list`
/// never shows it and `cache purge` (--stale, --all) never deletes it, next to the data, inside
/// a `.omio_cache` or in a --cache-dir folder. Slicing to the same name again still replaces it.
@Suite(.serialized)
struct SliceOutputNotCacheCLITests {
    static let stack = TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif" // T3 Z5 C2

    /// The first axis of level 0's shape, from the store's own metadata.
    func timePoints(_ store: String) throws -> Int? {
        let data = try #require(FileManager.default.contents(atPath: store + "/0/zarr.json"))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (json?["shape"] as? [Int])?.first
    }

    @Test func cacheListAndPurgeLeaveSliceOutputs() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Self.stack, toPath: dir + "/stack.tif")
        let outputs = ["cl.ome.zarr", ".omio_cache/in-cache.ome.zarr"]
        try FileManager.default.createDirectory(atPath: dir + "/.omio_cache", withIntermediateDirectories: true)
        for out in outputs {
            let r = try BinaryRunner.run(["slice", "stack.tif", "--t", "1:3", "-o", out], cwd: dir)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try timePoints(dir + "/" + out) == 2)
        }
        // A real cache store beside them: the purges below do run, and remove that.
        #expect(try BinaryRunner.run(["cache", "build", "stack.tif"], cwd: dir).status == 0)
        let cacheStore = dir + "/.omio_cache/stack.tif.ome.zarr"

        let list = try BinaryRunner.run(["cache", "list", ".", "--json"], cwd: dir)
        #expect(list.status == 0, "\(list.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(entries.compactMap { $0["path"] as? String }.map { ($0 as NSString).lastPathComponent } == ["stack.tif.ome.zarr"], "\(list.stdout)")
        let table = try BinaryRunner.run(["cache", "list", dir + "/.omio_cache"])
        #expect(!table.stdout.contains("in-cache.ome.zarr"), "\(table.stdout)")

        let stale = try BinaryRunner.run(["cache", "purge", ".", "--stale", "--yes"], cwd: dir)
        #expect(stale.status == 0, "\(stale.stderr)")
        let all = try BinaryRunner.run(["cache", "purge", ".", "--all", "--yes"], cwd: dir)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cacheStore), "the cache store is purged")
        for out in outputs {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + out + "/zarr.json"), "\(out) survived the purges")
        }

        // The same output again is replaced (it is provably ours), with the new selection.
        let again = try BinaryRunner.run(["slice", "stack.tif", "--t", "0", "-o", "cl.ome.zarr"], cwd: dir)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try timePoints(dir + "/cl.ome.zarr") == 1)
    }

    /// A folder used as --cache-dir: its cache stores are purged, a slice output in it is not.
    @Test func cacheDirFolderKeepsSliceOutputs() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Self.stack, toPath: dir + "/stack.tif")
        let cacheDir = dir + "/caches"
        try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
        #expect(try BinaryRunner.run(["cache", "build", "stack.tif", "--cache-dir", cacheDir], cwd: dir).status == 0)
        #expect(try BinaryRunner.run(["slice", "stack.tif", "--z", "0:2", "-o", cacheDir + "/z.ome.zarr"], cwd: dir).status == 0)
        let list = try BinaryRunner.run(["cache", "list", cacheDir])
        #expect(!list.stdout.contains("z.ome.zarr") && list.stdout.contains("stack.tif.ome.zarr"), "\(list.stdout)")
        let purge = try BinaryRunner.run(["cache", "purge", cacheDir, "--all", "--yes"])
        #expect(purge.status == 0, "\(purge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cacheDir + "/stack.tif.ome.zarr"))
        #expect(FileManager.default.fileExists(atPath: cacheDir + "/z.ome.zarr/zarr.json"))
    }
}
