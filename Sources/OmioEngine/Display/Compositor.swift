import Foundation
import OmioFormats

/// How one channel is drawn.
public struct ChannelDisplay: Equatable, Sendable {
    public var color: RGBColor
    public var limits: ContrastLimits
    public var gamma: Double

    public init(color: RGBColor, limits: ContrastLimits, gamma: Double = 1) {
        self.color = color
        self.limits = limits
        self.gamma = gamma
    }
}

/// Maps channel planes through contrast, gamma and colour ramps and adds them (napari's
/// additive blending), clamping at white.
public enum Compositor {
    public static func composite(_ layers: [(values: [Float], display: ChannelDisplay)], width: Int, height: Int) -> RGBRaster {
        let n = width * height
        var pixels = [UInt8](repeating: 0, count: n * 3)
        if layers.count == 1 {
            // One channel: no sums to clamp, write the ramp straight into the raster.
            let (values, d) = layers[0]
            precondition(values.count == n, "layer size does not match the raster")
            let lut = ramp(d)
            values.withUnsafeBufferPointer { v in
                pixels.withUnsafeMutableBufferPointer { p in
                    lut.withUnsafeBufferPointer { l in
                        let map = IndexMap(d.limits)
                        for i in 0..<n {
                            let k = map.index(v[i])
                            p[i * 3] = l[k]
                            p[i * 3 + 1] = l[k + 1]
                            p[i * 3 + 2] = l[k + 2]
                        }
                    }
                }
            }
            return RGBRaster(width: width, height: height, pixels: pixels)
        }
        var acc = [UInt16](repeating: 0, count: n * 3)
        acc.withUnsafeMutableBufferPointer { a in
            for (values, d) in layers {
                precondition(values.count == n, "layer size does not match the raster")
                let lut = ramp(d)
                let map = IndexMap(d.limits)
                values.withUnsafeBufferPointer { v in
                    lut.withUnsafeBufferPointer { l in
                        for i in 0..<n {
                            let k = map.index(v[i])
                            a[i * 3] &+= UInt16(l[k])
                            a[i * 3 + 1] &+= UInt16(l[k + 1])
                            a[i * 3 + 2] &+= UInt16(l[k + 2])
                        }
                    }
                }
            }
            pixels.withUnsafeMutableBufferPointer { p in
                for i in 0..<(n * 3) { p[i] = UInt8(truncatingIfNeeded: Swift.min(a[i], 255)) }
            }
        }
        return RGBRaster(width: width, height: height, pixels: pixels)
    }

    /// Value -> offset of its LUT entry, with the division hoisted out of the pixel loop.
    /// In Doubles with the span halved: limits far apart (±3.4e38 data, ±1.7e308 limits) must
    /// neither overflow nor turn into 0 * inf = NaN, which `Int()` traps on.
    struct IndexMap {
        let low: Double, scale: Double
        init(_ l: ContrastLimits) {
            let u = l.usable
            low = u.low
            scale = Swift.min(127.5 / u.halfSpan, .greatestFiniteMagnitude)
        }

        /// NaN draws black; -Inf and +Inf clamp to the ends like any value out of range.
        @inline(__always)
        func index(_ x: Float) -> Int {
            let t = (Double(x) - low) * scale
            guard t > 0 else { return 0 } // also NaN
            return t < 255 ? Int(t + 0.5) * 3 : 255 * 3
        }
    }

    /// 256 RGB entries from black to the channel colour, shaped by gamma.
    static func ramp(_ d: ChannelDisplay) -> [UInt8] {
        var lut = [UInt8](repeating: 0, count: 256 * 3)
        for i in 0..<256 {
            let t = pow(Double(i) / 255, d.gamma)
            lut[i * 3] = UInt8((Double(d.color.r) * t).rounded())
            lut[i * 3 + 1] = UInt8((Double(d.color.g) * t).rounded())
            lut[i * 3 + 2] = UInt8((Double(d.color.b) * t).rounded())
        }
        return lut
    }
}
