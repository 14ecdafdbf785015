import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// Valid but awkward pixel values (issue 13): NaN, ±Inf, the ends of every dtype, constant and
/// all-NaN planes never trap and are shown for what they are.
struct OddPixelTests {
    typealias Probe = DisplaySliceStatsProbe

    /// `hi - lo` of ±3.4e38 overflowed a Float and the histogram index trapped.
    @Test func statsOfFloat32ExtremesAreFinite() {
        let s = Probe.stats([-3.4e38, 3.4e38, 0, 1, .nan, .infinity, -.infinity])
        #expect(s.min == Double(Float(-3.4e38)) && s.max == Double(Float(3.4e38)))
        #expect(s.finiteSamples == 4)
        let l = ContrastMode.auto.limits(for: s)
        #expect(l.low.isFinite && l.high.isFinite && l.high > l.low)
        #expect(s.note == nil)
    }

    @Test func constantAndEmptyPlanesSaySo() {
        let constant = Probe.stats([7, 7, .nan, 7])
        #expect(constant.note == "constant plane: 7")
        #expect(ContrastMode.auto.limits(for: constant) == ContrastLimits(7, 8))
        let empty = Probe.stats([.nan, .nan, .infinity])
        #expect(empty.note == "no finite values")
        #expect(empty.finiteSamples == 0)
        // A huge constant still gets a non-empty range (v + 1 == v at 3e38).
        let big = ContrastMode.minMax.limits(for: Probe.stats([3e38, 3e38]))
        #expect(big.high > big.low && big.high.isFinite)
    }

    /// Means skip non-finite samples and sum in Double: two 3.4e38 samples average to 3.4e38,
    /// not +Inf; a cell of NaNs only is NaN.
    @Test func resampleMeansFiniteSamplesWithoutOverflow() throws {
        let v: [Float] = [3.4e38, 3.4e38, .nan, 2, .nan, .nan, -.infinity, 4]
        let s = try DisplaySlicer.slice2D(LazyArray(levels: Probe.Values(v)), plane: PlaneIndex(), width: 4, height: 1)
        #expect(s.values[0] == 3.4e38)
        #expect(s.values[1] == 2)
        #expect(s.values[2].isNaN)
        #expect(s.values[3] == 4)
        let m = try DisplaySlicer.slice2D(LazyArray(levels: Probe.Values(v)), plane: PlaneIndex(), width: 4, height: 1, reduce: .max)
        #expect(m.values[1] == 2 && m.values[2].isNaN && m.values[3] == 4)
    }

    /// A cell with no finite sample keeps the sign of its infinities (README: +Inf white, -Inf
    /// black): +Inf alone (or with NaN) is +Inf, -Inf alone is -Inf, both or NaN alone are NaN;
    /// for means and maxima alike. The compositor then draws +Inf white.
    @Test(arguments: [Reduce.mean, .max])
    func cellsOfOnlyInfinitiesKeepTheirSign(reduce: Reduce) throws {
        let v: [Float] = [.infinity, .infinity, .infinity, .nan, -.infinity, -.infinity, .infinity, -.infinity, .nan, .nan]
        let s = try DisplaySlicer.slice2D(LazyArray(levels: Probe.Values(v)), plane: PlaneIndex(), width: 5, height: 1, reduce: reduce)
        #expect(s.values[0] == .infinity && s.values[1] == .infinity, "\(s.values)")
        #expect(s.values[2] == -.infinity, "\(s.values)")
        #expect(s.values[3].isNaN && s.values[4].isNaN, "\(s.values)")
        let grey = ChannelDisplay(color: .white, limits: ContrastLimits(0, 1))
        let r = Compositor.composite([(values: s.values, display: grey)], width: 5, height: 1)
        #expect(Array(r.pixels[0..<6]) == [255, 255, 255, 255, 255, 255] && r.pixels[6...].allSatisfy { $0 == 0 }, "\(r.pixels)")
    }

