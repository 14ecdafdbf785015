import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// Sub-stacks written to .npy, OME-TIFF and OME-Zarr and read back: every output sample equals
/// the sample read directly from the source at the selected T, Z, C, row and column.
@Suite struct SubStackExportTests {
    static let shape = Shape(t: 3, z: 4, c: 2, y: 70, x: 90)

    /// A strided, negative-free selection touching every axis: T 0 and 2, Z 3 then 1, C 1,
    /// rows 5, 8, ... 65, columns 11..<70.
    static let stack = SubStack(t: .range(start: 0, stop: 3, step: 2), z: .list([3, 1]), c: .list([1]),
                                y: .range(start: 5, stop: 66, step: 3), x: .range(start: 11, stop: 70, step: 1))

    /// The expected output of `stack` in TZCYX C order, from whole-plane reads of the source.
    static func expected(_ source: ImageSource, _ s: SubStack) throws -> [UInt8] {
        var out: [UInt8] = []
        for t in s.t.indices { for z in s.z.indices { for c in s.c.indices {
            let plane = try source.readPlane(plane: PlaneIndex(t: t, z: z, c: c))
            for y in s.y.indices { for x in s.x.indices {
                let i = (y * plane.width + x) * 2
                out += plane.bytes[i..<(i + 2)]
            } }
        } } }
        return out
    }

    static func withSource(_ body: (ImageSource, String) throws -> Void) throws {
        let dir = try StoreTestSupport.scratch("substack")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/stack.tif"
        try StoreTestSupport.writeImageJ(path, shape: shape)
        try body(try ImageOpener.open(path: path), dir)
    }

    @Test func npyHoldsTheSelectionInTZCYXOrder() throws {
        try Self.withSource { source, dir in
            let sub = SubStackSource(parent: source, series: 0, stack: Self.stack)
            try SubStackExport.write(sub, to: dir + "/out.npy", format: .npy(drop: []))
            let data = try #require(FileManager.default.contents(atPath: dir + "/out.npy"))
            let header = String(decoding: data.prefix(128), as: UTF8.self)
            #expect(header.contains("'shape': (2, 2, 1, 21, 59)"), "\(header)")
            let want = try Self.expected(source, Self.stack)
            #expect(data.count >= want.count && Array(data.suffix(want.count)) == want)
        }
    }

    @Test func npyDropsOnlyLengthOneAxes() throws {
        try Self.withSource { source, dir in
            let sub = SubStackSource(parent: source, series: 0, stack: Self.stack)
            // T (length 2) cannot be dropped; C (length 1) is.
            try SubStackExport.write(sub, to: dir + "/sq.npy", format: .npy(drop: [0, 2]))
            let data = try #require(FileManager.default.contents(atPath: dir + "/sq.npy"))
            #expect(String(decoding: data.prefix(128), as: UTF8.self).contains("'shape': (2, 2, 21, 59)"))
        }
    }

    @Test func omeTIFFCarriesPixelsSizesAndOrigin() throws {
        try Self.withSource { source, dir in
            var m = source.metadata(series: 0)
            m.physicalSizeZ = 5 // as an overlay edit would
            let sub = SubStackSource(parent: source, series: 0, stack: Self.stack, metadata: m)
            try SubStackExport.write(sub, to: dir + "/out.ome.tif", format: .omeTIFF)
            let back = try ImageOpener.open(path: dir + "/out.ome.tif")
            let bm = back.metadata(series: 0)
            #expect(bm.shape == Self.stack.shape)
            #expect(abs(bm.physicalSizeY - m.physicalSizeY * 3) < 1e-9) // every 3rd row
            #expect(abs(bm.physicalSizeX - m.physicalSizeX) < 1e-9)
            #expect(abs(bm.physicalSizeZ - 5) < 1e-9) // a list keeps the spacing as it was
            let origin = Dictionary(bm.annotations.filter { $0.0.hasPrefix("SliceOrigin") }.map { ($0.0, $0.1.displayString) }) { a, _ in a }
            #expect(origin["SliceOriginX"] == "11" && origin["SliceOriginY"] == "5" && origin["SliceOriginZ"] == "3")
            var got: [UInt8] = []
            for t in 0..<2 { for z in 0..<2 { got += try back.readPlane(plane: PlaneIndex(t: t, z: z, c: 0)).bytes } }
            #expect(got == (try Self.expected(source, Self.stack)))
        }
    }

