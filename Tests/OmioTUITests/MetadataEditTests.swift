import Foundation
import OmioFixtures
import OmioEngine
import OmioFormats
import Testing
@testable import OmioTUI

/// Correcting metadata in the TUI: inline editor, :set/:reset, undo, export.
@Suite(.serialized)
struct MetadataEditTests {
    func copy(_ name: String) throws -> (dir: String, path: String) {
        let dir = TestPaths.tempDir()
        let path = dir + "/" + name
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/" + name, toPath: path)
        return (dir, path)
    }

    func selectField(_ d: AppDriver, _ field: String) {
        d.press(.tab) // browser -> metadata
        while d.model.tree.selectedRow?.node.field != field, d.model.tree.selection < d.model.tree.rows.count - 1 {
            d.press(.down)
        }
    }

    @Test func inlineEditorValidatesSavesAndUndoes() throws {
        let (dir, path) = try copy("wrong_spacing_Z8.tif")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = FileManager.default.contents(atPath: path)
        let d = AppDriver(path: path)
        #expect(d.text.contains("PhysicalSizeZ  1.85e-05 µm  ! implausible"))
        selectField(d, "PhysicalSizeZ")
        #expect(d.model.tree.selectedRow?.node.field == "PhysicalSizeZ")
        d.press(.char("e"))
        #expect(d.model.editor?.text == "1.85e-05 µm")
        #expect(d.text.contains("PhysicalSizeZ › 1.85e-05 µm"))
        d.press(.ctrl("u"))
        d.type("-3")
        d.press(.enter)
        #expect(d.model.editor?.text == "-3" && d.model.editor?.error?.contains("positive") == true, "the editor stays open")
        #expect(d.model.viewer?.metadata.physicalSizeZ == 0.0000185, "a bad value changes nothing")
        #expect(!FileManager.default.fileExists(atPath: path + ".omio.json"))
        d.press(.ctrl("u"))
        d.type("5000 nm")
        d.press(.enter)
        #expect(d.model.viewer?.metadata.physicalSizeZ == 5)
        let text = d.text
        #expect(text.contains("PhysicalSizeZ  5 µm ✎"))
        #expect(!text.contains("implausible"))
        #expect(FileManager.default.fileExists(atPath: path + ".omio.json"))
        #expect(FileManager.default.contents(atPath: path) == original)
        d.press(.char("u"))
        #expect(d.model.viewer?.metadata.physicalSizeZ == 0.0000185)
        d.press(.char("u"))
        #expect(d.model.message?.text == "nothing to undo")
    }

    func selectLabel(_ d: AppDriver, _ label: String) {
        d.press(.tab) // browser -> metadata
        while d.model.tree.selectedRow?.node.label != label, d.model.tree.selection < d.model.tree.rows.count - 1 {
            d.press(.down)
        }
    }

