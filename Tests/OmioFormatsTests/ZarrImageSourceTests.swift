import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// OME-Zarr stores written by zarr-python 3 and ome-zarr-py open as images whose every plane,
/// at every level, is what zarr-python reads; calibration comes out in µm and s whatever unit
/// the axes name; omero channels give names, colours and windows; a plate opens its first field.
struct ZarrImageSourceTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        /// The store's axes in array order (what maps a plane onto zarr-python's array).
        let axes: String
        let shape: Shape
        let dtype: PixelType
        let levels: Int
        let sizeX: Double, sizeY: Double, sizeZ: Double?
        var timeIncrement: Double?
        /// No units and scales of 1: what writers put when they know nothing.
        var uncalibrated = false
        var description: String { name }
    }

    static let cases = [
        // t in ms (250 -> 0.25 s), y/x in nm (500 -> 0.5 µm)
        Case(name: "tczyx_v05.ome.zarr", axes: "tczyx", shape: Shape(t: 2, z: 4, c: 3, y: 70, x: 50), dtype: .uint16, levels: 2,
             sizeX: 0.5, sizeY: 0.5, sizeZ: 2, timeIncrement: 0.25),
        // mm: 0.0004 -> 0.4 µm, 0.003 -> 3 µm
        Case(name: "czyx_v04_blosc.ome.zarr", axes: "czyx", shape: Shape(z: 3, c: 2, y: 40, x: 36), dtype: .int16, levels: 2,
             sizeX: 0.4, sizeY: 0.4, sizeZ: 3),
        // Å: 1000 -> 0.1 µm, 20000 -> 2 µm
        Case(name: "zyx.ome.zarr", axes: "zyx", shape: Shape(z: 5, y: 33, x: 31), dtype: .uint8, levels: 1, sizeX: 0.1, sizeY: 0.1, sizeZ: 2),
        Case(name: "yx_float_omero.ome.zarr", axes: "yx", shape: Shape(y: 48, x: 40), dtype: .float32, levels: 1, sizeX: 0.65, sizeY: 0.65, sizeZ: nil),
        // minutes: 1.5 -> 90 s
        Case(name: "tyx.ome.zarr", axes: "tyx", shape: Shape(t: 4, y: 24, x: 20), dtype: .float64, levels: 1, sizeX: 2, sizeY: 2, sizeZ: nil, timeIncrement: 90),
        // custom names by type; the multiscale-level scale (x2) multiplies the dataset's
        Case(name: "sharded_custom_axes.ome.zarr", axes: "czyx", shape: Shape(z: 3, c: 2, y: 40, x: 36), dtype: .uint16, levels: 2,
             sizeX: 0.4, sizeY: 0.4, sizeZ: 3),
        Case(name: "plate.ome.zarr", axes: "cyx", shape: Shape(c: 2, y: 30, x: 26), dtype: .uint16, levels: 1, sizeX: 1, sizeY: 1, sizeZ: nil, uncalibrated: true),
        Case(name: "b2r.ome.zarr", axes: "cyx", shape: Shape(c: 2, y: 20, x: 18), dtype: .uint16, levels: 1, sizeX: 1, sizeY: 1, sizeZ: nil, uncalibrated: true),
    ]

    /// The flat sample index of pixel (0, 0) of plane (t, z, c) in an array of `axes` order.
    static func planeOffset(_ axes: String, _ shape: [Int], _ p: PlaneIndex) -> Int {
        var flat = 0
        for (i, a) in axes.enumerated() {
            let index: Int
            switch a {
            case "t": index = p.t
            case "c": index = p.c
            case "z": index = p.z
            default: index = 0
            }
            flat = flat * shape[i] + index
        }
        return flat
    }

    @Test(arguments: cases)
    func everyPlaneOfEveryLevelIsZarrPythons(c: Case) throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let expected = try NGFFTestStores.expected(c.name, in: dir)
        let source = try ImageOpener.open(path: dir + "/" + c.name)
        #expect(source.format == .omeZarr)
        let m = source.metadata(series: 0)
        #expect(m.shape == c.shape)
        #expect(m.dtype == c.dtype)
        #expect(m.levels == c.levels)
        let sizes = source.levelSizes(series: 0)
        #expect(sizes.count == expected.levels.count)
        let b = c.dtype.bytes
        for (k, level) in expected.levels.enumerated() where k < sizes.count {
            let h = level.shape[level.shape.count - 2], w = level.shape[level.shape.count - 1]
            #expect(sizes[k].height == h && sizes[k].width == w, "level \(k) size")
            try #require(level.bytes.count == level.shape.reduce(b, *), "zarr-python's level \(k): \(level.bytes.count) bytes for \(level.shape)")
            // The level's own T, Z, C sizes (a level may be smaller along them too).
            func size(_ a: Character) -> Int { c.axes.firstIndex(of: a).map { level.shape[c.axes.distance(from: c.axes.startIndex, to: $0)] } ?? 1 }
            var mismatches: [String] = []
            for t in 0..<size("t") {
                for z in 0..<size("z") {
                    for ch in 0..<size("c") {
                        let p = PlaneIndex(t: t, z: z, c: ch)
                        let got = try source.read(series: 0, level: k, plane: p, region: .full(width: w, height: h))
                        let start = Self.planeOffset(c.axes, level.shape, p) * b
                        if got.bytes != Array(level.bytes[start..<(start + h * w * b)]) { mismatches.append("level \(k) \(p)") }
                    }
                }
            }
            #expect(mismatches.isEmpty, "planes differing from zarr-python: \(mismatches.prefix(5))")
        }
        // A subsampled window crossing chunk edges: rows 3, 6, ...; columns 1, 3, ...
        let level0 = expected.levels[0]
        let h = level0.shape[level0.shape.count - 2], w = level0.shape[level0.shape.count - 1]
        let last = PlaneIndex(t: c.shape.t - 1, z: c.shape.z - 1, c: c.shape.c - 1)
        let region = PixelRegion(rows: 3..<h, cols: 1..<(w - 1), rowStep: 3, colStep: 2)
        let got = try source.read(series: 0, level: 0, plane: last, region: region)
        let base = Self.planeOffset(c.axes, level0.shape, last)
        var want: [UInt8] = []
        for y in stride(from: 3, to: h, by: 3) {
            for x in stride(from: 1, to: w - 1, by: 2) {
                let at: Int = (base + y * w + x) * b
                want.append(contentsOf: level0.bytes[at..<(at + b)])
            }
        }
        #expect(got.width == region.outputWidth && got.height == region.outputHeight)
        #expect(got.bytes == want, "subsampled window")
    }

    @Test(arguments: cases)
    func calibrationIsInMicrometresAndSeconds(c: Case) throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let m = try ImageOpener.open(path: dir + "/" + c.name).metadata(series: 0)
        #expect(abs(m.physicalSizeX - c.sizeX) < 1e-9 * c.sizeX, "X \(m.physicalSizeX)")
        #expect(abs(m.physicalSizeY - c.sizeY) < 1e-9 * c.sizeY, "Y \(m.physicalSizeY)")
        if let z = c.sizeZ { #expect(abs(m.physicalSizeZ - z) < 1e-9 * z, "Z \(m.physicalSizeZ)") }
        #expect(m.timeIncrement.map { abs($0 - (c.timeIncrement ?? -1)) < 1e-9 } ?? (c.timeIncrement == nil), "dt \(String(describing: m.timeIncrement))")
        // A writer's scale of 1 without units is no calibration: defaulted, as for TIFFs.
        #expect(m.defaulted.contains("PhysicalSizeX") == c.uncalibrated)
    }

    @Test func omeroChannelsGiveNameColourAndWindow() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let m = try ImageOpener.open(path: dir + "/yx_float_omero.ome.zarr").metadata(series: 0)
        #expect(m.channels == [ChannelInfo(name: "DAPI", color: RGBColor(0, 0, 255), window: ChannelWindow(start: -2, end: 300))])
    }

    @Test func aPlateOpensItsFirstFieldAndListsWellsAndFields() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let plate = dir + "/plate.ome.zarr"
        let source = try ImageOpener.open(path: plate)
        let m = source.metadata(series: 0)
        #expect(m.readerWarnings.contains { $0.contains("2 wells") && $0.contains("up to 4 fields") && $0.contains("well A/1") }, "\(m.readerWarnings)")
        let store = try #require((source as? ZarrImageSource)?.store)
        let wells = try #require(try ZarrHierarchy.children(store: store, path: ""))
        #expect(wells.map(\.name) == ["A/1", "B/2"] && wells.allSatisfy { $0.kind == .well })
        let fields = try #require(try ZarrHierarchy.children(store: store, path: "B/2"))
        #expect(fields.map(\.path) == ["B/2/0", "B/2/1"] && fields.allSatisfy { $0.kind == .image })
        #expect(try ZarrHierarchy.children(store: store, path: "B/2/1") == nil, "a field is an image, not a folder")
        // A field's folder opens as that image: the last field's first pixel is its own ramp.
        let field = try ImageOpener.open(path: plate + "/B/2/1")
        #expect(field.metadata(series: 0).readerWarnings.isEmpty)
        let px = try field.read(series: 0, level: 0, plane: PlaneIndex(), region: PixelRegion(rows: 0..<1, cols: 0..<1))
        #expect(px.value(at: 0) == 3000)
    }

    @Test func aBioformats2rawContainerOpensItsFirstSeries() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let source = try ImageOpener.open(path: dir + "/b2r.ome.zarr")
        #expect(source.metadata(series: 0).readerWarnings.first == "a bioformats2raw container of 2 series; showing 0 (browse it as a folder for the others)")
        let store = try #require((source as? ZarrImageSource)?.store)
        #expect(try ZarrHierarchy.children(store: store, path: "")?.map(\.path) == ["0", "1"])
        let second = try ImageOpener.open(path: dir + "/b2r.ome.zarr/1")
        #expect(try second.read(series: 0, level: 0, plane: PlaneIndex(), region: PixelRegion(rows: 0..<1, cols: 0..<1)).value(at: 0) == 500)
    }

    /// Planes are always named by level-0 indices: at a level with half the Z planes, Z 0 and
    /// 1 both show its plane 0, Z 7 its plane 3.
    @Test func aLevelDownsampledAlongZIsIndexedInProportion() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let expected = try NGFFTestStores.expected("zyx_z_pyramid.ome.zarr", in: dir)
        let source = try ImageOpener.open(path: dir + "/zyx_z_pyramid.ome.zarr")
        #expect(source.metadata(series: 0).shape == Shape(z: 8, y: 32, x: 30))
        let level1 = expected.levels[1]
        #expect(level1.shape == [4, 16, 15])
        let planeBytes = 16 * 15 * 2
        for z in 0..<8 {
            let got = try source.read(series: 0, level: 1, plane: PlaneIndex(z: z), region: .full(width: 15, height: 16))
            let at = (z / 2) * planeBytes
            #expect(got.bytes == Array(level1.bytes[at..<(at + planeBytes)]), "Z \(z)")
        }
    }

    @Test func labelsAreListedInTheRawTree() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let tree = try ImageOpener.open(path: dir + "/zyx.ome.zarr").rawTree()
        let labels = try #require(tree.first { $0.label == "Labels" })
        #expect(labels.children.map(\.label) == ["cells"])
        #expect(try ImageOpener.open(path: dir + "/tyx.ome.zarr").rawTree().allSatisfy { $0.label != "Labels" })
    }

    @Test func theRawTreeShowsLevelsCodecsAndAttributes() throws {
        guard let dir = NGFFTestStores.folder() else { return }
        let tree = try ImageOpener.open(path: dir + "/czyx_v04_blosc.ome.zarr").rawTree()
        func flat(_ n: [MetaNode]) -> [String] { n.flatMap { ["\($0.label)=\($0.value ?? "")"] + flat($0.children) } }
        let lines = flat(tree)
        #expect(lines.contains("Shape=2x3x40x36"), "\(lines.prefix(30))")
        #expect(lines.contains { $0.hasPrefix("Codecs=") && $0.contains("blosc") && $0.contains("lz4") })
        #expect(lines.contains { $0.hasPrefix("version=0.4") })
    }

    @Test func aFolderWithoutZarrMetadataIsRefusedInOneLine() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/empty.ome.zarr", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/plain", withIntermediateDirectories: true)
        #expect(throws: OmioError(dir + "/empty.ome.zarr", "not an OME-Zarr image (no zarr.json or .zattrs at \(dir)/empty.ome.zarr)")) {
            try ImageOpener.open(path: dir + "/empty.ome.zarr")
        }
        // Other folders are still what they were: folders.
        do {
            _ = try ImageOpener.open(path: dir + "/plain")
            Issue.record("a plain folder opened")
        } catch let e as OmioError {
            #expect(!e.reason.contains("Zarr") && e.reason.contains("director"), "\(e.reason)")
        }
        // A group that is neither an image nor a collection says so.
        try FileManager.default.createDirectory(atPath: dir + "/group.zarr", withIntermediateDirectories: true)
        try Data(#"{"zarr_format": 3, "node_type": "group", "attributes": {}}"#.utf8).write(to: URL(fileURLWithPath: dir + "/group.zarr/zarr.json"))
        do {
            _ = try ImageOpener.open(path: dir + "/group.zarr")
            Issue.record("a group without multiscales opened")
        } catch let e as OmioError {
            #expect(e.reason.contains("no multiscales, plate or well"), "\(e.reason)")
        }
    }
}
