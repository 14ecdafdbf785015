import Foundation
import OmioFixtures
import Testing

/// Everything made for a file sits beside the path as given (a symlinked image's beside the
/// link), and every store omio-tui made can be listed and purged: `--cache-dir` folders and the
/// fallback cache too. Folder walks end on symlink loops.
@Suite(.serialized)
struct PlacementCLITests {
    /// `dir/some/link.tif` -> `dir/data/target.tif` (an absolute link), `dir/some/neighbour.tif`.
    static func linkedImage() throws -> String {
        let dir = TestPaths.tempDir()
        for sub in ["data", "some"] { try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/wrong_spacing_Z8.tif", toPath: dir + "/data/target.tif")
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/rgb.tif", toPath: dir + "/some/neighbour.tif")
        try FileManager.default.createSymbolicLink(atPath: dir + "/some/link.tif", withDestinationPath: dir + "/data/target.tif")
        return dir
    }

    static func listJSON(_ args: [String], cwd: String? = nil, environment: [String: String] = [:]) throws -> [[String: Any]] {
        let r = try BinaryRunner.run(["cache", "list"] + args + ["--json"], environment: environment, cwd: cwd)
        #expect(r.status == 0, "\(r.stderr)")
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    @Test func aSymlinkedImageKeepsEverythingBesideTheLink() throws {
        let dir = try Self.linkedImage()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let set = try BinaryRunner.run(["set", "some/link.tif", "PhysicalSizeZ=5"], cwd: dir)
        #expect(set.status == 0, "\(set.stderr)")
        let build = try BinaryRunner.run(["cache", "build", "some//./link.tif"], cwd: dir)
        #expect(build.status == 0, "\(build.stderr)")
        let store = dir + "/some/.omio_cache/link.tif.ome.zarr"
        #expect(build.stdout == store + "\n")
        let napari = try BinaryRunner.run(["napari", "some/link.tif", "--no-launch"], cwd: dir)
        #expect(napari.stdout == dir + "/some/.omio_cache/link.tif.napari.py\n", "\(napari.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/some/link.tif.omio.json"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/data") == ["target.tif"], "nothing beside the target")
        // The manifest records the path as given; the source is stat'ed through the link: complete.
        let manifest = try String(contentsOfFile: store + "/zarr.json", encoding: .utf8)
        #expect(manifest.contains("\"source_path\" : \"\(dir)/some/link.tif\"") || manifest.contains("\"source_path\": \"\(dir)/some/link.tif\""), "\(manifest)")
        let listed = try Self.listJSON(["some/"], cwd: dir)
        let stores = listed.filter { $0["kind"] as? String == "store" }
        #expect(stores.map { $0["path"] as? String } == [store])
        #expect(stores.first?["state"] as? String == "complete")
        #expect(stores.first?["source"] as? String == dir + "/some/link.tif")
        #expect(listed.contains { $0["path"] as? String == dir + "/some/.omio_cache/link.tif.napari.py" })
        let purge = try BinaryRunner.run(["cache", "purge", "some/link.tif", "--yes"], cwd: dir)
        #expect(purge.status == 0 && purge.stdout.contains(store), "\(purge.stdout)\(purge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store))
        #expect(!FileManager.default.fileExists(atPath: dir + "/some/.omio_cache/link.tif.napari.py"))
        #expect(FileManager.default.fileExists(atPath: dir + "/some/link.tif.omio.json"), "sidecars are never purged")
    }

    /// `x/in/../a.tif` with `x/in` a link to `real/inner`: the kernel reads `real/a.tif`, the
    /// tidied text names `x/a.tif`. Reading one file and placing its sidecar and store by another's
    /// name is refused in one line, by every command and the inspector; nothing is written.
    @Test func dotDotAfterALinkedFolderIsRefused() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for sub in ["x", "real/inner"] { try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/wrong_spacing_Z8.tif", toPath: dir + "/real/a.tif")
        try FileManager.default.createSymbolicLink(atPath: dir + "/x/in", withDestinationPath: dir + "/real/inner")
        let given = "x/in/../a.tif"
        for args in [["set", given, "PhysicalSizeZ=4"], ["cache", "build", given], ["info", given], [given]] {
            let r = try BinaryRunner.run(args, cwd: dir)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr == "omio-tui: error: \(given): '..' after a symbolic link leads to another folder; give the path without '..'\n",
                    "\(args): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/x") == ["in"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/real").sorted() == ["a.tif", "inner"])
        // A `..` that stays on the same file is fine.
        let plain = try BinaryRunner.run(["info", "real/inner/../a.tif"], cwd: dir)
        #expect(plain.status == 0, "\(plain.stderr)")
    }

    /// `omio-tui some/link.tif` browses `some/` with the link selected and its correction shown.
    @Test func openingALinkBrowsesItsGivenFolder() throws {
        let dir = try Self.linkedImage()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try BinaryRunner.run(["set", "some/link.tif", "PhysicalSizeZ=5"], cwd: dir).status == 0)
        let tmux = try TmuxSession(command: BinaryRunner.binary + " some/link.tif", in: dir)
        let s = tmux.wait(for: "PhysicalSizeZ  5 µm")
        #expect(s.contains("PhysicalSizeZ  5 µm ✎"), "the link's sidecar applies\n\(s)")
        #expect(s.contains("neighbour.tif") && !s.contains("target.tif"), "the listing is some/, not data/\n\(s)")
        try tmux.send("q")
        #expect(tmux.wait(for: "[exit 0]").contains("[exit 0]"))
    }

    /// `cache build --cache-dir C` and `napari --cache-dir C`: `cache list C` shows them and
    /// `cache purge C --all` frees them; C and everything else in it stay.
    @Test func cacheDirStoresAreListedAndPurged() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cacheDir = dir + "/scratch"
        try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: cacheDir + "/notes.txt", contents: Data("mine\n".utf8))
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/rgb.tif", toPath: dir + "/a.tif")
        #expect(try BinaryRunner.run(["cache", "build", dir + "/a.tif", "--cache-dir", cacheDir]).status == 0)
        #expect(try BinaryRunner.run(["napari", dir + "/a.tif", "--cache-dir", cacheDir, "--no-launch"]).status == 0)
        let listed = try Self.listJSON([cacheDir]).compactMap { $0["path"] as? String }
        #expect(listed == [cacheDir + "/a.tif.napari.py", cacheDir + "/a.tif.ome.zarr"])
        let purge = try BinaryRunner.run(["cache", "purge", cacheDir, "--all", "--yes"])
        #expect(purge.status == 0, "\(purge.stdout)\(purge.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cacheDir).filter { !$0.hasSuffix(".lock") } == ["notes.txt"])
        #expect(FileManager.default.fileExists(atPath: dir + "/a.tif"))
    }

