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
        var acc = [UInt16](repeating: 0, count: width * height * 3)
        for (values, d) in layers {
            precondition(values.count == width * height, "layer size does not match the raster")
            let lut = ramp(d)
            let lo = Float(d.limits.low), span = Float(max(d.limits.high - d.limits.low, 1e-12))
            values.withUnsafeBufferPointer { v in
                acc.withUnsafeMutableBufferPointer { a in
                    for i in 0..<v.count {
                        let x = v[i]
                        let t = x.isFinite ? min(max((x - lo) / span, 0), 1) : 0
                        let k = Int(t * 255 + 0.5) * 3
                        a[i * 3] &+= UInt16(lut[k])
                        a[i * 3 + 1] &+= UInt16(lut[k + 1])
                        a[i * 3 + 2] &+= UInt16(lut[k + 2])
                    }
                }
            }
        }
        return RGBRaster(width: width, height: height, pixels: acc.map { UInt8(min($0, 255)) })
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
