import Foundation
@testable import OmioEngine
import OmioFormats
import Testing

/// Every purge action on every kind of entry, the symbolic-link cases, and a purge while
/// another process holds a build lock. Sources and sidecar edits always survive.
@Suite(.serialized)
struct CachePurgeTests {
    /// A folder with two images, their stores, a stale and an orphan store, OMIO's caches, a
    /// killed build, a launcher, a log and a sidecar.
    func scene() throws -> (folder: String, cache: String) {
        let folder = try StoreTestSupport.scratch("purge")
        let cache = folder + "/.omio_cache"
        for (name, example) in [("a.tif", "rgb.tif"), ("b.tif", "multipage_T5.tif"), ("stale.tif", "rgb.tif"), ("gone.tif", "rgb.tif")] {
            try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath(example), toPath: folder + "/" + name)
            _ = try StoreBuilder.ensure(source: ImageOpener.open(path: folder + "/" + name), request: StoreRequest())
        }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder + "/stale.tif"), options: .atomic) // the source changed
        try FileManager.default.removeItem(atPath: folder + "/gone.tif")
        for name in ["a.zarr", "a_napari_squeezed.zarr", "c.tif.ome.zarr.partial"] {
            // A level folder with a chunk: what a killed build leaves (and OMIO's arrays hold).
            try FileManager.default.createDirectory(atPath: cache + "/" + name + "/0", withIntermediateDirectories: true)
            try Data(count: 5000).write(to: URL(fileURLWithPath: cache + "/" + name + "/0/chunk"))
        }
        _ = FileManager.default.createFile(atPath: cache + "/a.tif.napari.py", contents: Data("print()".utf8))
        _ = FileManager.default.createFile(atPath: cache + "/a.tif.napari.log", contents: Data("log".utf8))
        _ = FileManager.default.createFile(atPath: folder + "/a.tif.omio.json", contents: Data("{}".utf8))
        return (folder, cache)
    }

    func names(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasSuffix(".lock") }.sorted()
    }

    @Test func everyStateIsListed() throws {
        let (folder, _) = try scene()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let states = Dictionary(uniqueKeysWithValues: CacheInventory.list(folder: folder).map { (($0.path as NSString).lastPathComponent, $0.state) })
        #expect(states["a.tif.ome.zarr"] == .complete)
        #expect(states["stale.tif.ome.zarr"] == .stale)
        #expect(states["gone.tif.ome.zarr"] == .orphan)
        #expect(states["c.tif.ome.zarr.partial"] == .partial)
        #expect(states["a.zarr"] == .foreign && states["a_napari_squeezed.zarr"] == .foreign)
        #expect(states["a.tif.napari.py"] == .complete && states["a.tif.napari.log"] == .complete)
    }

    /// A complete OME-Zarr the user put in `.omio_cache` (no omio manifest): under any name, even
    /// `x.tif.ome.zarr` beside `x.tif` with a lock file, it is not listed, survives a full
    /// cleanup (which then leaves `.omio_cache` in place), and a hand-made entry for it is refused.
    /// A store damaged under our lock (unparseable metadata, only store entries) is still purged.
    @Test func foreignStoresInTheCacheAreNeverPurged() throws {
        let (folder, cache) = try scene()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath("rgb.tif"), toPath: folder + "/x.tif")
        func userStore(_ path: String) throws {
            try FileManager.default.createDirectory(atPath: path + "/0/c/0", withIntermediateDirectories: true)
            try Data(#"{"zarr_format": 3, "node_type": "group", "attributes": {"ome": {"version": "0.5"}}}"#.utf8)
                .write(to: URL(fileURLWithPath: path + "/zarr.json"))
            try Data(#"{"zarr_format": 3, "node_type": "array"}"#.utf8).write(to: URL(fileURLWithPath: path + "/0/zarr.json"))
            try Data(count: 4096).write(to: URL(fileURLWithPath: path + "/0/c/0/0"))
        }
        try userStore(cache + "/mine.ome.zarr")
        try userStore(cache + "/x.tif.ome.zarr")
        _ = FileManager.default.createFile(atPath: cache + "/x.tif.ome.zarr.lock", contents: Data())
        // A store a build left damaged: its metadata cut short, its lock beside it.
        try FileManager.default.createDirectory(atPath: cache + "/d.tif.ome.zarr/0", withIntermediateDirectories: true)
        try Data("{\"zarr_fo".utf8).write(to: URL(fileURLWithPath: cache + "/d.tif.ome.zarr/zarr.json"))
        _ = FileManager.default.createFile(atPath: cache + "/d.tif.ome.zarr.lock", contents: Data())

        let listed = CacheInventory.list(folder: folder).map { ($0.path as NSString).lastPathComponent }
        #expect(!listed.contains("mine.ome.zarr") && !listed.contains("x.tif.ome.zarr"))
        #expect(listed.contains("d.tif.ome.zarr") && listed.contains("a.tif.ome.zarr"))
        let handMade = CacheEntry(path: cache + "/mine.ome.zarr", source: nil, bytes: 1, state: .partial, kind: .store,
                                  built: nil, lastUsed: Date(), building: false)
        #expect(CachePurge.plan([handMade]).skipped.map(\.reason) == ["not made by omio-tui (no omio manifest)"])

        let report = CachePurge.execute(try CachePurge.planFullCleanup(folder: folder))
        #expect(report.failed.isEmpty)
        #expect(report.removed.contains(cache + "/d.tif.ome.zarr") && report.removed.contains(cache + "/a.tif.ome.zarr"))
        #expect(report.removedFolders.isEmpty)
        for store in ["mine.ome.zarr", "x.tif.ome.zarr"] {
            #expect(FileManager.default.fileExists(atPath: cache + "/" + store + "/0/c/0/0"), "\(store)")
        }
        #expect(names(cache) == ["mine.ome.zarr", "x.tif.ome.zarr"])
    }

    /// In a `--cache-dir`, a user's store and a script named after it are not omio-tui's.
    @Test func launchersNamedAfterAForeignStoreAreNotOurs() throws {
        let dir = try StoreTestSupport.scratch("foreign-launcher")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/mine.ome.zarr/0", withIntermediateDirectories: true)
        try Data(#"{"zarr_format": 3, "node_type": "group", "attributes": {}}"#.utf8).write(to: URL(fileURLWithPath: dir + "/mine.ome.zarr/zarr.json"))
        _ = FileManager.default.createFile(atPath: dir + "/mine.napari.py", contents: Data("import napari\n".utf8))
        _ = FileManager.default.createFile(atPath: dir + "/mine.napari.log", contents: Data("my own log\n".utf8))
        #expect(CacheInventory.list(folder: dir).isEmpty)
        let report = CachePurge.execute(try CachePurge.planFullCleanup(folder: dir))
        #expect(report.removed.isEmpty)
        #expect(names(dir) == ["mine.napari.log", "mine.napari.py", "mine.ome.zarr"])
    }

    @Test func purgeOneEntry() throws {
        let (folder, cache) = try scene()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let entry = try #require(CacheInventory.list(folder: folder).first { $0.path.hasSuffix("b.tif.ome.zarr") })
        let plan = CachePurge.plan([entry])
        #expect(plan.bytes == entry.bytes && plan.bytes > 0)
        let report = CachePurge.execute(plan)
        #expect(report.removed == [entry.path] && report.failed.isEmpty && report.bytesFreed >= entry.bytes - 8192)
        #expect(!names(cache).contains("b.tif.ome.zarr"))
        #expect(names(cache).contains("a.tif.ome.zarr"))
    }

    @Test func purgeEverythingForAFile() throws {
        let (folder, cache) = try scene()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plan = CachePurge.plan(forFile: folder + "/a.tif", in: CacheInventory.list(folder: folder))
        #expect(plan.entries.map { ($0.path as NSString).lastPathComponent }.sorted() ==
                ["a.tif.napari.log", "a.tif.napari.py", "a.tif.ome.zarr", "a.zarr", "a_napari_squeezed.zarr"])
        _ = CachePurge.execute(plan)
        #expect(names(cache) == ["b.tif.ome.zarr", "c.tif.ome.zarr.partial", "gone.tif.ome.zarr", "stale.tif.ome.zarr"])
        #expect(FileManager.default.fileExists(atPath: folder + "/a.tif") && FileManager.default.fileExists(atPath: folder + "/a.tif.omio.json"))
    }

    @Test func purgeStalePartialAndOrphan() throws {
        let (folder, cache) = try scene()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plan = CachePurge.planStale(CacheInventory.list(folder: folder))
        #expect(plan.entries.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.orphan, .partial, .stale])
        _ = CachePurge.execute(plan)
        #expect(names(cache) == ["a.tif.napari.log", "a.tif.napari.py", "a.tif.ome.zarr", "a.zarr", "a_napari_squeezed.zarr", "b.tif.ome.zarr"])
    }

    @Test func fullCleanupKeepsSourcesAndSidecars() throws {
        let (folder, cache) = try scene()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plan = try CachePurge.planFullCleanup(folder: folder)
        #expect(plan.entries.count == 9) // 4 stores, OMIO's 2, a partial, a launcher, a log
        let report = CachePurge.execute(plan)
        #expect(report.failed.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cache), "the .omio_cache folder itself is gone")
        #expect(names(folder) == ["a.tif", "a.tif.omio.json", "b.tif", "stale.tif"])
    }

    @Test func symbolicLinksAreRemovedAsLinksNeverFollowed() throws {
        let (folder, cache) = try scene()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A link inside a store pointing at the source folder, and a store that is itself a link.
        let victim = try StoreTestSupport.scratch("victim")
        defer { try? FileManager.default.removeItem(atPath: victim) }
        _ = FileManager.default.createFile(atPath: victim + "/precious.txt", contents: Data("keep".utf8))
        try FileManager.default.createSymbolicLink(atPath: cache + "/b.tif.ome.zarr/escape", withDestinationPath: victim)
        try FileManager.default.createSymbolicLink(atPath: cache + "/d.tif.ome.zarr.partial", withDestinationPath: victim)
        _ = CachePurge.execute(try CachePurge.planFullCleanup(folder: folder))
        #expect(FileManager.default.fileExists(atPath: victim + "/precious.txt"))
        #expect(!FileManager.default.fileExists(atPath: cache))
    }

    @Test func aCacheFolderThatIsALinkIsRefused() throws {
        let folder = try StoreTestSupport.scratch("linked")
        let elsewhere = try StoreTestSupport.scratch("elsewhere")
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: elsewhere)
        }
        try FileManager.default.createDirectory(atPath: elsewhere + "/x.zarr", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/.omio_cache", withDestinationPath: elsewhere)
        #expect(throws: OmioError.self) { try CachePurge.planFullCleanup(folder: folder) }
        let entries = CacheInventory.list(folder: folder)
        let plan = CachePurge.plan(entries)
        #expect(plan.entries.isEmpty && plan.skipped.allSatisfy { $0.reason.contains("symbolic link") })
        #expect(FileManager.default.fileExists(atPath: elsewhere + "/x.zarr"))
    }

    /// Outside a `.omio_cache` (a --cache-dir folder) a purge deletes only what is provably
    /// ours: the store with our manifest, not a user's `.ome.zarr` or `.napari.py` beside it.
    @Test func outsideACacheFolderOnlyWhatIsOurs() throws {
        let folder = try StoreTestSupport.scratch("explicit")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath("rgb.tif"), toPath: folder + "/a.tif")
        _ = try StoreBuilder.ensure(source: ImageOpener.open(path: folder + "/a.tif"), request: StoreRequest(cacheDir: folder))
        try FileManager.default.createDirectory(atPath: folder + "/user.ome.zarr", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: folder + "/user.ome.zarr/zarr.json", contents: Data("{}".utf8))
        FileManager.default.createFile(atPath: folder + "/user.napari.py", contents: Data("print(1)\n".utf8))
        let entries = CacheInventory.list(folder: folder)
        #expect(entries.map(\.path) == [folder + "/a.tif.ome.zarr"])
        let forged = CacheEntry(path: folder + "/user.ome.zarr", source: nil, bytes: 0, state: .orphan, kind: .store,
                                built: nil, lastUsed: Date(), building: false)
        #expect(CachePurge.plan([forged]).skipped.first?.reason == "not inside a .omio_cache folder and not made by omio-tui")
        let plan = try CachePurge.planFullCleanup(folder: folder)
        #expect(plan.entries.map(\.path) == [folder + "/a.tif.ome.zarr"] && plan.folders.isEmpty)
        let report = CachePurge.execute(plan)
        #expect(report.removed == [folder + "/a.tif.ome.zarr"])
        for kept in ["a.tif", "user.ome.zarr/zarr.json", "user.napari.py"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + kept), "\(kept)")
        }
    }

    /// Another process holds the build lock (as a running build does): the store is listed as
    /// in use and every purge skips it, full cleanup included.
    @Test func purgeWhileABuildHoldsTheLock() throws {
        let (folder, cache) = try scene()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // One process that takes the lock itself (flock(1) would leave a `sleep` child behind,
        // which keeps Foundation's Process waiting after terminate()).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)",
                            cache + "/a.tif.ome.zarr.lock"]
        try holder.run()
        defer {
            // SIGKILL: the test runner's threads block SIGTERM, and children inherit the mask.
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
        }
        var held = false
        for _ in 0..<100 where !held {
            held = StoreLock.isHeld(cache + "/a.tif.ome.zarr.lock")
            if !held { usleep(20_000) }
        }
        #expect(held)
        let entry = try #require(CacheInventory.list(folder: folder).first { $0.path.hasSuffix("a.tif.ome.zarr") })
        #expect(entry.state == .inUse && entry.building)
        let report = CachePurge.execute(try CachePurge.planFullCleanup(folder: folder))
        #expect(report.skipped.contains { $0.path == entry.path && $0.reason == "in use by a running build" })
        #expect(FileManager.default.fileExists(atPath: entry.path))
        #expect(names(cache) == ["a.tif.ome.zarr"], "everything else went; the folder stays for the running build")
    }

    /// A napari window holds the store's lock shared while it shows the store: purge skips it
    /// as "in use (napari)" (and keeps its lock file) unless the plan is forced.
    @Test func purgeSkipsAStoreANapariWindowShowsUnlessForced() throws {
        let (folder, cache) = try scene()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lock = cache + "/a.tif.ome.zarr.lock"
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", "import fcntl, sys, time; f = open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_SH); time.sleep(60)", lock]
        try holder.run()
        defer {
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
        }
        var shared = false
        for _ in 0..<100 where !shared {
            shared = StoreLock.isShared(lock)
            if !shared { usleep(20_000) }
        }
        #expect(shared && !StoreLock.isHeld(lock), "a shared holder is a reader, not a build")
        let store = cache + "/a.tif.ome.zarr"
        let plan = try CachePurge.planFullCleanup(folder: folder)
        #expect(plan.inUse.map(\.path) == [store])
        let report = CachePurge.execute(plan)
        #expect(report.skipped.contains { $0.path == store && $0.reason == CachePurge.inUseReason })
        #expect(FileManager.default.fileExists(atPath: store) && FileManager.default.fileExists(atPath: lock))
        let forced = CachePurge.execute(CachePurge.plan(forFile: folder + "/a.tif", in: CacheInventory.list(folder: folder)).forcingInUse())
        #expect(forced.removed.contains(store) && !FileManager.default.fileExists(atPath: store))
    }

    /// A store-sized tree (hundreds of chunks: removed by several threads) goes entirely, links
    /// in it are removed as links, the bytes reported add up to what it held, and the progress
    /// callback runs only on the calling thread (the CLI's progress line is not thread-safe).
    @Test func removeTreeTakesEveryChunkAndNothingBehindALink() throws {
        let folder = try StoreTestSupport.scratch("remove-tree")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outside = folder + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data(count: 100).write(to: URL(fileURLWithPath: outside + "/keep"))
        let tree = folder + "/t.ome.zarr"
        for level in 0..<3 {
            try FileManager.default.createDirectory(atPath: "\(tree)/\(level)/deep", withIntermediateDirectories: true)
            for i in 0..<150 {
                try Data(count: 3000 + i).write(to: URL(fileURLWithPath: "\(tree)/\(level)/\(i < 100 ? "" : "deep/")c.\(i)"))
            }
        }
        try FileManager.default.createSymbolicLink(atPath: tree + "/0/link", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: tree + "/1/loop", withDestinationPath: tree)
        let held = StoreFiles.diskUsage(tree)
        let caller = pthread_self()
        var freed: Int64 = 0
        var elsewhere = 0
        try StoreFiles.removeTree(tree) { bytes in
            freed += bytes
            if pthread_equal(pthread_self(), caller) == 0 { elsewhere += 1 }
        }
        #expect(!StoreFiles.exists(tree))
        #expect(FileManager.default.fileExists(atPath: outside + "/keep"))
        #expect(freed == held && held > 450 * 3000)
        #expect(elsewhere == 0)
    }
}
