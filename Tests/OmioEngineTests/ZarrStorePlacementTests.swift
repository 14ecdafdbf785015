import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// An OME-Zarr store is the user's data: its sidecar, store copies and napari launchers go
/// beside it (beside the outermost store for an image inside one, a plate's field), a URL's into
/// the user's state and cache folders, and no purge ever removes a store it did not make.
@Suite struct ZarrStorePlacementTests {
    /// A folder that Zarr tools would take for a node: `zarr.json` (v3) or `.zgroup` / `.zattrs` (v2).
    static func node(_ path: String, v3: Bool = false, attributes: String = "{}") throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if v3 {
            try Data(#"{"zarr_format": 3, "node_type": "group", "attributes": \#(attributes)}"#.utf8).write(to: URL(fileURLWithPath: path + "/zarr.json"))
        } else {
            try Data(#"{"zarr_format": 2}"#.utf8).write(to: URL(fileURLWithPath: path + "/.zgroup"))
            try Data(attributes.utf8).write(to: URL(fileURLWithPath: path + "/.zattrs"))
        }
    }

    /// Every file below `folder` with its size: what "untouched" is compared by.
    static func tree(_ folder: String) -> [String: Int] {
        var out: [String: Int] = [:]
        let e = FileManager.default.enumerator(atPath: folder)
        while let rel = e?.nextObject() as? String {
            let attrs = try? FileManager.default.attributesOfItem(atPath: folder + "/" + rel)
            out[rel] = (attrs?[.size] as? NSNumber)?.intValue ?? -1
        }
        return out
    }

    static var fileMetadata: ImageMetadata { try! ImageOpener.open(path: StoreTestSupport.examplePath("wrong_spacing_Z8.tif")).metadata(series: 0) }

    static func edited(_ source: String) -> MetadataOverlay {
        var o = MetadataOverlay(sourcePath: source)
        o.set(.physicalSize(axis: "Z"), .number(5, unit: "µm"), series: 0, file: fileMetadata)
        return o
    }

    @Test func zarrVersionFromTheMetadataFiles() throws {
        let dir = try StoreTestSupport.scratch("zarr-kind")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.node(dir + "/a.zarr", v3: true)
        try Self.node(dir + "/b", v3: false)
        try FileManager.default.createDirectory(atPath: dir + "/plain.zarr", withIntermediateDirectories: true)
        #expect(ZarrStorePlacement.zarrFormat(ofFolder: dir + "/a.zarr") == 3)
        #expect(ZarrStorePlacement.zarrFormat(ofFolder: dir + "/b") == 2)
        #expect(ZarrStorePlacement.zarrFormat(ofFolder: dir + "/plain.zarr") == nil)
        #expect(ZarrStorePlacement.zarrFormat(ofFolder: StoreTestSupport.examplePath("rgb.tif")) == nil)
    }

    /// `x.ome.zarr` (given with or without its trailing slash): `x.ome.zarr.omio.json` beside
    /// the folder; saving writes nothing inside the store.
    @Test func storeSidecarIsBesideTheFolder() throws {
        let dir = try StoreTestSupport.scratch("zarr-sidecar")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = dir + "/x.ome.zarr"
        try Self.node(store, v3: true)
        let before = Self.tree(store)
        #expect(OverlayStore.sidecarPath(for: store + "/") == dir + "/x.ome.zarr.omio.json")
        let saved = try OverlayStore.save(Self.edited(store + "/"))
        #expect(saved.path == dir + "/x.ome.zarr.omio.json" && saved.notice == nil)
        #expect(Self.tree(store) == before)
        let loaded = OverlayStore.load(for: store)
        #expect(loaded.edits(series: 0)["PhysicalSizeZ"]?.value == .number(5, unit: "µm"))
    }

    /// A plate's field (`plate.zarr/A/1/0`, an image inside the store): its sidecar, its store
    /// copy and its launcher are placed beside the plate, never inside it. (Before, the sidecar
    /// was `plate.zarr/A/1/0.omio.json` and the store `plate.zarr/A/1/.omio_cache/0.ome.zarr`.)
    @Test func imageInsideAStoreIsPlacedBesideTheOutermostStore() throws {
        let dir = try StoreTestSupport.scratch("zarr-plate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plate = dir + "/plate.zarr"
        try Self.node(plate, attributes: #"{"plate": {"wells": [{"path": "A/1"}]}}"#)
        try Self.node(plate + "/A")
        try Self.node(plate + "/A/1", attributes: #"{"well": {"images": [{"path": "0"}]}}"#)
        try Self.node(plate + "/A/1/0", attributes: #"{"multiscales": []}"#)
        let field = plate + "/A/1/0"
        let root = try #require(ZarrStorePlacement.enclosingStore(of: field))
        #expect(root.root == plate && root.inside == ["A", "1", "0"])
        #expect(OverlayStore.sidecarPath(for: field) == dir + "/plate.zarr.A.1.0.omio.json")
        let location = try StoreLocation.resolve(source: field, environment: ["HOME": dir])
        #expect(location.storePath == dir + "/.omio_cache/plate.zarr.A.1.0.ome.zarr")
        #expect(StoreLocation.fallbackPath(source: field, environment: ["HOME": dir]).hasPrefix(dir + "/.cache/omio-tui/plate.zarr.A.1.0."))
        let before = Self.tree(plate)
        _ = try OverlayStore.save(Self.edited(field))
        #expect(FileManager.default.fileExists(atPath: dir + "/plate.zarr.A.1.0.omio.json"))
        #expect(Self.tree(plate) == before)
        // The plate itself is the store's root: its own name.
        #expect(OverlayStore.sidecarPath(for: plate) == plate + ".omio.json")
    }

    /// A URL has no folder: its sidecar is `$XDG_STATE_HOME/omio-tui/remote/<hash>.json` with the
    /// URL inside, one per store whatever trailing slash, and nothing is made in the working
    /// folder (a URL taken for a relative path would make `http:/…` folders there).
    @Test func remoteSidecarGoesToTheStateFolder() throws {
        let dir = try StoreTestSupport.scratch("zarr-remote")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["HOME": dir, "XDG_STATE_HOME": dir + "/state"]
        let url = "http://127.0.0.1:9/data/x.ome.zarr/"
        let expected = dir + "/state/omio-tui/remote/" + FNV1a.hex("http://127.0.0.1:9/data/x.ome.zarr") + ".json"
        #expect(OverlayStore.statePath(for: url, environment: env) == expected)
        #expect(OverlayStore.statePath(for: "http://127.0.0.1:9/data/x.ome.zarr", environment: env) == expected)
        let cwdBefore = Set((try? FileManager.default.contentsOfDirectory(atPath: FileManager.default.currentDirectoryPath)) ?? [])
        let saved = try OverlayStore.save(Self.edited(url), environment: env)
        #expect(saved.path == expected && saved.notice == nil)
        let text = try String(contentsOfFile: expected, encoding: .utf8)
        #expect(text.contains(#""source": "http://127.0.0.1:9/data/x.ome.zarr""#))
        let loaded = OverlayStore.load(for: "http://127.0.0.1:9/data/x.ome.zarr", environment: env)
        #expect(loaded.sourcePath == "http://127.0.0.1:9/data/x.ome.zarr")
        #expect(loaded.edits(series: 0)["PhysicalSizeZ"]?.value == .number(5, unit: "µm"))
        let cwdAfter = Set((try? FileManager.default.contentsOfDirectory(atPath: FileManager.default.currentDirectoryPath)) ?? [])
        #expect(cwdAfter.subtracting(cwdBefore).filter { $0.hasPrefix("http") }.isEmpty)
        // Its store copies and launchers: the user's cache, keyed by the URL.
        let location = try StoreLocation.resolve(source: url, environment: env)
        #expect(location.storePath.hasPrefix(dir + "/.cache/omio-tui/remote/") && location.storePath.hasSuffix("-x.ome.zarr.ome.zarr"))
    }

    /// Stores written by ome-zarr-py in a folder beside a TIFF with its cache, OMIO's cache, a
    /// killed build: every purge the menu and `cache purge` offer (each entry, everything for a
    /// file, stale, full cleanup, recursive) leaves the user's stores byte for byte.
    @Test func userStoresAreNeverPurged() throws {
        let dir = try StoreTestSupport.scratch("zarr-purge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let v3 = try UserZarrStores.make(.v3, in: dir), let v2 = try UserZarrStores.make(.v2, in: dir, name: "v2.zarr"),
              let plate = try UserZarrStores.make(.plate, in: dir + "/sub", name: "plate") else { return }
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath("rgb.tif"), toPath: dir + "/a.tif")
        _ = try StoreBuilder.ensure(source: ImageOpener.open(path: dir + "/a.tif"), request: StoreRequest())
        try FileManager.default.createDirectory(atPath: dir + "/.omio_cache/a.zarr", withIntermediateDirectories: true)
        let stores = [v3, v2, plate]
        let before = stores.map(Self.tree)
        var entries = CacheInventory.walk(folder: dir, recursive: true).entries
        entries += CacheInventory.walk(folder: dir + "/sub", recursive: true).entries
        #expect(!entries.isEmpty)
        var plans = entries.map { CachePurge.plan([$0]) }
        plans += stores.map { CachePurge.plan(forFile: $0, in: entries) }
        plans.append(CachePurge.planStale(entries))
        plans.append(try CachePurge.planFullCleanup(folder: dir))
        plans.append(try CachePurge.planFullCleanup(folder: v3)) // `A` with the browser inside a store
        for plan in plans {
            for e in plan.entries {
                #expect(!stores.contains { e.path == $0 || e.path.hasPrefix($0 + "/") }, "a purge would remove \(e.path)")
            }
        }
        for plan in plans { _ = CachePurge.execute(plan) }
        #expect(stores.map(Self.tree) == before)
        #expect(!FileManager.default.fileExists(atPath: dir + "/.omio_cache/a.tif.ome.zarr")) // the purges did run
    }

    /// The HTTP chunk cache is one entry of the `p` menu, and only the real one is purgeable: a
    /// hand-made entry of that kind naming some other folder is refused.
    @Test func httpCacheIsOneEntry() throws {
        let dir = try StoreTestSupport.scratch("zarr-http")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["HOME": dir, "XDG_CACHE_HOME": dir + "/cache"]
        #expect(CacheInventory.httpCacheEntry(environment: env) == nil)
        try FileManager.default.createDirectory(atPath: dir + "/cache/omio-tui/http/ab", withIntermediateDirectories: true)
        try Data(count: 10000).write(to: URL(fileURLWithPath: dir + "/cache/omio-tui/http/ab/chunk"))
        let entry = try #require(CacheInventory.httpCacheEntry(environment: env))
        #expect(entry.path == dir + "/cache/omio-tui/http" && entry.kind == .httpCache && entry.bytes >= 10000)
        // Not this process's cache folder: refused, whatever its kind says.
        #expect(CachePurge.plan([entry]).entries.isEmpty)
    }

    /// napari opens a store in place: its levels and axes as the store names them.
    @Test func napariLayoutOfUserStores() throws {
        let dir = try StoreTestSupport.scratch("zarr-layout")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let v3 = try UserZarrStores.make(.v3, in: dir), let v2 = try UserZarrStores.make(.v2, in: dir),
              let plate = try UserZarrStores.make(.plate, in: dir) else { return }
        let a = try NapariZarrLayout.read(folder: v3)
        #expect(a.location == v3 && !a.isRemote && a.axes == ["t", "c", "z", "y", "x"])
        #expect(a.levelPaths == ["s0", "s1"] && a.levelShapes == [[2, 2, 3, 64, 48], [2, 2, 3, 32, 24]])
        let b = try NapariZarrLayout.read(folder: v2)
        #expect(b.axes == ["c", "z", "y", "x"] && b.levelShapes.first == [2, 3, 64, 48])
        let field = try NapariZarrLayout.read(folder: plate + "/A/2/1")
        #expect(field.axes == ["z", "y", "x"] && field.levelPaths == ["s0"] && field.levelShapes == [[2, 32, 32]])
        // A plate opened at its root is its first field (as the reader opens it).
        let first = try NapariZarrLayout.read(folder: plate)
        #expect(first.location == plate && first.levelPaths == ["A/1/0/s0"])
    }
}
