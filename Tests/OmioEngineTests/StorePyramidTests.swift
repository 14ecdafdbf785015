import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

struct StorePyramidTests {
    @Test func levelSizesHalveUntil512() {
        #expect(StoreLayout.levelSizes(height: 355, width: 350).map { [$0.height, $0.width] } == [[355, 350]])
        #expect(StoreLayout.levelSizes(height: 1024, width: 1024).map { [$0.height, $0.width] } == [[1024, 1024], [512, 512]])
        #expect(StoreLayout.levelSizes(height: 700, width: 1101).map { [$0.height, $0.width] } == [[700, 1101], [350, 551], [175, 276]])
    }

    /// Chunk rows follow the source's storage grid: a band never splits a strip or tile row.
    @Test func chunkRowsAlignToTheSourceGrid() throws {
        let small = try StoreLayout(shape: Shape(y: 1024, x: 1024), dtype: .uint16, sourceGrid: ChunkGrid(height: 1, width: 1024),
                                format: .v3, compression: .zstd)
        #expect(small.levels.map(\.chunkRows) == [1024, 512]) // 2 MiB plane: one chunk
        let big = try StoreLayout(shape: Shape(y: 3000, x: 3000), dtype: .uint16, sourceGrid: ChunkGrid(height: 256, width: 256),
                              format: .v3, compression: .zstd)
        #expect(big.levels[0].chunkRows % 256 == 0)
        #expect(big.levels[0].chunkBytes <= StoreLayout.maxChunkBytes)
        let strips = try StoreLayout(shape: Shape(y: 3000, x: 3000), dtype: .uint16, sourceGrid: ChunkGrid(height: 3, width: 3000),
                                 format: .v3, compression: .zstd)
        #expect(strips.levels[0].chunkRows % 3 == 0)
        // A band of whole tile rows would take 16 GB: bands are cut to the chunk size instead.
        let wide = try StoreLayout(shape: Shape(y: 1024, x: 1 << 24), dtype: .uint8, sourceGrid: ChunkGrid(height: 1024, width: 1024),
                                   format: .v3, compression: .zstd)
        #expect(wide.levels.allSatisfy { $0.chunkBytes <= StoreLayout.maxBandBytes })
        #expect(throws: (any Error).self) {
            try StoreLayout(shape: Shape(y: 2, x: 1 << 24), dtype: .float64, sourceGrid: ChunkGrid(height: 1, width: 1 << 24),
                            format: .v3, compression: .zstd)
        }
    }

    /// Levels of a large banded file (odd sizes, bands that do not divide the height) equal a
    /// plain 2x2 mean computed from the full plane, and sit in the multiscales with doubled scale.
    @Test(arguments: [PixelType.uint16, .int16, .float32])
    func levelsAreTwoByTwoMeans(dtype: PixelType) throws {
        let folder = try StoreTestSupport.scratch("pyramid")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = (folder as NSString).appendingPathComponent("big.tif")
        // 1501 x 2003 x 2+ bytes = 6+ MB per plane in strips of 7 rows: banded level 0 whose
        // bands (a multiple of 7 rows) end on odd rows, and three levels.
        try StoreTestSupport.writeStrips(path, pages: 2, width: 2003, height: 1501, dtype: dtype, rowsPerStrip: 7)
        let source = try ImageOpener.open(path: path)
        let result = try StoreBuilder.ensure(source: source, request: StoreRequest(zarrFormat: .v3, compression: .zstd))
        #expect(result.path == (folder as NSString).appendingPathComponent(".omio_cache/big.tif.ome.zarr"))
        let store = try StoreReader(path: result.path)
        #expect(store.levelSizes.map { [$0.height, $0.width] } == [[1501, 2003], [751, 1002], [376, 501]])
        #expect(store.chunkGrid(level: 0).height < 1501)
        #expect(store.chunkGrid(level: 0).height % 7 == 0)
        try StoreTestSupport.expectEqualPlanes(store, source)
        for t in 0..<2 {
            var plane = try source.readPlane(plane: PlaneIndex(t: t)).doubles()
            var (h, w) = (1501, 2003)
            for level in 1..<3 {
                (plane, h, w) = StorePyramidTests.reference(plane, h, w, dtype)
                let got = try store.readPlane(level: level, plane: PlaneIndex(t: t)).doubles()
                StoreTestSupport.expectSame(got, plane, "level \(level) T\(t)")
            }
        }
        let group = try StoreTestSupport.json(result.path + "/zarr.json")
        let datasets = group["attributes"]?["ome"]?["multiscales"]?.arrayValue?.first?["datasets"]?.arrayValue ?? []
        #expect(datasets.compactMap { $0["path"]?.stringValue } == ["0", "1", "2"])
        let xScales = datasets.compactMap { $0["coordinateTransformations"]?.arrayValue?.first?["scale"]?.arrayValue?.last?.doubleValue }
        #expect(xScales == [1, 2, 4]) // no calibration in the file: 1 µm, doubled per level
        #expect(store.level(fitting: 400, height: 300) == 2)
        #expect(store.level(fitting: 600, height: 300) == 1)
    }

    /// The obvious 2x2 mean with edge rows/columns averaging what they have, rounded half up
    /// for integers.
    static func reference(_ v: [Double], _ h: Int, _ w: Int, _ dtype: PixelType) -> ([Double], Int, Int) {
        let oh = (h + 1) / 2, ow = (w + 1) / 2
        var out = [Double](repeating: 0, count: oh * ow)
        for y in 0..<oh {
            for x in 0..<ow {
                var sum = 0.0, n = 0.0
                for yy in (2 * y)..<min(h, 2 * y + 2) {
                    for xx in (2 * x)..<min(w, 2 * x + 2) {
                        sum += v[yy * w + xx]
                        n += 1
                    }
                }
                let mean = sum / n
                out[y * ow + x] = dtype.isFloat ? Double(Float(mean)) : (mean + 0.5).rounded(.down)
            }
        }
        return (out, oh, ow)
    }
}
