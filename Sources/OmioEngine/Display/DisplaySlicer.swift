import Foundation
import OmioFormats

/// A rectangle of a plane in full-resolution (level 0) pixels: what the preview shows.
public struct Viewport: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public static func full(_ shape: Shape) -> Viewport { Viewport(x: 0, y: 0, width: shape.x, height: shape.y) }
}

public enum Reduce: String, Sendable, CaseIterable {
    case mean, max
}

/// A plane downsampled to a display grid, with statistics of the samples it was made from.
public struct DisplaySlice: Sendable {
    public let width: Int
    public let height: Int
    public let values: [Float]
    public let stats: PlaneStats
}

/// Minimum, maximum and the tails Fiji's "saturated 0.35" auto-contrast clips.
public struct PlaneStats: Equatable, Sendable {
    public var min: Double
    public var max: Double
    /// 0.175th and 99.825th percentiles of the sampled pixels.
    public var saturatedLow: Double
    public var saturatedHigh: Double
    /// How many of the sampled pixels were finite (NaN and ±Inf are not counted).
    public var finiteSamples: Int

    public init(min: Double, max: Double, saturatedLow: Double, saturatedHigh: Double, finiteSamples: Int = 1) {
        self.min = min
        self.max = max
        self.saturatedLow = saturatedLow
        self.saturatedHigh = saturatedHigh
        self.finiteSamples = finiteSamples
    }

    /// What the status line says about a plane that has nothing to stretch: "no finite
    /// values", "constant plane: 7"; nil for an ordinary plane.
    public var note: String? {
        if finiteSamples == 0 { return "no finite values" }
        if min == max { return "constant plane: \(ContrastLimits.short(min))" }
        return nil
    }
}

/// Downsamples a plane region to a target grid, reading only what the grid needs: the
/// coarsest pyramid level that still has enough pixels, and when even that is much larger
/// than the grid, only every k-th row and column (at most `maxSamples` per output pixel
/// along each axis). Work is bounded by the target size, not by the file size.
public enum DisplaySlicer {
    public static let maxSamples = 4

    public static func slice2D(_ array: LazyArray, plane: PlaneIndex, viewport: Viewport? = nil,
                               width outW: Int, height outH: Int, reduce: Reduce = .mean,
                               wholeReadBytes: Int = DisplaySlicer.wholeReadBytes, coarsest: Bool = false) throws -> DisplaySlice {
        precondition(outW > 0 && outH > 0, "empty display grid")
        let shape = array.shape
        let vp = clamp(viewport ?? .full(shape), shape)
        let sizes = array.levels.levelSizes
        // Coarsest level whose copy of the viewport still covers the grid (or the coarsest of
        // all when asked: a remote image's first, quick pass).
        var level = coarsest ? sizes.count - 1 : 0
        for l in stride(from: sizes.count - 1, through: 1, by: -1) where !coarsest {
            let sx = Double(sizes[l].width) / Double(shape.x), sy = Double(sizes[l].height) / Double(shape.y)
            if Double(vp.width) * sx >= Double(outW), Double(vp.height) * sy >= Double(outH) {
                level = l
                break
            }
        }
        let size = sizes[level]
        let fx = Double(size.width) / Double(shape.x), fy = Double(size.height) / Double(shape.y)
        let cols = scaled(vp.x, vp.width, fx, size.width)
        let rows = scaled(vp.y, vp.height, fy, size.height)
        let rowStep = max(1, rows.count / (outH * maxSamples))
        let colStep = max(1, cols.count / (outW * maxSamples))
        let region = PixelRegion(rows: rows, cols: cols, rowStep: rowStep, colStep: colStep)
        let w = region.outputWidth, h = region.outputHeight
        let rowBytes = w * array.dtype.bytes
        if h * rowBytes <= wholeReadBytes { // read at once and cached: a redraw reads nothing
            let buffer = rowStep == 1 && colStep == 1
                ? try array.region(level: level, plane: plane, rows: rows, cols: cols)
                : try array.sampled(level: level, plane: plane, region: region)
            return try resample(RowBands(whole: buffer), outW: outW, outH: outH, reduce: reduce)
        }
        // A big read (a sextant raster is 24 px per cell: 12,288 rows at 512 cells, so every
        // row of a 20000-row plane) goes band by band, straight from the source, so memory
        // stays one band, not the region: the whole sampled region of a 20000 x 20000
        // decompression bomb plus per-row sums were 400-800 MB. Bands bypass the chunk cache
        // (caching them would keep the whole region again) and end on stored chunk rows when
        // that is cheap, so no tile or strip is decoded for two bands.
        var band = max(1, bandBytes / rowBytes)
        let chunkRows = array.chunkShape(level: level).height
        let unit = chunkRows / gcd(chunkRows, rowStep) // sampled rows per whole number of chunk rows
        if unit <= band { band = band / unit * unit } else if unit * rowBytes <= 4 * bandBytes { band = unit }
        let dtype = array.dtype, levels = array.levels
        return try resample(RowBands(width: w, height: h, dtype: dtype, band: band) { r in
            let src = (rows.lowerBound + r.lowerBound * rowStep)..<min(rows.upperBound, rows.lowerBound + r.upperBound * rowStep)
            return try levels.read(level: level, plane: plane, region: PixelRegion(rows: src, cols: cols, rowStep: rowStep, colStep: colStep))
        }, outW: outW, outH: outH, reduce: reduce)
    }

