import CZlib
import Foundation
import OmioRender
import OmioRenderQuality

/// Image helpers for the render-quality case: the plane as chafa gets it (8-bit gray PNG),
/// the reference it is measured against (area-averaged to the rasterized cells' pixel grid).
enum BenchQuality {
    /// The plane through fixed contrast limits exactly as the compositor maps a single channel
    /// drawn in white: t = clamp((v - lo) / (hi - lo)), gray = round(255 t).
    static func gray8(_ values: [Float], low: Double, high: Double) -> [UInt8] {
        let lo = Float(low), span = Float(max(high - low, 1e-12))
        return values.map { x in
            let t = x.isFinite ? min(max((x - lo) / span, 0), 1) : 0
            return UInt8(Int(t * 255 + 0.5))
        }
    }

    /// Exact area averaging (box filter with fractional overlaps) of a gray image to
    /// `outW` x `outH`, as an RGB raster (r = g = b, rounded to 8 bits).
    static func areaAverage(_ gray: [UInt8], width: Int, height: Int, outW: Int, outH: Int) -> RGBRaster {
        let averaged = boxFilter(gray.map(Double.init), width: width, height: height, outW: outW, outH: outH)
        return RGBRaster(width: outW, height: outH, pixels: averaged.flatMap { v -> [UInt8] in
            let code = UInt8(min(255, max(0, v.rounded())))
            return [code, code, code]
        })
    }

    /// `values` (width x height) area-averaged to `outW` x `outH`: rows first, then columns.
    static func boxFilter(_ values: [Double], width: Int, height: Int, outW: Int, outH: Int) -> [Double] {
        let wx = weights(width, outW), wy = weights(height, outH)
        var rows = [Double](repeating: 0, count: outH * width)
        for oy in 0..<outH {
            for (y, w) in wy[oy] {
                for x in 0..<width { rows[oy * width + x] += w * values[y * width + x] }
            }
        }
        var out = [Double](repeating: 0, count: outW * outH)
        for oy in 0..<outH {
            for ox in 0..<outW {
                for (x, w) in wx[ox] { out[oy * outW + ox] += w * rows[oy * width + x] }
            }
        }
        return out
    }

    /// Box-filter weights: for each of `out` cells over `n` pixels, the pixels it overlaps and
    /// the fraction of the cell each covers.
    static func weights(_ n: Int, _ out: Int) -> [[(Int, Double)]] {
        let scale = Double(n) / Double(out)
        return (0..<out).map { o in
            let a = Double(o) * scale, b = Double(o + 1) * scale
            var w: [(Int, Double)] = []
            var i = Int(a.rounded(.down))
            while Double(i) < b, i < n {
                let overlap = min(b, Double(i + 1)) - max(a, Double(i))
                if overlap > 1e-12 { w.append((i, overlap / scale)) }
                i += 1
            }
            return w
        }
    }

    /// sRGB code value -> linear light.
    static let linear: [Double] = (0..<256).map { i in
        let c = Double(i) / 255
        return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
    }

    /// The gray plane linearized first and then area-averaged to `outW` x `outH` (what light a
    /// viewer's eye averages), in linear light 0...1.
    static func linearAverage(_ gray: [UInt8], width: Int, height: Int, outW: Int, outH: Int) -> [Double] {
        boxFilter(gray.map { linear[Int($0)] }, width: width, height: height, outW: outW, outH: outH)
    }

    /// PSNR in linear light (peak 1) of the cells' pixels, linearized, against `linearAverage`.
    static func linearPSNR(_ raster: RGBRaster, reference: [Double]) -> Double {
        var sum = 0.0
        for (j, ref) in reference.enumerated() {
            for k in 0..<3 {
                let d = linear[Int(raster.pixels[j * 3 + k])] - ref
                sum += d * d
            }
        }
        let mse = sum / Double(reference.count * 3)
        return mse > 0 ? 10 * log10(1 / mse) : .infinity
    }

    /// `linearAverage` encoded back to 8-bit sRGB codes, as a gray RGB raster.
    static func codes(_ linearValues: [Double], width: Int, height: Int) -> RGBRaster {
        let pixels = linearValues.flatMap { v -> [UInt8] in
            let c = v <= 0.0031308 ? v * 12.92 : 1.055 * pow(v, 1 / 2.4) - 0.055
            let code = UInt8(min(255, max(0, (c * 255).rounded())))
            return [code, code, code]
        }
        return RGBRaster(width: width, height: height, pixels: pixels)
    }

    /// Glyphs in `grid` the rasterizer does not know (drawn as background, which would
    /// understate that renderer's quality): everything but space whose mask comes out empty.
    static func unknownGlyphs(_ grid: CellGrid) -> [Unicode.Scalar: Int] {
        var known: [Unicode.Scalar: Bool] = [:]
        var unknown: [Unicode.Scalar: Int] = [:]
        for cell in grid.cells where cell.glyph != " " {
            let isKnown = known[cell.glyph] ?? {
                let probe = CellGrid(cols: 1, rows: 1, cells: [Cell(glyph: cell.glyph, fg: .white, bg: .black)])
                let r = CellRasterizer.rasterize(probe, cellWidth: 8, cellHeight: 16)
                let k = r.pixels.contains { $0 != 0 }
                known[cell.glyph] = k
                return k
            }()
            if !isKnown { unknown[cell.glyph, default: 0] += 1 }
        }
        return unknown
    }

    /// Distinct glyphs used, most frequent first (for the notes).
    static func glyphSummary(_ grid: CellGrid) -> String {
        var counts: [Unicode.Scalar: Int] = [:]
        for c in grid.cells { counts[c.glyph, default: 0] += 1 }
        return "\(counts.count) distinct glyphs"
    }
}
