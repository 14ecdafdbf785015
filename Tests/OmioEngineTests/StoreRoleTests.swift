import Foundation
@testable import OmioEngine
import OmioFormats
import Testing

/// A store written as a user's output (`slice -o x.ome.zarr`) carries role "output" in its
/// manifest: no listing shows it and no purge deletes it, wherever it lies; the builder still
/// replaces it (it is provably ours), and still refuses a folder that is not.
struct StoreRoleTests {
    func builtOutputs(_ folder: String) throws -> (source: ImageSource, outputs: [StoreLocation]) {
        let source = try ImageOpener.open(path: StoreTestSupport.examplePath("rgb.tif"))
        let outputs = [StoreLocation(storePath: folder + "/out.ome.zarr"),
                       StoreLocation(storePath: folder + "/.omio_cache/rgb.tif.ome.zarr")]
        try FileManager.default.createDirectory(atPath: folder + "/.omio_cache", withIntermediateDirectories: true)
        for location in outputs {
            _ = try StoreBuilder.ensure(source: source, request: StoreRequest(role: .output), location: location)
            #expect(StoreManifest.read(storePath: location.storePath)?.role == .output)
        }
        return (source, outputs)
    }

    @Test func outputStoresAreNotListed() throws {
        let folder = try StoreTestSupport.scratch("role-list")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (source, outputs) = try builtOutputs(folder)
        // A cache store in the same folder (a --cache-dir) is listed: the listing does run.
        let cache = try StoreBuilder.ensure(source: source, request: StoreRequest(cacheDir: folder)).path
        #expect(CacheInventory.list(folder: folder).map(\.path) == [cache])
        #expect(CacheInventory.list(folder: folder + "/.omio_cache").isEmpty)
        for location in outputs { #expect(!CacheInventory.isOurs(location.storePath, kind: .store)) }
        #expect(CacheInventory.isOurs(cache, kind: .store))
    }

    @Test func outputStoresAreNeverPurged() throws {
        let folder = try StoreTestSupport.scratch("role-purge")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (_, outputs) = try builtOutputs(folder)
        let full = try CachePurge.planFullCleanup(folder: folder)
        #expect(full.entries.isEmpty)
        _ = CachePurge.execute(full)
        // An entry for it made by hand (or listed before the output was written) is refused too.
        for location in outputs {
            let e = CacheEntry(path: location.storePath, source: nil, bytes: 1, state: .stale, kind: .store,
                               built: nil, lastUsed: Date(), building: false)
            #expect(CachePurge.refusal(e) == "a file written as output (slice -o), not a cache")
            let report = CachePurge.execute(PurgePlan(entries: [e]))
            #expect(report.removed.isEmpty && report.skipped.count == 1)
            #expect(FileManager.default.fileExists(atPath: location.storePath + "/zarr.json"))
        }
    }

    /// The builder replaces its own output with a new one, and never a foreign folder.
    @Test func outputsAreReplacedOnlyWhenOurs() throws {
        let folder = try StoreTestSupport.scratch("role-replace")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (source, outputs) = try builtOutputs(folder)
        let again = try StoreBuilder.ensure(source: source, request: StoreRequest(overlayHash: "other", role: .output), location: outputs[0])
        #expect(!again.reused)
        #expect(StoreManifest.read(storePath: outputs[0].storePath)?.overlayHash == "other")
        let foreign = StoreLocation(storePath: folder + "/theirs.ome.zarr")
        try FileManager.default.createDirectory(atPath: foreign.storePath, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: foreign.storePath + "/zarr.json", contents: Data(#"{"zarr_format":3,"node_type":"group"}"#.utf8))
        #expect(throws: OmioError.self) { try StoreBuilder.ensure(source: source, request: StoreRequest(role: .output), location: foreign) }
    }

    /// Stores written before the field existed were caches; a role this version does not know
    /// is left alone.
    @Test func roleInTheManifest() throws {
        let m = StoreManifest(sourcePath: "/a.tif", source: SourceFingerprint(size: 1, mtimeNs: 2),
                              request: StoreRequest(role: .output), complete: true)
        #expect(m.json["role"] == .string("output"))
        #expect(StoreManifest(json: m.json) == m)
        func withRole(_ role: JSONValue?) -> StoreRole? {
            guard case let .object(fields) = m.json else { return nil }
            let kept = fields.filter { $0.0 != "role" } + (role.map { [("role", $0)] } ?? [])
            return StoreManifest(json: .object(kept))?.role
        }
        #expect(withRole(nil) == .cache)
        #expect(withRole(.string("cache")) == .cache)
        #expect(withRole(.string("someday")) == .output)
        #expect(!m.satisfies(StoreManifest(sourcePath: "/a.tif", source: m.source, request: StoreRequest(), complete: true)))
    }
}
