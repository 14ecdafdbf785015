import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// A build replaces only what omio-tui provably made, never writes through planted links, and
/// repairs a store whose metadata was damaged instead of trusting its manifest.
@Suite("Store ownership and repair")
struct StoreOwnershipTests {
    static let example = "rgb.tif"

    /// A fresh folder with a copy of an example file; returns (folder, file).
    static func folderWithImage() throws -> (String, String) {
        let dir = FaultPaths.tempDir("own")
        let file = dir + "/" + example
        try FileManager.default.copyItem(atPath: FaultPaths.exampleData + "/" + example, toPath: file)
        return (dir, file)
    }

    /// A user's OME-Zarr of the same name: group and level metadata, a chunk, a note.
    static func foreignStore(at path: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/0", withIntermediateDirectories: true)
        try Data(#"{"zarr_format": 3, "node_type": "group", "attributes": {}}"#.utf8).write(to: URL(fileURLWithPath: path + "/zarr.json"))
        try Data(#"{"zarr_format": 3, "node_type": "array"}"#.utf8).write(to: URL(fileURLWithPath: path + "/0/zarr.json"))
        try Data([1, 2, 3, 4]).write(to: URL(fileURLWithPath: path + "/0/c.0.0.0.0.0"))
        try Data("my analysis\n".utf8).write(to: URL(fileURLWithPath: path + "/NOTES.txt"))
    }

    @Test("cache build --cache-dir leaves a foreign folder of the store's name alone and names it")
    func foreignFolderInCacheDir() throws {
        let (dir, file) = try Self.folderWithImage()
        defer { FaultPaths.remove(dir) }
        let store = dir + "/out/\(Self.example).ome.zarr"
        try Self.foreignStore(at: store)
        let before = folderContents(store)
        let r = try Run.tool(["cache", "build", file, "--cache-dir", dir + "/out"])
        expectCleanOutcome(r, "cache build into a foreign folder")
        #expect(r.status == 1)
        #expect(r.stderr.contains("omio-tui: error: \(store): ") && r.stderr.contains("not made by omio-tui"), "\(r.stderr)")
        #expect(folderContents(store) == before, "the foreign folder changed")
    }

    /// What zarr-python 3 writes for a one-array group: exactly the names our writer uses, so
    /// only the readable, manifest-less group metadata tells it apart from a damaged store of ours.
    static func zarrPythonStore(at path: String) throws {
        try FileManager.default.createDirectory(atPath: path + "/0", withIntermediateDirectories: true)
        try Data(#"{"zarr_format": 3, "node_type": "group", "attributes": {"mine": 1}}"#.utf8).write(to: URL(fileURLWithPath: path + "/zarr.json"))
        try Data(#"{"zarr_format": 3, "node_type": "array", "shape": [4, 4]}"#.utf8).write(to: URL(fileURLWithPath: path + "/0/zarr.json"))
        try Data([7, 7, 7, 7]).write(to: URL(fileURLWithPath: path + "/0/c.0.0"))
    }

    @Test("a readable foreign group is refused on every build, with or without a lock file, and no lock is left",
          arguments: [false, true])
    func readableForeignGroupIsNeverReplaced(lockBeside: Bool) throws {
        let (dir, file) = try Self.folderWithImage()
        defer { FaultPaths.remove(dir) }
        let store = dir + "/out/\(Self.example).ome.zarr"
        try Self.zarrPythonStore(at: store)
        if lockBeside { try Data().write(to: URL(fileURLWithPath: store + ".lock")) }
        let before = folderContents(store)
        for run in 1...2 {
            let r = try Run.tool(["cache", "build", file, "--cache-dir", dir + "/out"])
            expectCleanOutcome(r, "cache build \(run) into a zarr-python group")
            #expect(r.status == 1 && r.stderr.contains("not made by omio-tui"), "run \(run): \(r.stderr)")
            #expect(folderContents(store) == before, "run \(run) changed the user's store")
            #expect(FileManager.default.fileExists(atPath: store + ".lock") == lockBeside, "run \(run): the lock file")
        }
    }

    @Test("a symbolic-link .omio_cache is refused for building; the link's target is untouched")
    func symlinkedCacheFolder() throws {
        let (dir, file) = try Self.folderWithImage()
        defer { FaultPaths.remove(dir) }
        let target = dir + "/elsewhere"
        try Self.foreignStore(at: target + "/\(Self.example).ome.zarr")
        let before = folderContents(target)
        try FileManager.default.createSymbolicLink(atPath: dir + "/.omio_cache", withDestinationPath: target)
        let r = try Run.tool(["cache", "build", file])
        expectCleanOutcome(r, "cache build through a linked .omio_cache")
        #expect(r.status == 1 && r.stderr.contains("\(dir)/.omio_cache: is a symbolic link"), "\(r.stderr)")
        #expect(folderContents(target) == before, "the link's target changed")
    }

    @Test("a dangling .lock symlink does not make a build create a file outside .omio_cache")
    func danglingLockLink() throws {
        let (dir, file) = try Self.folderWithImage()
        defer { FaultPaths.remove(dir) }
        try FileManager.default.createDirectory(atPath: dir + "/.omio_cache", withIntermediateDirectories: true)
        let outside = dir + "/planted-by-lock"
        try FileManager.default.createSymbolicLink(atPath: dir + "/.omio_cache/\(Self.example).ome.zarr.lock", withDestinationPath: outside)
        let r = try Run.tool(["cache", "build", file])
        expectCleanOutcome(r, "cache build with a dangling lock link")
        #expect(r.status == 1 && r.stderr.contains("is a symbolic link"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: outside), "the build created \(outside)")
    }

    @Test("purging a store removes its lock file")
    func purgeRemovesTheLock() throws {
        let (dir, file) = try Self.folderWithImage()
        defer { FaultPaths.remove(dir) }
        let lock = dir + "/.omio_cache/\(Self.example).ome.zarr.lock"
        #expect(try Run.tool(["cache", "build", file]).status == 0)
        #expect(FileManager.default.fileExists(atPath: lock))
        let r = try Run.tool(["cache", "purge", file, "--yes"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/.omio_cache/\(Self.example).ome.zarr"))
        #expect(!FileManager.default.fileExists(atPath: lock), "purge left the lock file behind")
    }

    /// Each damage is found on reuse and repaired; the repaired store is then reused as is.
    @Test("a complete store with damaged metadata is rebuilt, with the reason on stderr",
          arguments: [("0/zarr.json", "level 0 metadata is unreadable"), ("1", "level 1 is missing"),
                      ("0/zarr.json:shape", "level 0 metadata disagrees with the source"),
                      ("0/zarr.json:width", "level 0 metadata disagrees with the source"),
                      ("zarr.json", "the group metadata is unreadable")])
    func damagedStoreIsRebuilt(damage: String, reason: String) throws {
        let dir = FaultPaths.tempDir("repair")
        defer { FaultPaths.remove(dir) }
        // Large enough for a pyramid level 1 (the example files are all under 513 pixels).
        let file = dir + "/wide.tif"
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        try TIFFWriter(fd: fd).addPage(TIFFPageSpec(width: 1100, height: 700, dtype: .uint8),
                                       pixels: (0..<(1100 * 700)).map { UInt8(truncatingIfNeeded: $0 / 7) })
        close(fd)
        let store = dir + "/.omio_cache/wide.tif.ome.zarr"
        #expect(try Run.tool(["cache", "build", file]).status == 0)
        try #require(FileManager.default.fileExists(atPath: store + "/1/zarr.json"), "the example needs a level 1")
        switch damage {
        case "1": try FileManager.default.removeItem(atPath: store + "/1")
        case "0/zarr.json:shape", "0/zarr.json:width":
            let text = String(decoding: fileBytes(store + "/0/zarr.json"), as: UTF8.self)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            var changed = json
            var shape = (json["shape"] as? [Int]) ?? []
            // One more row than the source has; or one more column (the chunks no longer span a row).
            shape[damage.hasSuffix("shape") ? 3 : 4] += 1
            changed["shape"] = shape
            try JSONSerialization.data(withJSONObject: changed).write(to: URL(fileURLWithPath: store + "/0/zarr.json"))
        default:
            let bytes = fileBytes(store + "/" + damage)
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: store + "/" + damage))
        }
        let again = try Run.tool(["cache", "build", file])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("omio-tui: rebuilding: \(reason)"), "\(again.stderr)")
        #expect(again.stderr.contains("built ") && !again.stderr.contains("reused"), "\(again.stderr)")
        let third = try Run.tool(["cache", "build", file])
        #expect(third.status == 0 && third.stderr.contains("reused"), "\(third.stderr)")
        let render = try Run.tool(["render", file, "--store", "disk", "--width", "20", "--height", "10"])
        #expect(render.status == 0, "\(render.stderr)")
    }
}