    /// A refused value leaves the editor open with the typed text and the reason on screen, so a
    /// typo costs one key; the fixed text (with a decimal comma) then saves.
    @Test func refusedInputKeepsTheTextAndSaysWhy() throws {
        let (dir, path) = try copy("wrong_spacing_Z8.tif")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: path, cols: 160)
        selectField(d, "PhysicalSizeZ")
        d.press(.char("e"), .ctrl("u"))
        d.type("5 parsec")
        d.press(.enter)
        #expect(d.model.editor?.text == "5 parsec")
        let screen = d.text
        #expect(screen.contains("PhysicalSizeZ › 5 parsec"), "\(screen)")
        #expect(screen.contains("unknown length unit 'parsec'"), "the reason is shown beside the text")
        #expect(!FileManager.default.fileExists(atPath: path + ".omio.json"))
        for _ in 0..<"parsec".count { d.press(.backspace) }
        d.type("nm")
        #expect(d.model.editor?.text == "5 nm")
        d.press(.backspace, .backspace, .backspace)
        d.type(",5 nm")
        #expect(d.model.editor?.text == "5,5 nm")
        d.press(.enter)
        #expect(d.model.editor == nil)
        #expect(abs((d.model.viewer?.metadata.physicalSizeZ ?? 0) - 0.0055) < 1e-12, "5,5 nm is 0.0055 µm")
        d.press(.char(":"))
        d.type("set PhysicalSizeZ=2,5")
        d.press(.enter)
        #expect(d.model.viewer?.metadata.physicalSizeZ == 2.5, ":set takes a decimal comma too")
    }

    /// The unit hint appears only for numbers that take a unit, not for names or colours.
    @Test func unitHintOnlyWhereUnitsApply() throws {
        let (dir, path) = try copy("hyperstack_T3_Z5_C2.tif")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: path, cols: 200)
        let unitHint = "a unit may follow the number"
        selectField(d, "PhysicalSizeX")
        d.press(.char("e"))
        #expect(d.text.contains(unitHint + " (5000 nm)"))
        d.press(.escape)
        while d.model.tree.selectedRow?.node.field != "TimeIncrement" { d.press(.down) }
        d.press(.char("e"))
        #expect(d.text.contains(unitHint + " (500 ms)"))
        d.press(.escape)
        for field in ["Channel 0 Name", "Channel 0 Color", "Description"] {
            while d.model.tree.selectedRow?.node.field != field, d.model.tree.selection < d.model.tree.rows.count - 1 {
                if d.model.tree.selectedRow?.expandable == true, d.model.tree.selectedRow?.expanded == false { d.press(.right) }
                d.press(.down)
            }
            #expect(d.model.tree.selectedRow?.node.field == field)
            d.press(.char("e"))
            let screen = d.text
            #expect(screen.contains("\(field) ›") && screen.contains("Enter saves"))
            #expect(!screen.contains(unitHint), "\(field) takes no unit")
            d.press(.escape)
        }
    }

    /// `e` on a Channel row opens it and names what is editable inside; on a row with nothing to
    /// edit it lists the keys the editor and :set take.
    @Test func eOnARowWithoutAFieldSaysWhatIsEditable() throws {
        let (dir, path) = try copy("hyperstack_T3_Z5_C2.tif")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: path, cols: 200)
        selectLabel(d, "Channel 1")
        #expect(d.model.tree.selectedRow?.node.label == "Channel 1")
        d.press(.char("e"))
        #expect(d.model.editor == nil)
        #expect(d.model.message?.text == "Channel 1: e edits its Name or Color — select one below")
        #expect(d.model.tree.selectedRow?.expanded == true)
        while d.model.tree.selectedRow?.node.label != "dtype" { d.press(.up) }
        d.press(.char("e"))
        #expect(d.model.message?.text == "nothing to edit on dtype; editable: \(MetadataField.keysHelp)")
    }

    /// Every edit path in the TUI writes the number it applies: read back with an independent
    /// JSON parser and unit table, the sidecar agrees with what the viewer shows.
    @Test func editsWriteWhatTheyApply() throws {
        let (dir, path) = try copy("wrong_spacing_Z8.tif")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: path)
        func stored() throws -> Double { try SidecarJSON.modelValue(path + ".omio.json", field: "PhysicalSizeZ") }
        selectField(d, "PhysicalSizeZ")
        d.press(.char("e"), .ctrl("u"))
        d.type("5000 nm")
        d.press(.enter)
        #expect(d.model.viewer?.metadata.physicalSizeZ == 5)
        #expect(try stored() == 5, "`e` 5000 nm")
        for (command, microns) in [("set PhysicalSizeZ=0.005mm", 5.0), ("set PhysicalSizeZUnit=nm", 0.005), ("set PhysicalSizeZ=250 nm", 0.25)] {
            d.press(.char(":"))
            d.type(command)
            d.press(.enter)
            let shown = try #require(d.model.viewer?.metadata.physicalSizeZ)
            #expect(abs(shown - microns) < 1e-12, "\(command): shown \(shown)")
            let saved = try stored()
            #expect(abs(saved - shown) < 1e-12, "\(command): the sidecar says \(saved), the viewer \(shown)")
        }
    }

    @Test func commandLineSetResetAndReopen() throws {
        let (dir, path) = try copy("wrong_spacing_Z8.tif")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: path)
        d.press(.char(":"))
        d.type("set PhysicalSizeZ=5")
        d.press(.enter)
        #expect(d.model.viewer?.metadata.physicalSizeZ == 5)
        // Reopening (a new model, like a new session) sees the saved correction.
        let again = AppDriver(path: path)
        #expect(again.model.viewer?.metadata.physicalSizeZ == 5)
        #expect(again.model.viewer?.metadata.edited == ["PhysicalSizeZ"])
        again.press(.char(":"))
        again.type("reset PhysicalSizeZ")
        again.press(.enter)
        #expect(again.model.viewer?.metadata.physicalSizeZ == 0.0000185)
        again.press(.char(":"))
        again.type("set Nonsense=4")
        again.press(.enter)
        #expect(again.model.message?.isError == true)
    }

    @Test func exportWritesTheCorrection() throws {
        let (dir, path) = try copy("wrong_spacing_Z8.tif")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = AppDriver(path: path)
        d.press(.char(":"))
        d.type("set PhysicalSizeZ=5")
        d.press(.enter)
        d.press(.char("x"))
        #expect(d.model.commandLine == "export " + dir + "/wrong_spacing_Z8.corrected.ome.tif")
        d.press(.enter)
        #expect(d.model.exportProgress == nil)
        #expect(d.model.message?.text.hasPrefix("exported") == true)
        let m = try ImageOpener.open(path: dir + "/wrong_spacing_Z8.corrected.ome.tif").metadata(series: 0)
        #expect(m.physicalSizeZ == 5 && m.format == .omeTiff)
        // A second export does not overwrite.
        d.press(.char("x"), .enter)
        #expect(d.model.message?.text.contains("exists") == true)
    }
}

