import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// Axis orders and units that writers other than ome-zarr-py produce, on stores written here
/// by hand (no Python needed): X before Y, missing and unknown units, plain arrays by rank.
struct NGFFAxesTests {
    static func write(_ path: String, _ json: String) throws { try write(path, Data(json.utf8)) }

    static func write(_ path: String, _ data: Data) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// A v3 uint8 array with uncompressed chunks (codecs: bytes) and fill value 7.
    static func array(shape: [Int], chunks: [Int], names: String = "null") -> String {
        """
        {"zarr_format": 3, "node_type": "array", "shape": \(shape), "data_type": "uint8",
         "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": \(chunks)}},
         "chunk_key_encoding": {"name": "default"}, "fill_value": 7,
         "codecs": [{"name": "bytes"}], "dimension_names": \(names), "attributes": {}}
        """
    }

    static func group(axes: String, scale: [Double]) -> String {
        """
        {"zarr_format": 3, "node_type": "group", "attributes": {"ome": {"version": "0.5", "multiscales": [{
          "axes": \(axes), "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": \(scale)}]}]}]}}}
        """
    }

    @Test func anArrayWithXBeforeYReadsAsRowsOfY() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = dir + "/xy.ome.zarr"
        try Self.write(store + "/zarr.json", Self.group(axes: #"[{"name": "x", "type": "space", "unit": "micrometer"}, {"name": "y", "type": "space", "unit": "micrometer"}]"#, scale: [0.5, 0.25]))
        try Self.write(store + "/0/zarr.json", Self.array(shape: [6, 4], chunks: [6, 4]))
        // Sample [x][y] = x * 4 + y, in the array's C order.
        try Self.write(store + "/0/c/0/0", Data((0..<24).map { UInt8($0) }))
        let source = try ImageOpener.open(path: store)
        let m = source.metadata(series: 0)
        #expect(m.shape == Shape(y: 4, x: 6))
        #expect(m.physicalSizeX == 0.5 && m.physicalSizeY == 0.25)
        let plane = try source.readPlane(plane: PlaneIndex())
        #expect(plane.width == 6 && plane.height == 4)
        var want: [UInt8] = []
        for y in 0..<4 {
            for x in 0..<6 { want.append(UInt8(x * 4 + y)) }
        }
        #expect(plane.bytes == want)
        let window = try source.read(series: 0, level: 0, plane: PlaneIndex(), region: PixelRegion(rows: 1..<4, cols: 1..<6, rowStep: 2, colStep: 3))
        #expect(window.bytes == [5, 17, 7, 19]) // (y, x) = (1, 1), (1, 4), (3, 1), (3, 4)
    }

    @Test func missingAndUnknownUnitsAreSaidAndMissingChunksAreTheFillValue() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = dir + "/units.zarr"
        try Self.write(store + "/zarr.json", Self.group(axes: #"[{"name": "t", "type": "time", "unit": "hour"}, {"name": "y", "type": "space"}, {"name": "x", "type": "space", "unit": "furlong"}]"#, scale: [0.5, 0.5, 2]))
        try Self.write(store + "/0/zarr.json", Self.array(shape: [2, 3, 5], chunks: [1, 3, 5]))
        let source = try ImageOpener.open(path: store)
        let m = source.metadata(series: 0)
        #expect(m.timeIncrement == 1800)
        #expect(m.physicalSizeY == 0.5 && m.physicalSizeX == 0.5, "X takes Y's size when its own cannot be used")
        #expect(m.readerWarnings == ["axis x has the unit \"furlong\", which is not a length; PhysicalSizeX ignored",
                                     "axis y has no unit; its scale 0.5 is taken as µm"])
        #expect(try source.readPlane(plane: PlaneIndex(t: 1)).bytes == [UInt8](repeating: 7, count: 15))
    }

    /// A scale given but invalid (Y -5, Z 0) defaults to 1 µm on its own axis; only a missing
    /// size borrows the other lateral one, so Y never shows X's (absurd) value.
    @Test func anInvalidScaleDefaultsInsteadOfTakingAnotherAxis() throws {
        let store = TestPaths.tempDir() + "/bad-scale.ome.zarr"
        defer { try? FileManager.default.removeItem(atPath: (store as NSString).deletingLastPathComponent) }
        let axes = #"[{"name": "t", "type": "time", "unit": "second"}, {"name": "c", "type": "channel"}, {"name": "z", "type": "space", "unit": "micrometer"}, {"name": "y", "type": "space", "unit": "micrometer"}, {"name": "x", "type": "space", "unit": "micrometer"}]"#
        try Self.write(store + "/zarr.json", Self.group(axes: axes, scale: [-1, 0, 0, -5, 1e308]))
        try Self.write(store + "/0/zarr.json", Self.array(shape: [1, 1, 2, 3, 5], chunks: [1, 1, 1, 3, 5]))
        let m = try ImageOpener.open(path: store).metadata(series: 0)
        #expect(m.physicalSizeX == 1e308)
        #expect(m.physicalSizeY == 1 && m.defaulted.contains("PhysicalSizeY"))
        #expect(m.physicalSizeZ == 1 && m.defaulted.contains("PhysicalSizeZ"))
        #expect(m.warnings.contains("PhysicalSizeY is not in the file; defaulted to 1 µm"))
    }

    @Test func plainArraysTakeTheirAxesFromRankOrNames() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.write(dir + "/zyx.zarr/zarr.json", Self.array(shape: [3, 4, 5], chunks: [1, 4, 5]))
        #expect(try ImageOpener.open(path: dir + "/zyx.zarr").metadata(series: 0).shape == Shape(z: 3, y: 4, x: 5))
        try Self.write(dir + "/named.zarr/zarr.json", Self.array(shape: [2, 3, 4, 5], chunks: [1, 1, 4, 5], names: #"["z", "c", "y", "x"]"#))
        #expect(try ImageOpener.open(path: dir + "/named.zarr").metadata(series: 0).shape == Shape(z: 2, c: 3, y: 4, x: 5))
        try Self.write(dir + "/six.zarr/zarr.json", Self.array(shape: [1, 1, 1, 1, 4, 5], chunks: [1, 1, 1, 1, 4, 5]))
        #expect(throws: OmioError(dir + "/six.zarr", "a 6-D array is not an image (2 to 5 dimensions are)")) {
            try ImageOpener.open(path: dir + "/six.zarr")
        }
    }
}
