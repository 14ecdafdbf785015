import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// napari on an OME-Zarr source: the launcher opens the user's store where it is (its own level
/// paths and axes, mapped onto t, c, z, y, x), in a real napari (`--check`, the napari venv);
/// nothing is built, locked or written beside or inside the store.
@Suite struct NapariInPlaceTests {
    static var napariPython: String? {
        let python = TestPaths.repoRoot + "/.venv-napari/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("SKIPPED: \(python) is missing (make venv): napari cannot be checked")
            return nil
        }
        return python
    }

    /// The spec napari gets for `layout`, with metadata as the store states it.
    static func spec(_ layout: NapariZarrLayout, dir: String, name: String, timeIncrement: Double? = 2) throws -> NapariLayerSpec {
        func size(_ a: String) -> Int { layout.axes.firstIndex(of: a).map { layout.levelShapes[0][$0] } ?? 1 }
        let shape = Shape(t: size("t"), z: size("z"), c: size("c"), y: size("y"), x: size("x"))
        let channels = [ChannelInfo(name: "DAPI", color: RGBColor(0, 0, 255)), ChannelInfo(name: "GFP", color: RGBColor(0, 255, 0))]
        let m = ImageMetadata(path: layout.location, format: .omeZarr, levels: layout.levelPaths.count, shape: shape, dtype: .uint16,
                              physicalSizeX: 0.5, physicalSizeY: 0.5, physicalSizeZ: 2.5, timeIncrement: timeIncrement,
                              channels: Array(channels.prefix(shape.c)))
        var spec = NapariLayerSpec(metadata: m, sourcePath: layout.location, storePath: layout.location, levels: layout.shapes,
                                   contrastLimits: Array(repeating: ContrastLimits(0, 6000), count: shape.c))
        spec.inPlace = layout
        try FileManager.default.createDirectory(atPath: dir + "/.omio_cache", withIntermediateDirectories: true)
        spec.launcherStorePath = dir + "/.omio_cache/" + name + ".ome.zarr"
        return spec
    }

    func layers(_ spec: NapariLayerSpec, python: String) throws -> [JSONValue] {
        let sent = try NapariLauncher.send(specs: [spec], python: python, check: true,
                                           environment: ProcessInfo.processInfo.environment.filter { $0.key != "DISPLAY" })
        return try #require(sent.check?["layers"]?.arrayValue)
    }

    @Test func storesOpenInPlaceWithTheirAxes() throws {
        guard let python = Self.napariPython else { return }
        let dir = try StoreTestSupport.scratch("napari-inplace")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let v3 = try UserZarrStores.make(.v3, in: dir), let v2 = try UserZarrStores.make(.v2, in: dir) else { return }
        let before = [v3, v2].map(ZarrStorePlacementTests.tree)
        let a = try layers(try Self.spec(NapariZarrLayout.read(folder: v3), dir: dir, name: "v3.ome.zarr"), python: python)
        #expect(a.count == 2)
        #expect(a.map { $0["name"]?.stringValue } == ["v3 DAPI", "v3 GFP"])
        #expect(a[0]["shape"] == .array([2, 3, 64, 48].map { .int($0) }), "\(a[0])")
        #expect(a[0]["scale"] == .array([2, 2.5, 0.5, 0.5].map { .number($0) }), "\(a[0])")
        #expect(a[0]["multiscale"] == .bool(true), "\(a[0])")
        #expect(a[0]["levels"] == .array([[2, 3, 64, 48], [2, 3, 32, 24]].map { .array($0.map { .int($0) }) }), "\(a[0])")
        // Zarr v2, no t: c, z, y, x.
        let b = try layers(try Self.spec(NapariZarrLayout.read(folder: v2), dir: dir, name: "v2.ome.zarr", timeIncrement: nil), python: python)
        #expect(b.count == 2 && b[1]["shape"] == .array([3, 64, 48].map { .int($0) }), "\(b)")
        // The launchers sit in .omio_cache; the stores are as they were, with no lock beside them.
        #expect(FileManager.default.fileExists(atPath: dir + "/.omio_cache/v3.ome.zarr.napari.py"))
        #expect([v3, v2].map(ZarrStorePlacementTests.tree) == before)
        #expect(!FileManager.default.fileExists(atPath: v3 + ".lock") && !FileManager.default.fileExists(atPath: dir + "/v3.napari.py"))
    }

    /// OMIO's cache is one array in t, z, c, y, x order: the launcher reorders it lazily, so
    /// channel k of napari's layer is the array's c = k (checked on pixel values, every mode).
    @Test func omioCacheArrayIsReordered() throws {
        guard let python = Self.napariPython else { return }
        let dir = try StoreTestSupport.scratch("napari-omio")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = dir + "/.omio_cache/cells.zarr"
        let make = """
            import sys, numpy as np, zarr
            a = np.zeros((2, 3, 2, 16, 8), dtype=np.uint16)  # t z c y x
            for t in range(2):
                for z in range(3):
                    for c in range(2):
                        a[t, z, c] = 100 * t + 10 * z + c
            arr = zarr.create_array(sys.argv[1], shape=a.shape, chunks=(1, 1, 1, 16, 8), dtype=a.dtype, zarr_format=3)
            arr[:] = a
            arr.attrs["omio_metadata"] = {"axes": "TZCYX", "PhysicalSizeX": 0.5}
            """
        guard FileManager.default.isExecutableFile(atPath: UserZarrStores.python) else {
            print("SKIPPED: \(UserZarrStores.python) is missing")
            return
        }
        let made = try ChildProcess.run(UserZarrStores.python, ["-c", make, store], timeout: 60)
        #expect(made.status == 0, "\(made.stderr)")
        let layout = try NapariZarrLayout.read(folder: store)
        #expect(layout.axes == ["t", "z", "c", "y", "x"] && layout.levelPaths == [""])
        let spec = try Self.spec(layout, dir: dir, name: "cells.zarr")
        let a = try layers(spec, python: python)
        #expect(a.count == 2 && a[1]["shape"] == .array([2, 3, 16, 8].map { .int($0) }), "\(a)")
        // The launcher's open_levels as napari gets them, in each mode: channel axis 1 (t, c, z, y, x).
        let launcher = NapariScript.scriptPath(storePath: spec.scriptStorePath)
        let probe = """
            import importlib.util, sys, numpy as np
            s = importlib.util.spec_from_file_location("launcher", sys.argv[1])
            m = importlib.util.module_from_spec(s)
            s.loader.exec_module(m)
            spec = m.LAYERS[0]
            for mode in ("dask", "zarr", "numpy"):
                lv = m.open_levels(spec, mode)[0]
                a = np.asarray(lv)
                assert a.shape == (2, 2, 3, 16, 8), (mode, a.shape)
                assert a[1, 1, 2, 0, 0] == 100 + 20 + 1, (mode, a[1, 1, 2, 0, 0])
                assert a[0, 0, 1, 5, 5] == 10, (mode, a[0, 0, 1, 5, 5])
            print("ok")
            """
        let r = try ChildProcess.run(python, ["-c", probe, launcher], timeout: 120)
        #expect(r.status == 0 && r.stdout.contains("ok"), "\(r.stdout) \(r.stderr)")
    }
}
