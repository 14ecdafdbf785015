import Foundation

/// The sRGB transfer function: code -> linear light, for colour distances (CIELAB).
enum SRGB {
    /// 8-bit sRGB code -> linear light in 0...1.
    static let toLinear: [Float] = (0..<256).map { decode(Float($0) / 255) }

    static func decode(_ v: Float) -> Float {
        v <= 0.04045 ? v / 12.92 : powf((v + 0.055) / 1.055, 2.4)
    }
}
