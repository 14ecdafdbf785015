import Foundation
@testable import OmioEngine
import OmioFormats
import Testing

struct StoreInventoryTests {
    /// One entry per kind of leftover, each in the state a purge needs to know.
    @Test func statesAndKinds() throws {
        let folder = try StoreTestSupport.scratch("inventory")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let keep = (folder as NSString).appendingPathComponent("keep.tif")
        let gone = (folder as NSString).appendingPathComponent("gone.tif")
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath("rgb.tif"), toPath: keep)
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath("multipage_T5.tif"), toPath: gone)
        _ = try StoreBuilder.ensure(source: ImageOpener.open(path: keep), request: StoreRequest())
        _ = try StoreBuilder.ensure(source: ImageOpener.open(path: gone), request: StoreRequest())
        try FileManager.default.removeItem(atPath: gone)
        let cache = folder + "/.omio_cache"
        // OMIO's own caches, a killed build, a launcher and a log.
        for name in ["keep.zarr", "keep_napari_squeezed.zarr", "x.tif.ome.zarr.partial"] {
            try FileManager.default.createDirectory(atPath: cache + "/" + name, withIntermediateDirectories: true)
        }
        _ = FileManager.default.createFile(atPath: cache + "/keep.tif.napari.py", contents: Data("print()".utf8))
        _ = FileManager.default.createFile(atPath: cache + "/keep.tif.napari.log", contents: Data("log".utf8))
        // A user's own OME-Zarr next to the data is not a cache.
        try FileManager.default.createDirectory(atPath: folder + "/mine.ome.zarr", withIntermediateDirectories: true)

        let entries = CacheInventory.list(folder: folder)
        let byName = Dictionary(uniqueKeysWithValues: entries.map { (($0.path as NSString).lastPathComponent, $0) })
        #expect(byName.keys.sorted() == ["gone.tif.ome.zarr", "keep.tif.napari.log", "keep.tif.napari.py", "keep.tif.ome.zarr",
                                         "keep.zarr", "keep_napari_squeezed.zarr", "x.tif.ome.zarr.partial"])
        #expect(byName["keep.tif.ome.zarr"]?.state == .complete)
        #expect(byName["keep.tif.ome.zarr"]?.source == keep)
        #expect(byName["keep.tif.ome.zarr"]?.built != nil)
        #expect((byName["keep.tif.ome.zarr"]?.bytes ?? 0) > 57_000)
        #expect(byName["gone.tif.ome.zarr"]?.state == .orphan)
        #expect(byName["x.tif.ome.zarr.partial"]?.state == .partial)
        #expect(byName["keep.zarr"]?.kind == .foreign)
        #expect(byName["keep.zarr"]?.state == .foreign)
        #expect(byName["keep_napari_squeezed.zarr"]?.source == keep)
        #expect(byName["keep.tif.napari.py"]?.kind == .launcher)
        #expect(byName["keep.tif.napari.py"]?.source == keep)
        #expect(byName["keep.tif.napari.log"]?.kind == .log)
        #expect(entries.allSatisfy { !$0.building })
        #expect(byName["keep.tif.ome.zarr"]?.json["state"] == .string("complete"))

        // Recursive listing finds the same from the parent; the cache folder lists itself.
        #expect(CacheInventory.list(folder: (folder as NSString).deletingLastPathComponent, recursive: false)
            .allSatisfy { !$0.path.hasPrefix(folder) })
        #expect(CacheInventory.list(folder: cache).count == entries.count)
    }

    /// A store built into an explicit --cache-dir is listed from that folder.
    @Test func explicitCacheDir() throws {
        let cache = try StoreTestSupport.scratch("explicit")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let source = try ImageOpener.open(path: StoreTestSupport.examplePath("rgb.tif"))
        let path = try StoreBuilder.ensure(source: source, request: StoreRequest(cacheDir: cache)).path
        #expect(CacheInventory.list(folder: cache).map(\.path) == [path])
        #expect(CacheInventory.list(folder: cache).first?.state == .complete)
    }

    /// While a build holds the lock, the entry says so (purge must skip it).
    @Test func buildingWhileLocked() throws {
        let cache = try StoreTestSupport.scratch("building")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let location = StoreLocation(storePath: cache + "/a.tif.ome.zarr")
        try FileManager.default.createDirectory(atPath: location.partialPath, withIntermediateDirectories: true)
        let lock = try StoreLock.acquire(location.lockPath, cancellation: nil)
        // In the cache dir itself a manifest-less partial is not recognisable; under .omio_cache it is.
        let dotCache = (cache as NSString).appendingPathComponent(".omio_cache")
        try FileManager.default.createDirectory(atPath: dotCache + "/a.tif.ome.zarr.partial", withIntermediateDirectories: true)
        let lock2 = try StoreLock.acquire(dotCache + "/a.tif.ome.zarr.lock", cancellation: nil)
        #expect(CacheInventory.list(folder: cache).map(\.building) == [true])
        lock.release()
        lock2.release()
        #expect(CacheInventory.list(folder: cache).map(\.building) == [false])
    }
}
