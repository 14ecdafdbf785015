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
    struct IndexMap {
        let low: Float, scale: Float
        init(_ l: ContrastLimits) {
            low = Float(l.low)
            scale = 255 / Float(Swift.max(l.high - l.low, 1e-12))
        }

        @inline(__always)
        func index(_ x: Float) -> Int {
            guard x.isFinite else { return 0 }
            return Int(Swift.min(Swift.max((x - low) * scale, 0), 255) + 0.5) * 3
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
