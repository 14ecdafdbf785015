import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// The committed example_data are what the generator writes, and every plane reads back as
/// the generator's plane for the same (t, z, c): a swapped axis would show up here.
struct ExampleDataTests {
    @Test func committedFilesAreCurrent() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ExampleData.write(to: dir)
        for name in ExampleData.files {
            let fresh = FileManager.default.contents(atPath: dir + "/" + name)
            let committed = FileManager.default.contents(atPath: TestPaths.exampleData + "/" + name)
            #expect(fresh != nil && fresh == committed, "\(name) differs from `make example-data` output")
        }
        let total = ExampleData.files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: TestPaths.exampleData + "/" + $1)[.size] as? Int) ?? 0) }
        #expect(total < 5_000_000)
    }

    struct Case: Sendable, CustomStringConvertible {
        let file: String
        let format: FileFormat
        let shape: Shape
        let dtype: PixelType
        var description: String { file }
    }

    static let cases = [
        Case(file: "hyperstack_T3_Z5_C2.tif", format: .imagejTiff, shape: Shape(t: 3, z: 5, c: 2, y: 112, x: 144), dtype: .uint16),
        Case(file: "ome_T4_Z2_C3.ome.tif", format: .omeTiff, shape: Shape(t: 4, z: 2, c: 3, y: 96, x: 128), dtype: .uint16),
        Case(file: "multipage_T5.tif", format: .tiff, shape: Shape(t: 5, y: 128, x: 128), dtype: .uint8),
        Case(file: "bigendian_float32_T3.tif", format: .tiff, shape: Shape(t: 3, y: 80, x: 96), dtype: .float32),
        Case(file: "tiled_deflate_bigtiff.tif", format: .bigtiff, shape: Shape(t: 2, y: 384, x: 512), dtype: .uint16),
        Case(file: "wrong_spacing_Z8.tif", format: .imagejTiff, shape: Shape(z: 8, y: 128, x: 128), dtype: .uint16),
    ]

    @Test(arguments: cases)
    func everyPlaneIsTheGeneratorsPlane(c: Case) throws {
        let source = try ImageOpener.open(path: TestPaths.exampleData + "/" + c.file)
        let m = source.metadata(series: 0)
        #expect(m.format == c.format)
        #expect(m.shape == c.shape)
        #expect(m.dtype == c.dtype)
        let gen = SyntheticPlanes(width: c.shape.x, height: c.shape.y, dtype: c.dtype)
        for t in 0..<c.shape.t {
            for z in 0..<c.shape.z {
                for ch in 0..<c.shape.c {
                    let got = try source.readPlane(plane: PlaneIndex(t: t, z: z, c: ch))
                    #expect(got.bytes == gen.bytes(t: t, z: z, c: ch), "plane T\(t) Z\(z) C\(ch)")
                }
            }
        }
    }

    @Test func rgbSamplesFoldIntoChannels() throws {
        let source = try ImageOpener.open(path: TestPaths.exampleData + "/rgb.tif")
        let m = source.metadata(series: 0)
        #expect(m.shape == Shape(c: 3, y: 120, x: 160))
        #expect(m.channels.map(\.name) == ["R", "G", "B"])
        let gen = SyntheticPlanes(width: 160, height: 120, dtype: .uint8)
        for ch in 0..<3 {
            #expect(try source.readPlane(plane: PlaneIndex(c: ch)).bytes == gen.bytes(t: 0, z: 0, c: ch))
        }
    }

    @Test func calibrationAndChannels() throws {
        let ij = try ImageOpener.open(path: TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif").metadata(series: 0)
        #expect(abs(ij.physicalSizeX - 0.2) < 1e-9 && abs(ij.physicalSizeZ - 1) < 1e-12)
        #expect(ij.timeIncrement == 2.5)
        #expect(ij.channels.map(\.color) == [RGBColor(255, 0, 255), RGBColor(0, 255, 0)])
        #expect(ij.warnings.isEmpty)

        let ome = try ImageOpener.open(path: TestPaths.exampleData + "/ome_T4_Z2_C3.ome.tif").metadata(series: 0)
        #expect(ome.channels.map(\.name) == ["DAPI", "GFP", "mCherry"])
        #expect(ome.channels.map(\.color) == [RGBColor(0, 0, 255), RGBColor(0, 255, 0), RGBColor(255, 0, 0)])
        #expect(ome.timeIncrement == 0.5 && ome.physicalSizeZ == 2 && ome.physicalSizeX == 0.325)
    }

    /// The seed case is flagged before anyone edits it.
    @Test func wrongSpacingIsFlagged() throws {
        let m = try ImageOpener.open(path: TestPaths.exampleData + "/wrong_spacing_Z8.tif").metadata(series: 0)
        #expect(abs(m.physicalSizeZ - 0.0000185) < 1e-12)
        #expect(m.warnings == ["PhysicalSizeZ 1.85e-05 µm is implausible next to PhysicalSizeX 0.3 µm"])
        #expect(m.suspiciousFields == ["PhysicalSizeZ"])
    }

    @Test func infoJSONHasTheDocumentedKeysInOrder() throws {
        let m = try ImageOpener.open(path: TestPaths.exampleData + "/ome_T4_Z2_C3.ome.tif").metadata(series: 0)
        let keys = m.json.objectValue!.map(\.0)
        let documented = ["path", "format", "series", "series_count", "levels", "axes", "shape", "dtype",
                          "SizeT", "SizeZ", "SizeC", "SizeY", "SizeX", "PhysicalSizeX", "PhysicalSizeXUnit",
                          "PhysicalSizeY", "PhysicalSizeYUnit", "PhysicalSizeZ", "PhysicalSizeZUnit",
                          "TimeIncrement", "TimeIncrementUnit", "Channels", "Annotations"]
        #expect(Array(keys.filter { documented.contains($0) }) == documented)
        #expect(keys.contains("warnings"))
        let back = try JSONValue.parse(Data(m.json.serialized().utf8))
        #expect(back["shape"] == .array([4, 2, 3, 96, 128].map { .int($0) }))
        #expect(back["Channels"]?.arrayValue?.first?["Name"] == .string("DAPI"))
    }
}
