import Foundation
import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// Metadata corrections: validation, the overlay's round trip, atomic saving, and that every
/// consumer sees the corrected values.
struct OverlayTests {
    static let example = (TestPaths.exampleData + "/" + "wrong_spacing_Z8.tif")

    func copyOfExample(_ name: String = "wrong_spacing_Z8.tif") throws -> (dir: String, path: String) {
        let dir = NSTemporaryDirectory() + "omio-overlay-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        try FileManager.default.copyItem(atPath: (TestPaths.exampleData + "/" + name), toPath: path)
        return (dir, path)
    }

    var metadata: ImageMetadata { try! ImageOpener.open(path: OverlayTests.example).metadata(series: 0) }

    @Test(arguments: [("5", 5.0), ("5000 nm", 5.0), ("5000nm", 5.0), ("0.005 mm", 5.0), ("5 um", 5.0), ("5µm", 5.0),
                      ("5 micron", 5.0), ("5e3 nm", 5.0), ("0.0005 cm", 5.0), ("5e-6 m", 5.0),
                      ("5,0", 5.0), ("5,0 nm", 0.005), ("5000,0nm", 5.0), ("0,005 mm", 5.0)])
    func goodLengths(text: String, microns: Double) throws {
        let v = try FieldParser.parse(.physicalSize(axis: "Z"), text, current: metadata)
        guard case let .number(x, _) = v else { Issue.record("not a number"); return }
        #expect(abs(x - microns) < 1e-9)
    }

    /// A decimal comma is read as a point, but a comma beside a point or a second comma is a
    /// thousands separator or a typo: refused, not guessed.
    @Test(arguments: ["0", "-5", "abc", "5 parsec", "inf", "nan", "", "5 s", "5 pixel", "1,000.5", "1,000,000", ",", "0,0"])
    func badLengths(text: String) {
        #expect(throws: FieldParser.Invalid.self) { try FieldParser.parse(.physicalSize(axis: "Z"), text, current: metadata) }
    }

    @Test(arguments: [("2", 2.0), ("250 ms", 0.25), ("1.5 min", 90.0), ("2 h", 7200.0), ("0.5s", 0.5), ("0,5 s", 0.5), ("1,5min", 90.0)])
    func goodTimes(text: String, seconds: Double) throws {
        #expect(try FieldParser.parse(.timeIncrement, text, current: metadata) == .number(seconds, unit: "s"))
    }

    @Test func unitReinterpretsTheNumber() throws {
        var m = metadata
        m.physicalSizeZ = 5
        #expect(try FieldParser.parse(.physicalSizeUnit(axis: "Z"), "nm", current: m) == .number(0.005, unit: "µm"))
        #expect(throws: FieldParser.Invalid.self) { try FieldParser.parse(.physicalSizeUnit(axis: "Z"), "furlong", current: m) }
    }

    @Test func keysAndColours() throws {
        #expect(MetadataField(key: "PhysicalSizeZ") == .physicalSize(axis: "Z"))
        #expect(MetadataField(key: "Channel 1 Name") == .channelName(1))
        #expect(MetadataField(key: "Channel:0:Color") == .channelColor(0))
        #expect(MetadataField(key: "Channel1Colour") == .channelColor(1))
        #expect(MetadataField(key: "SizeZ") == nil)
        #expect(try FieldParser.parse(.channelColor(0), "green", current: metadata) == .color(RGBColor(0, 255, 0)))
        #expect(try FieldParser.parse(.channelColor(0), "#ff00FF", current: metadata) == .color(RGBColor(255, 0, 255)))
        #expect(throws: FieldParser.Invalid.self) { try FieldParser.parse(.channelColor(3), "green", current: metadata) }
        #expect(throws: FieldParser.Invalid.self) { try FieldParser.parse(.channelName(0), "  ", current: metadata) }
    }