/// `n` and Space: what is sent to napari, and a clear message when napari cannot start.
@Suite(.serialized)
struct NapariKeyTests {
    @Test func marksAndAFailureMessage() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["rgb.tif", "multipage_T5.tif"] {
            try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/" + name, toPath: dir + "/" + name)
        }
        let d = AppDriver(path: dir)
        d.model.napariPython = dir + "/no-such-python"
        d.press(.char("n"))
        #expect(d.model.message?.text.contains("open a file or mark files") == true)
        d.select("multipage_T5.tif")
        d.press(.char(" "))
        #expect(d.model.browser.marks == [dir + "/multipage_T5.tif"])
        #expect(d.text.contains("✓multipage_T5.tif"))
        d.press(.char("n"))
        // The store was built for the marked file, then the missing Python is reported.
        #expect(d.model.message?.isError == true, "\(String(describing: d.model.message))")
        #expect(d.model.message?.text.contains("no-such-python") == true, "\(String(describing: d.model.message))")
        #expect(FileManager.default.fileExists(atPath: dir + "/.omio_cache/multipage_T5.tif.ome.zarr"))
        #expect(d.model.browser.marks.count == 1, "marks stay when nothing was sent")
    }
}

/// The cache menu: listing with sizes, each action's confirmation, and the update after.
@Suite(.serialized)
struct PurgeMenuTests {
    @Test func listConfirmAndPurge() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["rgb.tif", "multipage_T5.tif"] {
            try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/" + name, toPath: dir + "/" + name)
            _ = try StoreBuilder.ensure(source: ImageOpener.open(path: dir + "/" + name), request: StoreRequest())
        }
        _ = FileManager.default.createFile(atPath: dir + "/rgb.tif.omio.json", contents: Data("{}".utf8))
        let d = AppDriver(path: dir)
        d.press(.char("p"))
        let menu = try #require(d.model.purgeMenu)
        #expect(menu.entries.count == 2)
        var text = d.text
        #expect(text.contains("rgb.tif → rgb.tif.ome.zarr") && text.contains("multipage_T5.tif → multipage_T5.tif.ome.zarr"))
        #expect(text.contains("total "))
        // d asks with the bytes, n keeps everything.
        d.press(.char("d"))
        let q = try #require(d.model.purgeMenu?.confirm)
        #expect(PurgeMenu.question(q.title, q.plan).contains(PurgeReport.size(q.plan.bytes)))
        d.press(.char("n"))
        #expect(d.model.purgeMenu?.entries.count == 2 && d.model.purgeMenu?.note == "nothing removed")
        // s: nothing stale here.
        d.press(.char("s"))
        #expect(d.model.purgeMenu?.note?.contains("nothing to remove") == true)
        // A then y: the whole .omio_cache goes; sources and sidecars stay; the menu updates.
        d.press(.char("A"))
        text = d.text
        #expect(text.contains("full cleanup") && text.contains("y / n"))
        d.press(.char("y"))
        #expect(d.model.purgeMenu?.entries.isEmpty == true)
        #expect(d.model.purgeMenu?.note?.hasPrefix("removed 2 entries") == true, "\(String(describing: d.model.purgeMenu?.note))")
        #expect(!FileManager.default.fileExists(atPath: dir + "/.omio_cache"))
        #expect(FileManager.default.fileExists(atPath: dir + "/rgb.tif.omio.json") && FileManager.default.fileExists(atPath: dir + "/rgb.tif"))
        d.press(.escape)
        #expect(d.model.purgeMenu == nil)
    }

    /// A store a napari window shows (its lock held shared) is skipped on the first `y`; a
    /// second question offers it, `n` keeps it, `y` removes it.
    @Test func aStoreNapariShowsNeedsASecondYes() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/rgb.tif", toPath: dir + "/rgb.tif")
        _ = try StoreBuilder.ensure(source: ImageOpener.open(path: dir + "/rgb.tif"), request: StoreRequest())
        let store = dir + "/.omio_cache/rgb.tif.ome.zarr"
        let fd = open(store + ".lock", O_RDONLY)
        #expect(fd >= 0 && flock(fd, LOCK_SH) == 0) // what the launcher does while it shows the store
        defer { close(fd) }
        let d = AppDriver(path: dir)
        d.press(.char("p"))
        d.press(.char("A"))
        d.press(.char("y"))
        let again = try #require(d.model.purgeMenu?.confirm, "no second question for the store napari shows")
        #expect(again.title.contains("in use (napari)") && again.plan.entries.map(\.path).contains(store))
        d.press(.char("n"))
        #expect(FileManager.default.fileExists(atPath: store), "n to the second question removed the shown store")
        d.press(.char("A"))
        d.press(.char("y"))
        d.press(.char("y"))
        #expect(!FileManager.default.fileExists(atPath: store))
    }
}
