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

    /// An OME-Zarr is read in place: `cache build` of one refuses in one line and writes no
    /// `<store>.ome.zarr` copy (nor a `.omio_cache` folder) beside it.
    @Test func buildOfAnOMEZarrStoreBuildsNoCopy() throws {
        let dir = try folderWithTwoStores()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = dir + "/sub/v3.ome.zarr"
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir + "/.omio_cache/rgb.tif.ome.zarr", toPath: store)
        let r = try BinaryRunner.run(["cache", "build", store])
        #expect(r.status == 1)
        #expect(r.stderr == "omio-tui: error: \(store): is an OME-Zarr store already; omio-tui reads it in place, nothing to build\n")
        #expect(r.stdout.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/sub") == ["v3.ome.zarr"])
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

    /// A store whose lock file is held shared (what a napari window showing it does) is listed
    /// as "in use (napari)", in the table and in --json; the other store is unaffected.
    @Test func listShowsAStoreANapariWindowHolds() throws {
        let dir = try folderWithTwoStores()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = dir + "/.omio_cache/rgb.tif.ome.zarr"
        let fd = open(store + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        #expect(fd >= 0 && flock(fd, LOCK_SH) == 0)
        defer { close(fd) }
        let table = try BinaryRunner.run(["cache", "list", dir])
        #expect(table.status == 0, "\(table.stderr)")
        let row = table.stdout.split(separator: "\n").first { $0.hasSuffix("rgb.tif.ome.zarr") }
        #expect(row?.hasPrefix("in use (napari)  store") == true, "\(table.stdout)")
        let other = table.stdout.split(separator: "\n").first { $0.hasSuffix("multipage_T5.tif.ome.zarr") }
        #expect(other?.hasPrefix("complete ") == true, "\(table.stdout)")
        let json = try BinaryRunner.run(["cache", "list", dir, "--json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let shown = try #require(entries.first { ($0["path"] as? String) == store })
        #expect(shown["state"] as? String == "in use (napari)" && shown["in_napari"] as? Bool == true)
        #expect(entries.first { ($0["path"] as? String) != store }?["state"] as? String == "complete")
    }

    /// `cache build` of a store an open napari window shows (stale after a correction) asks the
    /// window to let go first, as the TUI does; without that the build waits on the window's
    /// shared lock. The window is a stand-in: a Python process holding the lock shared and
    /// answering the launcher's socket protocol (`release` → drop the lock, reply `released`).
    @Test func buildReleasesAStoreANapariWindowShows() throws {
        let dir = try folderWithTwoStores()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/rgb.tif", store = dir + "/.omio_cache/rgb.tif.ome.zarr"
        #expect(try BinaryRunner.run(["set", file, "PhysicalSizeX=2"]).status == 0) // the store is now stale
        let socketPath = dir + "/napari.sock", asked = dir + "/asked"
        let window = try ChildProcess("/usr/bin/env", ["python3", "-c", """
            import fcntl, json, os, socket, sys
            lock = open(sys.argv[1]); fcntl.flock(lock, fcntl.LOCK_SH)
            server = socket.socket(socket.AF_UNIX); server.bind(sys.argv[2]); server.listen(1)
            open(sys.argv[3] + ".ready", "w").close()
            conn, _ = server.accept()
            request = json.loads(conn.makefile().readline())
            open(sys.argv[3], "w").write(json.dumps(request))
            lock.close()
            conn.sendall(b'{"released": 1}\\n')
            """, store + ".lock", socketPath, asked])
        defer {
            kill(window.process.processIdentifier, SIGKILL)
            _ = window.wait(timeout: 5)
        }
        for _ in 0..<250 where !FileManager.default.fileExists(atPath: asked + ".ready") { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: asked + ".ready"), "the stand-in window started")
        let build = try BinaryRunner.run(["cache", "build", file], timeout: 15, environment: ["OMIO_NAPARI_SOCKET": socketPath])
        #expect(build.status == 0 && !build.timedOut, "the build waited on the window: \(build.stderr)")
        let request = try String(contentsOfFile: asked, encoding: .utf8)
        #expect(request.contains("release") && request.contains("rgb.tif.ome.zarr"), "\(request)")
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
        #expect(bad.status == 64 && bad.stderr.contains("--all or --stale"))
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
