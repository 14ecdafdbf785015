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
}
