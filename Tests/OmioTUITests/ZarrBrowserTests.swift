import Foundation
import OmioEngine
import OmioFixtures
import OmioFormats
import Testing
@testable import OmioTUI

/// OME-Zarr stores in the browser: one image per store (badge `[ZARR v2]` / `[ZARR v3]`),
/// `o` enters a store as a folder, a plate lists its wells and a well its fields, and a
/// store's export goes beside it.
@Suite struct ZarrBrowserTests {
    /// A folder with ome-zarr-py's stores (v3, v2 named without `.zarr`, a plate), a TIFF and
    /// a plain folder; nil (reason printed) without the test venv.
    static func scene() throws -> String? {
        let dir = TestPaths.tempDir()
        guard try UserZarrStores.make(.v3, in: dir) != nil else { return nil }
        _ = try UserZarrStores.make(.v2, in: dir, name: "second")
        _ = try UserZarrStores.make(.plate, in: dir, name: "plate.ome.zarr")
        try FileManager.default.createDirectory(atPath: dir + "/folder", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/rgb.tif", toPath: dir + "/rgb.tif")
        return dir
    }

    func entry(_ d: AppDriver, _ name: String) -> BrowserEntry? { d.model.browser.all.first { $0.name == name } }

    @Test func storesAreListedAsImages() throws {
        guard let dir = try Self.scene() else { return }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: dir)
        #expect(entry(d, "v3.ome.zarr")?.kind == .image && entry(d, "v3.ome.zarr")?.zarr?.format == 3)
        #expect(entry(d, "second")?.kind == .image && entry(d, "second")?.zarr?.format == 2) // by its metadata, not its name
        #expect(entry(d, "plate.ome.zarr")?.kind == .directory && entry(d, "plate.ome.zarr")?.zarr?.role == .plate)
        #expect(entry(d, "folder")?.kind == .directory && entry(d, "folder")?.zarr == nil)
        // Folders (the plate among them) first, then images: stores sort with the files.
        #expect(d.model.browser.all.map(\.name) == ["folder", "plate.ome.zarr", "rgb.tif", "second", "v3.ome.zarr"])
        let text = d.text
        #expect(text.contains("[PLATE v2] 2 wells"))
    }

    @Test func oEntersAStoreAndEnterOpensIt() throws {
        guard let dir = try Self.scene() else { return }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: dir)
        d.select("v3.ome.zarr")
        d.press(.char("o"))
        #expect(d.model.browser.cwd == dir + "/v3.ome.zarr")
        #expect(d.model.browser.all.map(\.name).contains("s0"))
        d.press(.char("h"))
        #expect(d.model.browser.cwd == dir && d.model.browser.selected?.name == "v3.ome.zarr")
        d.press(.enter)
        #expect(d.model.browser.cwd == dir) // Enter opens the store, it does not enter it
        d.select("rgb.tif")
        d.press(.char("o"))
        #expect(d.model.browser.cwd == dir && d.model.message?.text.contains("is a file") == true)
    }

    @Test func plateListsWellsAndWellListsFields() throws {
        guard let dir = try Self.scene() else { return }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: dir)
        d.select("plate.ome.zarr")
        d.press(.enter)
        #expect(d.model.browser.all.map(\.name) == ["A/1", "A/2"])
        #expect(d.model.browser.all.allSatisfy { $0.kind == .directory && $0.zarr?.role == .well })
        d.select("A/2")
        d.press(.enter)
        #expect(d.model.browser.cwd == dir + "/plate.ome.zarr/A/2")
        #expect(d.model.browser.all.map(\.name) == ["0", "1"])
        #expect(d.model.browser.all.allSatisfy { $0.kind == .image && $0.zarr?.role == .image })
        // Up from a well: back to the plate, the well selected (not the row folder A).
        d.press(.char("h"))
        #expect(d.model.browser.cwd == dir + "/plate.ome.zarr" && d.model.browser.selected?.name == "A/2")
    }

    /// `omio-tui x.ome.zarr`: its folder is browsed with the store selected, and it is opened.
    @Test func storeOnTheCommandLineOpensIt() throws {
        guard let dir = try Self.scene() else { return }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = AppModel(path: dir + "/v3.ome.zarr/")
        #expect(m.browser.cwd == dir && m.pendingSelect == "v3.ome.zarr" && m.openingAtStart)
        #expect(m.takeEffects().contains { if case let .open(path, _) = $0 { return path == dir + "/v3.ome.zarr" }; return false })
        let plate = AppModel(path: dir + "/plate.ome.zarr")
        #expect(plate.browser.cwd == dir + "/plate.ome.zarr" && !plate.openingAtStart) // a plate is browsed
    }

    @Test func urlOnTheCommandLineIsOpenedNotBrowsed() {
        let m = AppModel(path: "http://127.0.0.1:9/x.ome.zarr")
        #expect(m.browser.cwd == FileManager.default.currentDirectoryPath && m.openingAtStart)
        #expect(m.takeEffects().contains { if case let .open(path, _) = $0 { return path == "http://127.0.0.1:9/x.ome.zarr" }; return false })
    }

    @Test func exportOfAStoreGoesBesideIt() throws {
        guard let dir = try Self.scene() else { return }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(AppModel.defaultExportPath(dir + "/v3.ome.zarr") == dir + "/v3.corrected.ome.tif")
        #expect(AppModel.defaultExportPath(dir + "/plate.ome.zarr/A/2/1") == dir + "/plate.A.2.1.corrected.ome.tif")
        #expect(AppModel.defaultExportPath("https://h/p/img.ome.zarr/") == LexicalPath.absolute("img.corrected.ome.tif"))
        #expect(AppModel.defaultExportPath(dir + "/rgb.tif") == dir + "/rgb.corrected.ome.tif")
    }

    /// With the reader: each store's header is probed in the background ([ZARR v3] and its
    /// shape), Enter on a well's field opens it, a correction goes beside the plate, and
    /// `--store disk` builds no copy of a store (it is a chunked pyramid already).
    @Test func storesOpenFromTheBrowser() throws {
        guard let dir = try Self.scene() else { return }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: dir, store: .disk)
        #expect(entry(d, "v3.ome.zarr")?.header?.badge == "ZARR v3")
        #expect(entry(d, "v3.ome.zarr")?.header?.text == "T2 Z3 C2 64×48 uint16")
        #expect(entry(d, "second")?.header?.badge == "ZARR v2")
        d.select("plate.ome.zarr")
        d.press(.enter)
        d.select("A/2")
        d.press(.enter)
        d.select("1")
        d.press(.enter)
        let v = try #require(d.model.viewer)
        #expect(v.path == dir + "/plate.ome.zarr/A/2/1" && v.shape.z == 2 && v.shape.y == 32)
        d.press(.char(":"))
        d.type("set PhysicalSizeZ=3")
        d.press(.enter)
        #expect(FileManager.default.fileExists(atPath: dir + "/plate.ome.zarr.A.2.1.omio.json"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/plate.ome.zarr/A/2/1.omio.json"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/.omio_cache") && !FileManager.default.fileExists(atPath: dir + "/plate.ome.zarr/A/2/.omio_cache"))
    }
}
