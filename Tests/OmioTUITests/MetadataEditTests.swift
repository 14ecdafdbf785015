import Foundation
import OmioEngine
import OmioFormats
import Testing
@testable import OmioTUI

/// Correcting metadata in the TUI: inline editor, :set/:reset, undo, export.
@Suite(.serialized)
struct MetadataEditTests {
    func copy(_ name: String) throws -> (dir: String, path: String) {
        let dir = TUITestPaths.tempDir()
        let path = dir + "/" + name
        try FileManager.default.copyItem(atPath: TUITestPaths.exampleData + "/" + name, toPath: path)
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
        #expect(d.model.message?.isError == true && d.model.message?.text.contains("positive") == true)
        #expect(d.model.viewer?.metadata.physicalSizeZ == 0.0000185, "a bad value changes nothing")
        #expect(!FileManager.default.fileExists(atPath: path + ".omio.json"))
        d.press(.char("e"), .ctrl("u"))
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