    @Test func applyUndoResetAndRoundTrip() throws {
        let file = metadata
        var o = MetadataOverlay(sourcePath: OverlayTests.example)
        o.set(.physicalSize(axis: "Z"), .number(5, unit: "µm"), series: 0, file: file)
        o.set(.channelName(0), .text("Nuclei"), series: 0, file: file)
        var m = o.apply(to: file)
        #expect(m.physicalSizeZ == 5 && m.channels[0].name == "Nuclei")
        #expect(m.edited == ["Channel 0 Name", "PhysicalSizeZ"])
        #expect(m.warnings.isEmpty, "the implausible spacing is fixed")
        #expect(o.edits(series: 0)["PhysicalSizeZ"]?.original == .number(0.0000185, unit: "µm"))
        let back = try MetadataOverlay(json: JSONValue.parse(Data(o.json.serialized().utf8)), sourcePath: OverlayTests.example)
        #expect(back == o)
        #expect(back.hash(series: 0) == o.hash(series: 0) && o.hash(series: 0) != nil)
        #expect(o.undo() == "Channel 0 Name")
        m = o.apply(to: file)
        #expect(m.channels[0].name == nil && m.physicalSizeZ == 5)
        o.reset(.physicalSize(axis: "Z"), series: 0)
        #expect(o.apply(to: file).physicalSizeZ == 0.0000185 && o.hash(series: 0) == nil)
        #expect(o.undo() == "PhysicalSizeZ")
        #expect(o.apply(to: file).physicalSizeZ == 5)
    }

    @Test func savedBesideTheFileAndAppliedByInfo() throws {
        let (dir, path) = try copyOfExample()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let before = FileManager.default.contents(atPath: path)
        let source = try ImageOpener.open(path: path)
        var o = OverlayStore.load(for: path)
        #expect(o.isEmpty)
        o.set(.physicalSize(axis: "Z"), .number(5, unit: "µm"), series: 0, file: source.metadata(series: 0))
        let saved = try OverlayStore.save(o)
        #expect(saved.path == path + ".omio.json" && saved.notice == nil)
        let opened = try CorrectedSeries.open(path: path, series: 0)
        let (m, loaded) = (opened.metadata, opened.overlay)
        #expect(m.physicalSizeZ == 5 && m.edited == ["PhysicalSizeZ"] && loaded == o)
        #expect(FileManager.default.contents(atPath: path) == before, "the image is never modified")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["wrong_spacing_Z8.tif", "wrong_spacing_Z8.tif.omio.json"])
    }

    /// A sidecar that is not JSON: a warning, the file's own values, and `save` refuses to
    /// replace what may be the user's hand edits.
    @Test func damagedSidecarIsAWarningAndKept() throws {
        let (dir, path) = try copyOfExample()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sidecar = path + ".omio.json"
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: sidecar))
        var o = OverlayStore.load(for: path)
        let m = o.apply(to: try ImageOpener.open(path: path).metadata(series: 0))
        #expect(m.physicalSizeZ == 0.0000185)
        #expect(m.warnings.contains { $0.contains("is not valid JSON") && $0.contains("the file's own metadata is used") }, "\(m.warnings)")
        o.set(.physicalSize(axis: "Z"), .number(5, unit: "µm"), series: 0, file: m)
        #expect(throws: OmioError.self) { try OverlayStore.save(o) }
        #expect(FileManager.default.contents(atPath: sidecar) == Data("{not json".utf8))
    }

    /// Sidecars from before the fix (version 1) held the number in µm beside the typed unit;
    /// they are read as they were applied. Version 2 numbers are in their unit.
    @Test(arguments: [(1, 5.0, "nm", 5.0), (2, 5000.0, "nm", 5.0), (2, 0.005, "mm", 5.0), (2, 5.0, "µm", 5.0), (1, 5.0, "µm", 5.0)])
    func sidecarVersionsReadAsTheyWereMeant(version: Int, value: Double, unit: String, microns: Double) throws {
        let json = """
            {"format": "omio-tui metadata overlay", "version": \(version), "series": [{"series": 0, "edits": [
              {"field": "PhysicalSizeZ", "value": {"value": \(value), "unit": "\(unit)"}}]}]}
            """
        let o = try MetadataOverlay(json: JSONValue.parse(Data(json.utf8)), sourcePath: OverlayTests.example)
        #expect(abs(o.apply(to: metadata).physicalSizeZ - microns) < 1e-12)
        #expect(o.warnings.isEmpty)
    }

    @Test func stateDirectoryKeyIsPerPath() {
        #expect(OverlayStore.statePath(for: "/a/x.tif") != OverlayStore.statePath(for: "/b/x.tif"))
        #expect(OverlayStore.statePath(for: "/a/x.tif").hasSuffix("-x.tif.omio.json"))
    }
}