    /// NaN draws black, ±Inf clamp to the ends, and limits ±1.7e308 (span overflows a Double)
    /// map without trapping.
    @Test func compositorMapsNonFiniteValuesAndHugeLimits() {
        let grey = ChannelDisplay(color: .white, limits: ContrastLimits(0, 10))
        let r = Compositor.composite([(values: [.nan, .infinity, -.infinity, 5], display: grey)], width: 4, height: 1)
        #expect(r.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element) == [0, 255, 0, 128])
        let huge = ChannelDisplay(color: .white, limits: ContrastLimits(-1.7e308, 1.7e308))
        let h = Compositor.composite([(values: [-3.4e38, 0, 3.4e38, .infinity], display: huge)], width: 4, height: 1)
        #expect(h.pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element) == [128, 128, 128, 255])
        let wide = ContrastLimits(-1.7e308, 1.7e308).scaled(by: 1.25)
        #expect(wide.low.isFinite && wide.high.isFinite && wide.high > wide.low)
        let flat = ChannelDisplay(color: .white, limits: ContrastLimits(5, 5))
        #expect(Compositor.composite([(values: [5, 6], display: flat)], width: 2, height: 1).pixels[3] == 255)
    }

    /// float64 beyond Float's range saturates for display instead of becoming "no value".
    @Test func float64BeyondFloatRangeStaysFinite() {
        #expect(PixelBuffer.displayFloat(1.7e308) == .greatestFiniteMagnitude)
        #expect(PixelBuffer.displayFloat(-1.7e308) == -.greatestFiniteMagnitude)
        #expect(PixelBuffer.displayFloat(.infinity) == .infinity)
        #expect(PixelBuffer.displayFloat(.nan).isNaN)
        #expect(PixelBuffer.displayFloat(.leastNonzeroMagnitude) == 0)
    }