    /// `ln -s .. d/a/up`: the recursive list and stale purge end at once with the right entries
    /// (the link is not followed), and a tree deeper than the bound says where it stopped.
    @Test func walksEndOnSymlinkLoopsAndDeepTrees() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/d/a", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/rgb.tif", toPath: dir + "/d/a/x.tif")
        #expect(try BinaryRunner.run(["cache", "build", dir + "/d/a/x.tif"]).status == 0)
        try FileManager.default.createSymbolicLink(atPath: dir + "/d/a/up", withDestinationPath: "..")
        // Run from inside the loop: the old walk took `..` against the working folder and went round.
        let list = try BinaryRunner.run(["cache", "list", "../..", "--recursive", "--json"], timeout: 10, cwd: dir + "/d/a")
        #expect(!list.timedOut && list.status == 0, "\(list.stderr.suffix(500))")
        let entries = (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
        #expect(entries.compactMap { $0["path"] as? String } == [dir + "/d/a/.omio_cache/x.tif.ome.zarr"])
        let stale = try BinaryRunner.run(["cache", "purge", "..", "--stale", "--recursive", "--dry-run"], timeout: 10, cwd: dir + "/d/a")
        #expect(stale.status == 0 && stale.stdout == "nothing to purge\n", "\(stale.stdout)\(stale.stderr.suffix(500))")

        // The TUI's purge menu, recursive (`p`, `r`), from inside the loop.
        let tmux = try TmuxSession(command: BinaryRunner.binary + " ../..", in: dir + "/d/a")
        _ = tmux.wait(for: "d/")
        try tmux.send("p")
        try tmux.send("r")
        let screen = tmux.wait(for: "x.tif → x.tif.ome.zarr")
        #expect(screen.contains("x.tif → x.tif.ome.zarr"), "\(screen)")
        try tmux.send("Escape", "q")
        #expect(tmux.wait(for: "[exit 0]").contains("[exit 0]"))

        // 70 folders deep, a store at the bottom: listed down to 64, and a note says so.
        var deep = dir + "/deep"
        for i in 1...70 { deep += "/\(i)" }
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/rgb.tif", toPath: deep + "/y.tif")
        #expect(try BinaryRunner.run(["cache", "build", deep + "/y.tif"]).status == 0)
        let r = try BinaryRunner.run(["cache", "list", dir + "/deep", "--recursive", "--json"])
        #expect(r.status == 0 && !r.stdout.contains("y.tif.ome.zarr"))
        #expect(r.stderr.contains("stopped 64 folders deep below \(dir)/deep"), "\(r.stderr)")
    }
}
