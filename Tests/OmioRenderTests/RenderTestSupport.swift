import Foundation
@testable import OmioRender
@testable import OmioRenderQuality

/// Helpers shared by the renderer tests: synthetic rasters, box downsampling, error in the renderer's tone space.
enum RenderTestSupport {
    /// A raster whose pixel (x, y) is `color(x, y)`.
    static func raster(width: Int, height: Int, _ color: (Int, Int) -> RGB8) -> RGBRaster {
        var r = RGBRaster(width: width, height: height, fill: .black)
        for y in 0..<height {
            for x in 0..<width { r[x, y] = color(x, y) }
        }
        return r
    }

    static func gray(_ v: UInt8) -> RGB8 { RGB8(r: v, g: v, b: v) }

    /// Reproducible pseudo-random rasters (xorshift), no global state.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func color() -> RGB8 {
            let v = next()
            return RGB8(r: UInt8(truncatingIfNeeded: v), g: UInt8(truncatingIfNeeded: v >> 8), b: UInt8(truncatingIfNeeded: v >> 16))
        }
    }

    /// Averages `fx` x `fy` blocks of sRGB codes, as an engine downsampling data would.
    static func downsample(_ r: RGBRaster, by fx: Int, _ fy: Int) -> RGBRaster {
        raster(width: r.width / fx, height: r.height / fy) { x, y in
            var sum = [0, 0, 0]
            for dy in 0..<fy {
                for dx in 0..<fx {
                    let c = r[x * fx + dx, y * fy + dy]
                    sum[0] += Int(c.r); sum[1] += Int(c.g); sum[2] += Int(c.b)
                }
            }
            let n = fx * fy
            return RGB8(r: UInt8((sum[0] + n / 2) / n), g: UInt8((sum[1] + n / 2) / n), b: UInt8((sum[2] + n / 2) / n))
        }
    }

    static func tone(_ c: RGB8) -> [Double] {
        [c.r, c.g, c.b].map { Double(ToneSpace.renderer.fromCode[Int($0)]) }
    }

    /// Squared error (in the renderer's tone space) of one cell drawn as `glyph` in fg/bg against the raster
    /// pixels of cell (cx, cy) at the symbol set's raster resolution.
    static func error(glyph: Unicode.Scalar, fg: [Double], bg: [Double], raster: RGBRaster,
                      cx: Int, cy: Int, symbols: SymbolSet) -> Double {
        let (w, h) = symbols.pixelsPerCell
        let mask = CellRasterizer.coverageMask(glyph, cellWidth: w, cellHeight: h)
        var e = 0.0
        for y in 0..<h {
            for x in 0..<w {
                let p = tone(raster[cx * w + x, cy * h + y])
                let c = mask[y * w + x] ? fg : bg
                for ch in 0..<3 { e += (p[ch] - c[ch]) * (p[ch] - c[ch]) }
            }
        }
        return e
    }

    /// The error of `glyph` with its best (unrounded) colours: the means of its two regions.
    static func bestError(glyph: Unicode.Scalar, raster: RGBRaster, cx: Int, cy: Int, symbols: SymbolSet) -> Double {
        let (w, h) = symbols.pixelsPerCell
        let mask = CellRasterizer.coverageMask(glyph, cellWidth: w, cellHeight: h)
        var sums = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], counts = [0.0, 0.0]
        for y in 0..<h {
            for x in 0..<w {
                let side = mask[y * w + x] ? 0 : 1
                let p = tone(raster[cx * w + x, cy * h + y])
                for ch in 0..<3 { sums[side][ch] += p[ch] }
                counts[side] += 1
            }
        }
        let means = (0..<2).map { s in sums[s].map { counts[s] > 0 ? $0 / counts[s] : 0 } }
        return error(glyph: glyph, fg: means[0], bg: means[1], raster: raster, cx: cx, cy: cy, symbols: symbols)
    }

    /// Every glyph the set can draw: all its patterns, plus the lower eighths for sextants.
    static func drawable(_ symbols: SymbolSet) -> [Unicode.Scalar] {
        let k = symbols.subCols * symbols.subRows
        let patterns = (0..<1 << k).map(symbols.glyph(pattern:))
        return patterns + (symbols.lowerEighths ? (1...7).map(SymbolSet.lowerEighthGlyph) : [])
    }

    /// A smooth test picture: a diagonal colour gradient with a bright disc.
    static func gradientDisc(width: Int, height: Int) -> RGBRaster {
        raster(width: width, height: height) { x, y in
            let u = Double(x) / Double(width - 1), v = Double(y) / Double(height - 1)
            let dx = (u - 0.55) * Double(width) / Double(height), dy = v - 0.5
            let d = (dx * dx + dy * dy).squareRoot()
            let disc = max(0, min(1, (0.3 - d) * 40)) // antialiased edge
            func mix(_ a: Double, _ b: Double) -> UInt8 { UInt8((a * (1 - disc) + b * disc).rounded()) }
            return RGB8(r: mix(40 + 180 * u, 250), g: mix(30 + 120 * v, 220), b: mix(200 - 150 * u, 60))
        }
    }
}
