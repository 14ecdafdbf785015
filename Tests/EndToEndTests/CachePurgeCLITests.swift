import Foundation
import OmioFixtures
import Testing

/// `cache list` / `cache purge` through the binary, including a purge that fails half way.
@Suite(.serialized)
struct CachePurgeCLITests {
    func folderWithTwoStores() throws -> String {
        let dir = TestPaths.tempDir()
        for name in ["rgb.tif", "multipage_T5.tif"] {
            try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/" + name, toPath: dir + "/" + name)
            let r = try BinaryRunner.run(["cache", "build", dir + "/" + name])
            #expect(r.status == 0, "\(r.stderr)")
        }
        return dir
    }

    @Test func listJSONHasTheDocumentedFields() throws {
        let dir = try folderWithTwoStores()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try BinaryRunner.run(["cache", "list", dir, "--json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count == 2)
        for e in entries {
            for key in ["path", "source", "bytes", "state", "kind", "built", "last_used"] { #expect(e[key] != nil, "\(key)") }
            #expect(e["state"] as? String == "complete" && e["kind"] as? String == "store")
        }
        let recursive = try BinaryRunner.run(["cache", "list", (dir as NSString).deletingLastPathComponent, "--recursive", "--json"])
        #expect(recursive.stdout.contains(dir + "/.omio_cache/rgb.tif.ome.zarr"))
    }

    @Test func purgeDryRunYesAndRefusal() throws {
        let dir = try folderWithTwoStores()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dry = try BinaryRunner.run(["cache", "purge", dir, "--all", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("would remove") && FileManager.default.fileExists(atPath: dir + "/.omio_cache"))
        let noTTY = try BinaryRunner.run(["cache", "purge", dir + "/rgb.tif"])
        #expect(noTTY.status == 1 && noTTY.stderr.contains("--yes"))
        let one = try BinaryRunner.run(["cache", "purge", dir + "/rgb.tif", "--yes"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/.omio_cache/rgb.tif.ome.zarr"))
        #expect(FileManager.default.fileExists(atPath: dir + "/.omio_cache/multipage_T5.tif.ome.zarr"))
        let bad = try BinaryRunner.run(["cache", "purge", dir, "--yes"])
        #expect(bad.status == 1 && bad.stderr.contains("--all or --stale"))
    }

    /// One store cannot be deleted (another user owns it): the purge reports what it removed
    /// and what it could not, with status 1; sources stay.
    @Test func failureHalfWayIsReported() throws {
        let dir = try folderWithTwoStores()
        defer {
            _ = try? BinaryRunner.runTool("/bin/chmod", ["-R", "u+w", dir])
            try? FileManager.default.removeItem(atPath: dir)
        }
        let stuck = dir + "/.omio_cache/rgb.tif.ome.zarr"
        let r: BinaryRunner.Result
        if getuid() == 0 {
            // Root deletes anything: purge as nobody, who owns all but the stuck store.
            _ = try BinaryRunner.runTool("/bin/chown", ["-R", "65534:65534", dir])
            _ = try BinaryRunner.runTool("/bin/chown", ["-R", "0:0", stuck])
            r = try BinaryRunner.runTool("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                               BinaryRunner.binary, "cache", "purge", dir, "--all", "--yes"])
        } else {
            _ = try BinaryRunner.runTool("/bin/chmod", ["a-w", stuck])
            r = try BinaryRunner.run(["cache", "purge", dir, "--all", "--yes"])
        }
        #expect(r.status == 1)
        #expect(r.stderr.contains("not removed"), "\(r.stderr)")
        #expect(r.stdout.contains("removed: ") && r.stdout.contains("multipage_T5.tif.ome.zarr"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/.omio_cache/multipage_T5.tif.ome.zarr"))
        #expect(FileManager.default.fileExists(atPath: dir + "/rgb.tif") && FileManager.default.fileExists(atPath: dir + "/multipage_T5.tif"))
    }
}
