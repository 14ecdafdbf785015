import Foundation

/// The sRGB transfer function as tables. Colours are averaged in linear light, where light from
/// neighbouring glyph pixels actually adds up; averaging sRGB codes would darken every mix.
enum SRGB {
    /// 8-bit sRGB code -> linear light in 0...1.
    static let toLinear: [Float] = (0..<256).map { decode(Float($0) / 255) }

    /// The linear values halfway (in sRGB) between consecutive codes, then +infinity: code c
    /// is the right encoding of x when `codeBoundaries[c - 1] <= x < codeBoundaries[c]`, which
    /// rounds exactly like `round(encode(x) * 255)` without a `pow` per call.
    static let codeBoundaries: [Float] = (0..<255).map { decode((Float($0) + 0.5) / 255) } + [.infinity]

    /// The code at the start of each of `bins` equal slices of 0...1. Slices (1/4096) are
    /// narrower than the smallest code step (1/3295, near black), so at most one boundary lies
    /// inside a slice and encoding is a lookup plus at most one step.
    static let bins = 4096
    static let startCode: [UInt8] = (0..<bins).map { bin in
        UInt8(codeBoundaries.firstIndex { $0 > Float(bin) / Float(bins) }!)
    }

    static func decode(_ v: Float) -> Float {
        v <= 0.04045 ? v / 12.92 : powf((v + 0.055) / 1.055, 2.4)
    }

    /// Linear light -> nearest 8-bit sRGB code, given `startCode` and `codeBoundaries`.
    static func encode(_ linear: Float, start: UnsafeBufferPointer<UInt8>, boundaries: UnsafeBufferPointer<Float>) -> UInt8 {
        let x = min(max(linear, 0), 1)
        var code = Int(start[min(Int(x * Float(bins)), bins - 1)])
        while boundaries[code] <= x { code += 1 }
        return UInt8(code)
    }
}