    @Test func omeZarrIsAStoreWithThePixelsAndIsReplacedOnlyWhenOurs() throws {
        try Self.withSource { source, dir in
            let sub = SubStackSource(parent: source, series: 0, stack: Self.stack)
            let out = dir + "/out.ome.zarr"
            try SubStackExport.write(sub, to: out, format: .omeZarr)
            #expect(!FileManager.default.fileExists(atPath: out + ".lock"))
            let store = try StoreReader(path: out)
            var got: [UInt8] = []
            for t in 0..<2 { for z in 0..<2 { got += try store.readPlane(plane: PlaneIndex(t: t, z: z, c: 0)).bytes } }
            #expect(got == (try Self.expected(source, Self.stack)))
            // Another window over our own store replaces it...
            let whole = SubStack.whole(shape: Self.shape, height: Self.shape.y, width: Self.shape.x)
            try SubStackExport.write(SubStackSource(parent: source, series: 0, stack: whole), to: out, format: .omeZarr)
            let size = try StoreReader(path: out).levelSizes[0]
            #expect(size.height == Self.shape.y && size.width == Self.shape.x)
            // ...a folder we did not make is left alone.
            let foreign = dir + "/mine.ome.zarr"
            try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: foreign + "/notes.txt", contents: Data("keep".utf8)))
            #expect(throws: OmioError.self) { try SubStackExport.write(sub, to: foreign, format: .omeZarr) }
            #expect(FileManager.default.contents(atPath: foreign + "/notes.txt") == Data("keep".utf8))
        }
    }

    @Test func neverWritesOverTheSource() throws {
        try Self.withSource { source, dir in
            let before = try #require(FileManager.default.contents(atPath: dir + "/stack.tif"))
            symlink(dir + "/stack.tif", dir + "/link.npy")
            let sub = SubStackSource(parent: source, series: 0, stack: Self.stack)
            for out in [dir + "/stack.tif", dir + "/link.npy"] {
                #expect(throws: OmioError.self) { try SubStackExport.write(sub, to: out, format: .npy(drop: [])) }
            }
            #expect(throws: OmioError.self) { try SubStackExport.write(sub, to: dir + "/link.npy", format: .omeTIFF) }
            #expect(FileManager.default.contents(atPath: dir + "/stack.tif") == before)
        }
    }

    /// Bands follow the stored strips: each band read is at most about `BandStream.bandBytes`.
    @Test func bandsCoverEachPlaneOnceInOrder() throws {
        try Self.withSource { source, _ in
            let sub = SubStackSource(parent: source, series: 0, stack: Self.stack)
            var seen: [(PlaneIndex, Range<Int>)] = []
            try BandStream.forEach(sub) { p, rows, band in
                #expect(band.height == rows.count && band.width == 59)
                seen.append((p, rows))
            }
            let planes = seen.map(\.0)
            #expect(planes.first == PlaneIndex(t: 0, z: 0, c: 0) && planes.last == PlaneIndex(t: 1, z: 1, c: 0))
            #expect(seen.filter { $0.0 == PlaneIndex(t: 1, z: 0, c: 0) }.map(\.1.count).reduce(0, +) == 21)
        }
    }

    /// The output's name picks the format; a name that picks none is refused (it used to
    /// get .npy bytes: `crop.tif` was a NumPy file).
    @Test func theNamePicksTheFormatOrNone() throws {
        for name in ["crop.tif", "a/Crop.TIFF", "x.ome.tif", "x.ome.tiff", "big.btf", "big.tf8"] {
            #expect(SubStackExport.Format.of(output: name) == .omeTIFF, "\(name)")
        }
        for name in ["s.zarr", "s.ome.zarr", "s.ome.zarr/"] { #expect(SubStackExport.Format.of(output: name) == .omeZarr, "\(name)") }
        for name in ["a.npy", "-", "/dev/null"] { #expect(SubStackExport.Format.of(output: name) == .npy(drop: []), "\(name)") }
        let dir = try StoreTestSupport.scratch("endings")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/pipe", 0o600) == 0)
        #expect(SubStackExport.Format.of(output: dir + "/pipe") == .npy(drop: []))
        for name in ["crop.png", "crop", "crop.npz", dir + "/plain.txt"] { #expect(SubStackExport.Format.of(output: name) == nil, "\(name)") }
        #expect(SubStackExport.Format.refusal("crop.png").contains(".npy, .ome.tif"))
    }

    /// At a pyramid level the origin is recorded in full-resolution pixels (the help says
    /// source pixels), and each OME Plane carries PositionX/Y/Z in µm and DeltaT in s.
    @Test func originIsInFullResolutionPixelsAndPlanesArePlaced() throws {
        var m = ImageMetadata(path: "p.tif", format: .omeTiff, shape: Shape(t: 4, z: 3, c: 1, y: 400, x: 600), dtype: .uint16,
                              physicalSizeX: 0.5, physicalSizeY: 0.25, physicalSizeZ: 2, timeIncrement: 10)
        m.levels = 2
        let stack = SubStack(t: .range(start: 1, stop: 4, step: 2), z: .list([2]), c: .all(1),
                             y: .range(start: 10, stop: 20, step: 1), x: .range(start: 30, stop: 40, step: 1), level: 1)
        let out = stack.metadata(from: m, levelSizes: [(400, 600), (200, 300)])
        let origin = Dictionary(out.annotations.map { ($0.0, $0.1.displayString) }) { a, _ in a }
        #expect(origin["SliceOriginX"] == "60" && origin["SliceOriginY"] == "20", "\(origin)")
        #expect(out.planePositions == PlanePositions(x: 30, y: 5, z: [4], deltaT: [10, 30]))
        let xml = OMEXMLBuilder.document(out, name: "c.ome.tif", uuid: "urn:uuid:0")
        #expect(xml.contains("<Plane TheZ=\"0\" TheT=\"1\" TheC=\"0\" DeltaT=\"30.0\" DeltaTUnit=\"s\" PositionX=\"30.0\" PositionXUnit=\"µm\" "
            + "PositionY=\"5.0\" PositionYUnit=\"µm\" PositionZ=\"4.0\" PositionZUnit=\"µm\"/>"), "\(xml)")
        #expect(xml.components(separatedBy: "<Plane ").count - 1 == 2)
    }

    /// A step far past the axis selects its first position; no count or index overflows.
    @Test func hugeStepsSelectOnePosition() throws {
        try Self.withSource { source, dir in
            let stack = SubStack(t: .range(start: 0, stop: 3, step: .max), z: .range(start: 1, stop: 4, step: .max - 1), c: .all(2),
                                 y: .range(start: 5, stop: 70, step: .max), x: .range(start: 0, stop: 90, step: .max))
            #expect(stack.shape == Shape(t: 1, z: 1, c: 2, y: 1, x: 1))
            let sub = SubStackSource(parent: source, series: 0, stack: stack)
            for out in ["/h.npy", "/h.ome.tif", "/h.ome.zarr"] {
                try SubStackExport.write(sub, to: dir + out, format: SubStackExport.Format.of(output: out)!)
            }
            let back = try ImageOpener.open(path: dir + "/h.ome.tif")
            #expect(try back.readPlane(plane: PlaneIndex(t: 0, z: 0, c: 1)).bytes == (try Self.expected(source, stack)).suffix(2))
        }
    }

    /// OME-TIFF strips are cut from bands read along the source's stored chunks: each chunk
    /// is read once (it was read once per ~256 KiB output strip: four times per plane here).
    @Test func omeTIFFReadsEachStoredChunkOnce() throws {
        let dir = try StoreTestSupport.scratch("chunkonce")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let shape = Shape(t: 2, y: 1024, x: 512)
        try StoreTestSupport.writeImageJ(dir + "/p.tif", shape: shape)
        let recording = RecordingSource(try ImageOpener.open(path: dir + "/p.tif"), chunkRows: 1024)
        let sub = SubStackSource(parent: recording, series: 0, stack: SubStack.whole(shape: shape, height: 1024, width: 512))
        try SubStackExport.write(sub, to: dir + "/o.ome.tif", format: .omeTIFF)
        #expect(recording.reads.count == 2, "\(recording.reads)")
        #expect(recording.reads.allSatisfy { $0 == 0..<1024 })
        let back = try ImageOpener.open(path: dir + "/o.ome.tif")
        #expect(try back.readPlane(plane: PlaneIndex(t: 1, z: 0, c: 0)).bytes == recording.inner.readPlane(plane: PlaneIndex(t: 1, z: 0, c: 0)).bytes)
    }

    /// A level a store lacks is worded as a file's missing level is.
    @Test func missingLevelHasOneWording() throws {
        try Self.withSource { source, dir in
            try SubStackExport.write(SubStackSource(parent: source, series: 0, stack: Self.stack), to: dir + "/l.ome.zarr", format: .omeZarr)
            let store = try StoreReader(path: dir + "/l.ome.zarr")
            func reason(_ body: () throws -> Void) -> String {
                do { try body() } catch let e as OmioError { return e.reason } catch { return "\(error)" }
                return "no error"
            }
            let fromStore = reason { _ = try store.read(level: 9, plane: PlaneIndex(t: 0, z: 0, c: 0), region: .full(width: 1, height: 1)) }
            let fromFile = reason { _ = try source.read(series: 0, level: 9, plane: PlaneIndex(t: 0, z: 0, c: 0), region: .full(width: 1, height: 1)) }
            #expect(fromStore == "level 9 does not exist (there is 1 level)" && fromFile == fromStore, "\(fromStore) / \(fromFile)")
        }
    }
}

/// A source that reports one stored chunk of `chunkRows` rows and records the rows each read
/// asks for.
final class RecordingSource: ImageSource, @unchecked Sendable {
    let inner: ImageSource
    let chunkRows: Int
    var reads: [Range<Int>] = []

    init(_ inner: ImageSource, chunkRows: Int) {
        self.inner = inner
        self.chunkRows = chunkRows
    }

    var path: String { inner.path }
    var format: FileFormat { inner.format }
    var seriesCount: Int { 1 }
    func metadata(series: Int) -> ImageMetadata { inner.metadata(series: series) }
    func levelSizes(series: Int) -> [(height: Int, width: Int)] { inner.levelSizes(series: series) }
    func chunkGrid(series: Int, level: Int) -> ChunkGrid { ChunkGrid(height: chunkRows, width: inner.metadata(series: 0).shape.x) }
    func rawTree() -> [MetaNode] { [] }
    func read(series: Int, level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
        reads.append(region.rows)
        return try inner.read(series: series, level: level, plane: plane, region: region)
    }
}
