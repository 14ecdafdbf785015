import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// When a store is reused, when it is stale and rebuilt, and what two builders at once do.
struct StoreReuseTests {
    /// A private copy of an example file, so touching it does not disturb other tests.
    static func copyOfExample(_ name: String, into folder: String) throws -> String {
        let path = (folder as NSString).appendingPathComponent(name)
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath(name), toPath: path)
        return path
    }

    @Test func staleWhenTheSourceOrTheRequestChanges() throws {
        let folder = try StoreTestSupport.scratch("stale")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try StoreReuseTests.copyOfExample("multipage_T5.tif", into: folder)
        let request = StoreRequest()
        let first = try StoreBuilder.ensure(source: ImageOpener.open(path: path), request: request)
        #expect(!first.reused)
        #expect(first.path == folder + "/.omio_cache/multipage_T5.tif.ome.zarr")
        #expect(try StoreBuilder.ensure(source: ImageOpener.open(path: path), request: request).reused)
        #expect(try StoreBuilder.existingStore(source: ImageOpener.open(path: path), request: request) == first.path)

        // touch: same bytes, new mtime -> stale -> rebuilt, and listed as stale meanwhile.
        var times = [timespec(tv_sec: 1_700_000_000, tv_nsec: 5), timespec(tv_sec: 1_700_000_000, tv_nsec: 5)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        #expect(CacheInventory.list(folder: folder).first { $0.kind == .store }?.state == .stale)
        #expect(try StoreBuilder.existingStore(source: ImageOpener.open(path: path), request: request) == nil)
        let rebuilt = try StoreBuilder.ensure(source: ImageOpener.open(path: path), request: request)
        #expect(!rebuilt.reused)
        #expect(StoreManifest.read(storePath: rebuilt.path)?.source.mtimeNs == 1_700_000_000_000_000_005)
        #expect(CacheInventory.list(folder: folder).first { $0.kind == .store }?.state == .complete)
        try StoreTestSupport.expectEqualPlanes(StoreReader(path: rebuilt.path), ImageOpener.open(path: path))

        // Another compression, Zarr format or overlay asks for a different store.
        for other in [StoreRequest(compression: .gzip), StoreRequest(zarrFormat: .v2), StoreRequest(overlayHash: "abc")] {
            #expect(try !StoreBuilder.ensure(source: ImageOpener.open(path: path), request: other).reused)
            #expect(try StoreBuilder.ensure(source: ImageOpener.open(path: path), request: other).reused)
        }
        // Nothing is left behind but the store and its lock.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/.omio_cache").sorted()
            == ["multipage_T5.tif.ome.zarr", "multipage_T5.tif.ome.zarr.lock"])
    }

    /// The metadata a caller passes (an overlay's correction) is what the store carries.
    @Test func carriesTheCallersMetadata() throws {
        let cache = try StoreTestSupport.scratch("overlay")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let source = try ImageOpener.open(path: StoreTestSupport.examplePath("wrong_spacing_Z8.tif"))
        var fixed = source.metadata(series: 0)
        fixed.physicalSizeZ = 5
        let path = try StoreBuilder.ensure(source: source, request: StoreRequest(cacheDir: cache, overlayHash: "z5"), metadata: fixed).path
        let store = try StoreReader(path: path)
        #expect(store.metadata["PhysicalSizeZ"] == .number(5))
        #expect(store.manifest.overlayHash == "z5")
        let scale = try StoreTestSupport.json(path + "/zarr.json")["attributes"]?["ome"]?["multiscales"]?.arrayValue?.first?["datasets"]?
            .arrayValue?.first?["coordinateTransformations"]?.arrayValue?.first?["scale"]?.arrayValue?.compactMap(\.doubleValue)
        #expect(scale == [1, 1, 5, fixed.physicalSizeY, fixed.physicalSizeX]) // t (unknown: 1), c, z, y, x
    }

    /// Two builders at once: one builds, the other waits on the lock and then reuses.
    @Test func concurrentBuildsMakeOneStore() throws {
        let folder = try StoreTestSupport.scratch("lock")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = (folder as NSString).appendingPathComponent("stack.tif")
        try StoreTestSupport.writeImageJ(path, shape: Shape(t: 1, z: 40, c: 2, y: 256, x: 300))
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            results.append(Result { try StoreBuilder.ensure(source: ImageOpener.open(path: path), request: StoreRequest()) })
        }
        let built = try results.all.map { try $0.get() }
        #expect(built.filter { !$0.reused }.count == 1)
        #expect(Set(built.map(\.path)).count == 1)
        try StoreTestSupport.expectEqualPlanes(StoreReader(path: built[0].path), ImageOpener.open(path: path))
    }

    /// A store whose build was killed (complete: false, or still named .partial) is never read.
    @Test func incompleteStoresAreRefused() throws {
        let cache = try StoreTestSupport.scratch("incomplete")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let source = try ImageOpener.open(path: StoreTestSupport.examplePath("rgb.tif"))
        let path = try StoreBuilder.ensure(source: source, request: StoreRequest(cacheDir: cache)).path
        var manifest = try #require(StoreManifest.read(storePath: path))
        manifest.complete = false
        let group = try StoreTestSupport.json(path + "/zarr.json")
        let attributes = group["attributes"]!
        let patched: JSONValue = .object([("zarr_format", .int(3)), ("node_type", .string("group")),
                                          ("attributes", .object([("ome", attributes["ome"]!),
                                                                  ("omio", .object([("metadata", .null), ("manifest", manifest.json)]))]))])
        try AtomicFile.write(Data(patched.serialized().utf8), to: path + "/zarr.json")
        #expect(throws: OmioError.self) { try StoreReader(path: path) }
        #expect(CacheInventory.list(folder: cache).map(\.state) == [.partial])
        #expect(try !StoreBuilder.ensure(source: source, request: StoreRequest(cacheDir: cache)).reused)
        #expect(try StoreReader(path: path).manifest.complete)
    }

    /// A fresh build hands its store over once every chunk is in place: at the store's own
    /// path, readable in full with `allowIncomplete`, but not yet complete (so no one else reuses
    /// it before the data is durable), while a second builder waits; complete afterwards. A reuse
    /// hands nothing over.
    @Test func handsTheStoreOverBeforeItIsDurable() throws {
        let folder = try StoreTestSupport.scratch("handover")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = (folder as NSString).appendingPathComponent("stack.tif")
        try StoreTestSupport.writeImageJ(path, shape: Shape(t: 1, z: 6, c: 2, y: 64, x: 80))
        let source = try ImageOpener.open(path: path)
        var handedOver: [String] = []
        var secondWaited = false
        let built = try StoreBuilder.ensure(source: source, request: StoreRequest(), readable: { store in
            handedOver.append(store)
            #expect(StoreManifest.read(storePath: store)?.complete == false)
            #expect(throws: OmioError.self) { try StoreReader(path: store) }
            #expect(!FileManager.default.fileExists(atPath: store + ".partial"))
            try StoreTestSupport.expectEqualPlanes(StoreReader(path: store, allowIncomplete: true), source)
            // The lock is shared now: a reader (napari) may take it, a second build may not.
            #expect(StoreLock.isShared(store + ".lock"))
            secondWaited = try StoreLock.tryAcquire(store + ".lock") == nil
        })
        #expect(handedOver == [built.path] && secondWaited)
        #expect(try StoreReader(path: built.path).manifest.complete)
        var again: [String] = []
        #expect(try StoreBuilder.ensure(source: source, request: StoreRequest(), readable: { again.append($0) }).reused)
        #expect(again.isEmpty)
    }

    /// Pages of two shapes make two series; each gets its own store, so building one never
    /// makes the other stale, and purging the file takes both.
    @Test func eachSeriesHasItsOwnStore() throws {
        let folder = try StoreTestSupport.scratch("series")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/two.tif"
        try AtomicFile.write(to: path) { fd in
            let w = try TIFFWriter(fd: fd)
            for (width, height) in [(8, 6), (5, 4)] {
                let gen = SyntheticPlanes(width: width, height: height, dtype: .uint16)
                _ = try w.addPage(TIFFPageSpec(width: width, height: height, dtype: .uint16), pixels: gen.bytes(t: 0, z: 0, c: 0))
            }
        }
        let source = try ImageOpener.open(path: path)
        try #require(source.seriesCount == 2)
        let first = try StoreBuilder.ensure(source: source, request: StoreRequest(series: 0))
        let second = try StoreBuilder.ensure(source: source, request: StoreRequest(series: 1))
        #expect(first.path == folder + "/.omio_cache/two.tif.ome.zarr")
        #expect(second.path == folder + "/.omio_cache/two.tif.series-1.ome.zarr")
        #expect(try StoreBuilder.ensure(source: source, request: StoreRequest(series: 0)).reused)
        #expect(try StoreBuilder.ensure(source: source, request: StoreRequest(series: 1)).reused)
        try StoreTestSupport.expectEqualPlanes(StoreReader(path: first.path), source, series: 0)
        try StoreTestSupport.expectEqualPlanes(StoreReader(path: second.path), source, series: 1)
        let stores = CacheInventory.list(folder: folder).filter { $0.kind == .store }
        #expect(stores.count == 2 && stores.allSatisfy { $0.state == .complete && $0.source == path })
        #expect(Set(CachePurge.plan(forFile: path, in: stores).entries.map(\.path)) == [first.path, second.path])
    }
}

/// Collects results from concurrent closures.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<StoreBuildResult, Error>] = []
    func append(_ r: Result<StoreBuildResult, Error>) {
        lock.lock()
        results.append(r)
        lock.unlock()
    }

    var all: [Result<StoreBuildResult, Error>] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