    /// Every odd dtype file goes through slicing and contrast: finite limits with LO < HI.
    @Test(arguments: [PixelType.float32, .float64, .int32, .uint32, .int16, .int8])
    func extremeFilesSliceWithFiniteLimits(dtype: PixelType) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/odd.tif"
        try OddPixels.write(path, width: 33, height: 17, dtype: dtype, pages: [OddPixels.extremes(dtype, count: 33 * 17)])
        let source = try ImageOpener.open(path: path)
        for mode in [ContrastMode.auto, .minMax, .stackAuto] {
            let s = try DisplaySlicer.slice2D(LazyArray(levels: SourceLevels(source: source, series: 0)), plane: PlaneIndex(), width: 8, height: 4)
            let l = mode.limits(for: s.stats)
            #expect(l.low.isFinite && l.high.isFinite && l.high > l.low, "\(dtype) \(mode)")
            _ = Compositor.composite([(values: s.values, display: ChannelDisplay(color: .white, limits: l))], width: 8, height: 4)
        }
    }

    /// The pyramid of a float file with NaN and ±Inf: each level-1 value is the mean of the
    /// finite samples of its 2x2 block; a block with none keeps its infinity when it has one
    /// sign of it (all +Inf stays +Inf, as the display draws it; before, it became NaN) and is
    /// NaN otherwise; float64 near ±1.7e308 does not overflow.
    @Test(arguments: [PixelType.float32, .float64])
    func pyramidMeansFiniteSamples(dtype: PixelType) throws {
        let folder = try StoreTestSupport.scratch("odd-pyramid")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = (folder as NSString).appendingPathComponent("odd.tif")
        let (w, h) = (1030, 1026)
        let big = dtype == .float64 ? 1.7e308 : 3.4e38
        // Blocks by column pair: all NaN, NaN + both infinities, big values, one finite among
        // non-finite, all +Inf, all -Inf, +Inf with NaN.
        let inf = Double.infinity
        let patterns: [[Double]] = [[.nan, .nan, .nan, .nan], [.nan, inf, -inf, .nan], [big, big, big, big / 2], [.nan, 6, inf, .nan],
                                    [inf, inf, inf, inf], [-inf, -inf, -inf, -inf], [inf, .nan, .nan, inf]]
        var v = [Double](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w { v[y * w + x] = patterns[(x / 2) % patterns.count][(y % 2) * 2 + x % 2] } }
        try OddPixels.write(path, width: w, height: h, dtype: dtype, pages: [v])
        let source = try ImageOpener.open(path: path)
        let store = try StoreReader(path: try StoreBuilder.ensure(source: source, request: StoreRequest()).path)
        #expect(store.levelSizes.count >= 2)
        let level1 = try store.readPlane(level: 1, plane: PlaneIndex()).doubles()
        let ow = store.levelSizes[1].width
        let want: [Double] = [.nan, .nan, big * 0.875, 6, inf, -inf, inf]
        for x in 0..<(2 * want.count) {
            let got = level1[3 * ow + x], w = want[x % want.count]
            #expect(w.isNaN ? got.isNaN : w.isInfinite ? got == w : abs(got - w) <= abs(w) * 1e-6, "x \(x): \(got) vs \(w)")
        }
    }

    /// A property run over the display path (what the reader fuzzers never reach): random
    /// bit patterns of every dtype, random plane and grid sizes, every reduce and contrast mode,
    /// manual limits from random bit patterns too. Any trap ends the test process.
    @Test func randomSamplesNeverTrapTheDisplayPath() throws {
        var rng = SplitMix64(seed: 13)
        for round in 0..<600 {
            let dtype = PixelType.allCases[Int(rng.next() % UInt64(PixelType.allCases.count))]
            let w = 1 + Int(rng.next() % 40), h = 1 + Int(rng.next() % 20)
            var bytes = [UInt8](repeating: 0, count: w * h * dtype.bytes)
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
            let levels = BufferLevels(PixelBuffer(dtype: dtype, width: w, height: h, bytes: bytes))
            let outW = 1 + Int(rng.next() % 50), outH = 1 + Int(rng.next() % 25)
            let reduce: Reduce = rng.next() % 2 == 0 ? .mean : .max
            let s = try DisplaySlicer.slice2D(LazyArray(levels: levels), plane: PlaneIndex(), width: outW, height: outH, reduce: reduce)
            let manual = ContrastLimits(Double(bitPattern: rng.next()), Double(bitPattern: rng.next()))
            for mode in [ContrastMode.auto, .minMax, .stackAuto, .manual(manual)] {
                let l = mode.limits(for: s.stats)
                #expect(l.low.isFinite && l.high.isFinite && l.low < l.high, "round \(round) \(dtype) \(mode)")
                let gamma = [1.0, 0.5, 2.0][round % 3]
                _ = Compositor.composite([(values: s.values, display: ChannelDisplay(color: .white, limits: l.scaled(by: 1.25), gamma: gamma)),
                                          (values: s.values, display: ChannelDisplay(color: RGBColor(255, 0, 255), limits: l))],
                                         width: outW, height: outH)
            }
        }
    }

    /// One plane held in memory.
    final class BufferLevels: PixelLevels, @unchecked Sendable {
        let buffer: PixelBuffer
        init(_ b: PixelBuffer) { buffer = b }
        var shape: Shape { Shape(y: buffer.height, x: buffer.width) }
        var dtype: PixelType { buffer.dtype }
        var levelSizes: [(height: Int, width: Int)] { [(buffer.height, buffer.width)] }
        func chunkGrid(level: Int) -> ChunkGrid { ChunkGrid(height: buffer.height, width: buffer.width) }
        func read(level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
            var out: [UInt8] = []
            let b = dtype.bytes
            for y in stride(from: region.rows.lowerBound, to: region.rows.upperBound, by: region.rowStep) {
                for x in stride(from: region.cols.lowerBound, to: region.cols.upperBound, by: region.colStep) {
                    out += buffer.bytes[((y * buffer.width + x) * b)..<((y * buffer.width + x + 1) * b)]
                }
            }
            return PixelBuffer(dtype: dtype, width: region.outputWidth, height: region.outputHeight, bytes: out)
        }
    }

    @Test func stackSamplePositionsSpreadOverTAndZ() {
        #expect(StackContrast.positions(Shape(t: 1, z: 1, c: 1, y: 1, x: 1)).map { [$0.t, $0.z] } == [[0, 0]])
        let p = StackContrast.positions(Shape(t: 100, z: 3, c: 1, y: 1, x: 1))
        #expect(p.count == 16)
        #expect(p.first.map { [$0.t, $0.z] } == [0, 0] && p.last.map { [$0.t, $0.z] } == [99, 2])
    }
}
