import Foundation
import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// A PixelLevels over generated values that records every read, to prove what is touched.
final class RecordingLevels: PixelLevels, @unchecked Sendable {
    let shape: Shape
    let dtype = PixelType.float32
    let levelSizes: [(height: Int, width: Int)]
    var reads: [(level: Int, region: PixelRegion)] = []
    let grid: ChunkGrid

    init(width: Int, height: Int, levels: Int = 1, grid: ChunkGrid? = nil) {
        shape = Shape(y: height, x: width)
        levelSizes = (0..<levels).map { (height >> $0, width >> $0) }
        self.grid = grid ?? ChunkGrid(height: height, width: width)
    }

    func chunkGrid(level: Int) -> ChunkGrid { ChunkGrid(height: min(grid.height, levelSizes[level].height), width: levelSizes[level].width) }

    /// Value at (x, y) of a level: x + 1000*y + 1e6*level, so reads are identifiable.
    func read(level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
        reads.append((level, region))
        var bytes: [UInt8] = []
        for y in stride(from: region.rows.lowerBound, to: region.rows.upperBound, by: region.rowStep) {
            for x in stride(from: region.cols.lowerBound, to: region.cols.upperBound, by: region.colStep) {
                withUnsafeBytes(of: Float(x + 1000 * y + 1_000_000 * level)) { bytes += $0 }
            }
        }
        return PixelBuffer(dtype: .float32, width: region.outputWidth, height: region.outputHeight, bytes: bytes)
    }
}

struct DisplayTests {
    @Test func meanOfBlocks() throws {
        let levels = RecordingLevels(width: 8, height: 4)
        let s = try DisplaySlicer.slice2D(LazyArray(levels: levels), plane: PlaneIndex(), width: 4, height: 2)
        // Output (0,0) averages x 0..1, y 0..1: (0 + 1 + 1000 + 1001) / 4.
        #expect(s.values[0] == 500.5)
        #expect(s.values[3] == Float(6 + 7 + 1006 + 1007) / 4)
        #expect(s.values[4] == Float(2000 + 2001 + 3000 + 3001) / 4)
        let m = try DisplaySlicer.slice2D(LazyArray(levels: levels), plane: PlaneIndex(), width: 4, height: 2, reduce: .max)
        #expect(m.values[0] == 1001)
    }

    @Test func enlargingRepeatsPixels() throws {
        let s = try DisplaySlicer.slice2D(LazyArray(levels: RecordingLevels(width: 2, height: 2)), plane: PlaneIndex(), width: 4, height: 4)
        #expect(s.values == [0, 0, 1, 1, 0, 0, 1, 1, 1000, 1000, 1001, 1001, 1000, 1000, 1001, 1001])
    }

    @Test func readsTheCoarsestLevelThatSuffices() throws {
        let levels = RecordingLevels(width: 2048, height: 2048, levels: 4) // 2048, 1024, 512, 256
        _ = try DisplaySlicer.slice2D(LazyArray(levels: levels), plane: PlaneIndex(), width: 320, height: 144)
        #expect(!levels.reads.isEmpty && levels.reads.allSatisfy { $0.level == 2 })
        levels.reads.removeAll()
        _ = try DisplaySlicer.slice2D(LazyArray(levels: levels), plane: PlaneIndex(), width: 1000, height: 600)
        #expect(!levels.reads.isEmpty && levels.reads.allSatisfy { $0.level == 1 })
    }

    /// A remote image's quick first pass: the coarsest level whatever the grid needs,
    /// enlarged to the grid.
    @Test func theCoarsestPassReadsTheSmallestLevel() throws {
        let levels = RecordingLevels(width: 2048, height: 2048, levels: 4) // 2048, 1024, 512, 256
        let s = try DisplaySlicer.slice2D(LazyArray(levels: levels), plane: PlaneIndex(), width: 1000, height: 600, coarsest: true)
        #expect(!levels.reads.isEmpty && levels.reads.allSatisfy { $0.level == 3 })
        #expect(s.width == 1000 && s.height == 600)
    }

    /// A huge plane without a pyramid: only every k-th row is read, so the work is bounded
    /// by the grid (at most 4 samples per output pixel along each axis).
    @Test func stridedReadIsBoundedByTheGrid() throws {
        let levels = RecordingLevels(width: 20_000, height: 20_000)
        let s = try DisplaySlicer.slice2D(LazyArray(levels: levels), plane: PlaneIndex(), width: 160, height: 96)
        #expect(s.width == 160 && s.values.count == 160 * 96)
        let read = levels.reads.reduce(0) { $0 + $1.region.outputWidth * $1.region.outputHeight }
        #expect(read <= 160 * 96 * 16 * 2)
    }

    @Test func chunksAreCachedAcrossSlices() throws {
        let levels = RecordingLevels(width: 256, height: 256, grid: ChunkGrid(height: 16, width: 256))
        let array = LazyArray(levels: levels)
        _ = try DisplaySlicer.slice2D(array, plane: PlaneIndex(), width: 64, height: 64)
        let first = levels.reads.count
        _ = try DisplaySlicer.slice2D(array, plane: PlaneIndex(), width: 64, height: 64, reduce: .max)
        #expect(first >= 1 && levels.reads.count == first)
        // Bands of 16 rows x 256 uint16 are merged to ~1 MiB chunks.
        #expect(array.chunkShape(level: 0).height == 256)
    }