    /// Sampled regions up to this size are read whole and cached; bigger ones are read and
    /// reduced in bands of `bandBytes`.
    public static let wholeReadBytes = 64 << 20
    static let bandBytes = 8 << 20

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? max(1, a) : gcd(b, a % b) }

    static func clamp(_ v: Viewport, _ shape: Shape) -> Viewport {
        let x = min(max(0, v.x), shape.x - 1), y = min(max(0, v.y), shape.y - 1)
        return Viewport(x: x, y: y, width: min(max(1, v.width), shape.x - x), height: min(max(1, v.height), shape.y - y))
    }

    static func scaled(_ start: Int, _ count: Int, _ f: Double, _ limit: Int) -> Range<Int> {
        let a = min(limit - 1, Int((Double(start) * f).rounded(.down)))
        let b = max(a + 1, min(limit, Int((Double(start + count) * f).rounded(.up))))
        return a..<b
    }

    /// Separable box filter: each source row is reduced across (mean or max over each output
    /// column's block), then folded into its output row. Shrinking by a factor that is not a
    /// whole number averages by area: a cell's first and last source pixel count by the part
    /// of them it covers (whole-pixel blocks of 1 and 2 pixels cost 1.8 dB at 1024 -> 800 px
    /// against an area average, the reference every real-pixel protocol is measured with).
    /// Enlarging repeats pixels (nearest); a maximum takes every pixel a cell touches.
    /// Samples are converted a row at a time, and statistics take every k-th row so that at
    /// most `statsSamples` values are counted: the cost stays near one pass over the read pixels.
    ///
    /// Odd values: NaN and ±Inf samples are left out of means, maxima and statistics. A cell
    /// with no finite sample is +Inf (drawn white) when it holds +Inf and no -Inf, -Inf (black)
    /// when it holds -Inf and no +Inf, else NaN (black): an all-+Inf region stays white. Sums are Doubles (two float32 samples near
    /// 3.4e38 overflow a Float sum; a Double sum of float32 values cannot overflow).
    static func resample(_ rows: RowBands, outW: Int, outH: Int, reduce: Reduce) throws -> DisplaySlice {
        var rows = rows
        let w = rows.width, h = rows.height
        let xs = spans(w, outW), ys = spans(h, outH)
        let statsStride = max(1, (w * h) / statsSamples)
        var sampled: [Float] = []
        sampled.reserveCapacity(min(w * h, statsSamples + w))
        var lastSampled = -1 // rows are visited again when enlarging; each counts once
        var out = [Float](repeating: 0, count: outW * outH)
        // Per output row: the sum (mean) or maximum of each block's finite samples, how many
        // there were, and the InfinitySigns of the blocks. Source rows are reduced across and
        // folded in one at a time, so working memory is one row per grid, not per source row.
        var sum = [Double](repeating: 0, count: outW), count = [Double](repeating: 0, count: outW)
        var signs = [UInt8](repeating: 0, count: outW)
        var row = [Float](repeating: 0, count: w)
        let isMax = reduce == .max, integral = !rows.dtype.isFloat
        for oy in 0..<outH {
            let ySpan = ys[oy], y0 = ySpan.start, y1 = ySpan.end
            for ox in 0..<outW {
                sum[ox] = isMax ? -.infinity : 0
                count[ox] = 0
                signs[ox] = 0
            }
            for y in y0..<y1 {
                try row.withUnsafeMutableBufferPointer { r in try rows.loadRow(y, into: r) }
                if y % statsStride == 0, y > lastSampled {
                    sampled.append(contentsOf: row)
                    lastSampled = y
                }
                let wy = ySpan.weight(y)
                row.withUnsafeBufferPointer { r in
                    for ox in 0..<outW {
                        let span = xs[ox], x0 = span.start, x1 = span.end
                        var v: Double = isMax ? -.infinity : 0
                        var n: Double = 0
                        if integral { // every sample finite: no test per sample
                            if isMax {
                                for x in x0..<x1 { v = Swift.max(v, Double(r[x])) }
                            } else {
                                for x in x0..<x1 { v += Double(r[x]) }
                                if span.partial { // the edge pixels count by their covered part
                                    v += (span.first - 1) * Double(r[x0])
                                    if x1 - x0 > 1 { v += (span.last - 1) * Double(r[x1 - 1]) }
                                }
                            }
                            n = span.total
                        } else {
                            var s: UInt8 = 0
                            for x in x0..<x1 {
                                let value = r[x]
                                if value.isFinite {
                                    let wx = span.weight(x)
                                    v = isMax ? Swift.max(v, Double(value)) : v + wx * Double(value)
                                    n += wx
                                } else if value.isInfinite {
                                    s |= value > 0 ? InfinitySigns.positive : InfinitySigns.negative
                                }
                            }
                            signs[ox] |= s
                        }
                        guard n > 0 else { continue }
                        sum[ox] = isMax ? Swift.max(sum[ox], v) : sum[ox] + wy * v
                        count[ox] += wy * n
                    }
                }
            }
            // A mean or maximum of finite Floats is a finite Float.
            for ox in 0..<outW {
                out[oy * outW + ox] = count[ox] == 0 ? InfinitySigns.value(signs[ox])
                    : Float(isMax ? sum[ox] : sum[ox] / count[ox])
            }
        }
        return DisplaySlice(width: outW, height: outH, values: out, stats: stats(sampled, dtype: rows.dtype))
    }

    /// The rows of a sampled region, whole or read a band at a time. Rows are asked for in
    /// ascending order (repeats allowed), so each band is read once.
    struct RowBands {
        let width: Int, height: Int, dtype: PixelType
        let band: Int
        let read: (Range<Int>) throws -> PixelBuffer
        private var current: PixelBuffer?
        private var start = 0

        init(width: Int, height: Int, dtype: PixelType, band: Int, read: @escaping (Range<Int>) throws -> PixelBuffer) {
            self.width = width
            self.height = height
            self.dtype = dtype
            self.band = band
            self.read = read
        }

        init(whole buffer: PixelBuffer) {
            self.init(width: buffer.width, height: buffer.height, dtype: buffer.dtype, band: buffer.height) { _ in buffer }
            current = buffer
        }

        mutating func loadRow(_ y: Int, into r: UnsafeMutableBufferPointer<Float>) throws {
            if current == nil || y < start || y >= start + band {
                current = nil // the old band goes before the next one is read
                start = y / band * band
                current = try read(start..<min(height, start + band))
            }
            current!.loadRow(y - start, into: r)
        }
    }

    /// Which infinities a block without finite samples held, and the value it then shows.
    enum InfinitySigns {
        static let positive: UInt8 = 1, negative: UInt8 = 2

        static func value(_ signs: UInt8) -> Float {
            switch signs {
            case positive: return .infinity
            case negative: return -.infinity
            default: return .nan // only NaN, or both infinities: no sign to show
            }
        }
    }

    /// Enough samples for percentiles at 0.175% to be stable, few enough to be cheap.
    static let statsSamples = 1 << 18

    /// The source pixels [start, end) behind one cell, and how much of the first and last of
    /// them the cell covers (1 inside; less at a cell edge that cuts a pixel when shrinking by
    /// a factor that is not a whole number).
    struct Span: Equatable {
        let start: Int, end: Int
        let first: Double, last: Double

        /// Some edge pixel counts partly.
        var partial: Bool { first < 1 || last < 1 }
        /// The covered area in pixels.
        var total: Double { end - start == 1 ? first : Double(end - start - 2) + first + last }

        func weight(_ i: Int) -> Double { i == start ? first : i == end - 1 ? last : 1 }
    }

    /// The span behind each of `out` cells over `n` pixels: cell i covers [i n/out, (i+1) n/out).
    /// Enlarging (or the same size): the one pixel under the cell's start, whole.
    static func spans(_ n: Int, _ out: Int) -> [Span] {
        (0..<out).map { i in
            guard out < n else {
                let start = min(n - 1, i * n / out)
                return Span(start: start, end: start + 1, first: 1, last: 1)
            }
            // Exact in integers: the cell's edges are a = i n / out and b = (i+1) n / out.
            let a = i * n, b = (i + 1) * n
            let start = a / out, end = (b + out - 1) / out
            let first = end - start == 1 ? Double(b - a) / Double(out) : Double((start + 1) * out - a) / Double(out)
            let last = end - start == 1 ? first : Double(b - (end - 1) * out) / Double(out)
            return Span(start: start, end: end, first: first, last: last)
        }
    }

    /// Min, max and saturated tails from a histogram (exact for integer data up to 65536
    /// levels; 4096 bins otherwise) of the finite samples. Spans are Doubles: `hi - lo` of two
    /// Floats near ±3.4e38 is infinite as a Float.
    static func stats(_ v: [Float], dtype: PixelType) -> PlaneStats {
        var lo = Float.infinity, hi = -Float.infinity
        var n = 0
        for x in v where x.isFinite {
            lo = min(lo, x)
            hi = max(hi, x)
            n += 1
        }
        guard n > 0, hi > lo else {
            let m = n > 0 ? Double(lo) : 0
            return PlaneStats(min: m, max: m, saturatedLow: m, saturatedHigh: m, finiteSamples: n)
        }
        let low = Double(lo), span = Double(hi) - Double(lo)
        let integral = !dtype.isFloat && span < 65536
        let bins = integral ? Int(span) + 1 : 4096
        let scale = Double(bins - 1) / span
        var hist = [Int](repeating: 0, count: bins)
        for x in v where x.isFinite {
            hist[Swift.min(bins - 1, Int(((Double(x) - low) * scale).rounded()))] += 1
        }
        let tail = Int(Double(n) * 0.00175)
        var acc = 0, first = 0
        for (i, c) in hist.enumerated() {
            acc += c
            if acc > tail { first = i; break }
        }
        acc = 0
        var last = bins - 1
        for i in stride(from: bins - 1, through: 0, by: -1) {
            acc += hist[i]
            if acc > tail { last = i; break }
        }
        let value: (Int) -> Double = { Swift.min(Double(hi), low + Double($0) / scale) }
        return PlaneStats(min: low, max: Double(hi), saturatedLow: value(first), saturatedHigh: max(value(last), value(first)),
                          finiteSamples: n)
    }
}