    /// One cache serves every open file: two arrays with the same shape never see each
    /// other's chunks.
    @Test func sharedCacheKeepsArraysApart() throws {
        let cache = ChunkCache()
        let a = LazyArray(levels: RecordingLevels(width: 8, height: 8), cache: cache)
        let b = LazyArray(levels: DisplaySliceStatsProbe.Values((0..<8).map { Float(-$0) }), cache: cache)
        _ = try DisplaySlicer.slice2D(a, plane: PlaneIndex(), width: 8, height: 8)
        let s = try DisplaySlicer.slice2D(b, plane: PlaneIndex(), width: 8, height: 1)
        #expect(s.values == (0..<8).map { Float(-$0) })
        #expect(cache.count == 2)
    }

    @Test func viewportSelectsARegion() throws {
        let levels = RecordingLevels(width: 100, height: 100)
        let s = try DisplaySlicer.slice2D(LazyArray(levels: levels), plane: PlaneIndex(),
                                          viewport: Viewport(x: 10, y: 20, width: 2, height: 2), width: 2, height: 2)
        #expect(s.values == [20010, 20011, 21010, 21011])
    }

    @Test func saturatedStatsClipTheTails() {
        // 10000 samples 0..9999: 0.175% tails are 17 samples each (float data: 4096 bins).
        let values = (0..<10_000).map { Float($0) }
        let levels = DisplaySliceStatsProbe.stats(values)
        #expect(levels.min == 0 && levels.max == 9999)
        #expect(abs(levels.saturatedLow - 17) < 3 && abs(levels.saturatedHigh - 9982) < 3)
        #expect(ContrastMode.auto.limits(for: levels) == ContrastLimits(levels.saturatedLow, levels.saturatedHigh))
        #expect(ContrastMode.minMax.limits(for: levels) == ContrastLimits(0, 9999))
        #expect(ContrastMode.manual(ContrastLimits(5, 6)).limits(for: levels) == ContrastLimits(5, 6))
        #expect(ContrastLimits(0, 100).scaled(by: 0.5) == ContrastLimits(25, 75))
    }

    @Test func compositeIsAdditiveAndClamped() {
        let magenta = ChannelDisplay(color: RGBColor(255, 0, 255), limits: ContrastLimits(0, 10))
        let green = ChannelDisplay(color: RGBColor(0, 255, 0), limits: ContrastLimits(0, 10))
        let r = Compositor.composite([(values: [0, 10, 5], display: magenta), (values: [10, 10, 0], display: green)], width: 3, height: 1)
        #expect(Array(r.pixels[0..<3]) == [0, 255, 0])
        #expect(Array(r.pixels[3..<6]) == [255, 255, 255])
        #expect(Array(r.pixels[6..<9]) == [128, 0, 128])
        let gamma = ChannelDisplay(color: .white, limits: ContrastLimits(0, 1), gamma: 2)
        #expect(Compositor.composite([(values: [0.5], display: gamma)], width: 1, height: 1).pixels[0] == 64)
    }

    @Test func channelColours() throws {
        #expect(ChannelColors.defaults(count: 1) == [.white])
        #expect(ChannelColors.defaults(count: 2) == [RGBColor(255, 0, 255), RGBColor(0, 255, 0)])
        #expect(ChannelColors.defaults(count: 3).first == RGBColor(0, 255, 255))
        let ome = try ImageOpener.open(path: (TestPaths.exampleData + "/" + "ome_T4_Z2_C3.ome.tif")).metadata(series: 0)
        #expect(ChannelColors.resolve(ome) == [RGBColor(0, 0, 255), RGBColor(0, 255, 0), RGBColor(255, 0, 0)])
        var allWhite = ome
        allWhite.channels = ome.channels.map { ChannelInfo(name: $0.name, color: .white) }
        #expect(ChannelColors.resolve(allWhite) == ChannelColors.defaults(count: 3))
    }

    @Test func exampleFileSliceMatchesItsPlane() throws {
        let source = try ImageOpener.open(path: (TestPaths.exampleData + "/" + "hyperstack_T3_Z5_C2.tif"))
        let array = LazyArray(levels: SourceLevels(source: source, series: 0))
        let p = PlaneIndex(t: 2, z: 3, c: 1)
        let s = try DisplaySlicer.slice2D(array, plane: p, width: 144, height: 112)
        #expect(s.values == (try source.readPlane(plane: p)).floats())
    }
}

/// Exposes the stats over raw samples through a 1-row slice.
enum DisplaySliceStatsProbe {
    final class Values: PixelLevels, @unchecked Sendable {
        let values: [Float]
        init(_ v: [Float]) { values = v }
        var shape: Shape { Shape(y: 1, x: values.count) }
        let dtype = PixelType.float32
        var levelSizes: [(height: Int, width: Int)] { [(1, values.count)] }
        func chunkGrid(level: Int) -> ChunkGrid { ChunkGrid(height: 1, width: values.count) }
        func read(level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
            let sel = Array(values[region.cols])
            return PixelBuffer(dtype: .float32, width: sel.count, height: 1, bytes: sel.withUnsafeBytes { Array($0) })
        }
    }

    static func stats(_ v: [Float]) -> PlaneStats {
        try! DisplaySlicer.slice2D(LazyArray(levels: Values(v)), plane: PlaneIndex(), width: v.count, height: 1).stats
    }
}
