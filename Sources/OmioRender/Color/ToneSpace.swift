import Foundation

/// The tone space the renderer averages colours and measures error in, as tables: the sRGB
/// code (0...1) raised to 1.5. Linear light (about code^2.2) is where the light of a glyph's
/// pixels adds up, and it alone darkens nothing when mixing; sRGB codes are where errors are
/// seen about evenly, and PSNR is usually taken. Fitting in either space wins only its own
/// measure: on the bench's 1024x1024 planes at 96x48 cells, fitting in linear light was 0.5 dB
/// behind chafa in sRGB-code PSNR, fitting in codes fell behind chafa in linear-light PSNR
/// on the real cell image; at 1.5 the cells are ahead of chafa in both (BENCHMARKS.md).
struct ToneSpace {
    static let renderer = ToneSpace(exponent: 1.5)

    /// 8-bit code -> tone value in 0...1.
    let fromCode: [Float]
    /// The tone values halfway (in codes) between consecutive codes, then +infinity: code c is
    /// the right encoding of x when `codeBoundaries[c - 1] <= x < codeBoundaries[c]`, which
    /// rounds exactly like `round(encode(x) * 255)` without a `pow` per call.
    let codeBoundaries: [Float]
    /// The code at the start of each of `bins` equal slices of 0...1, so encoding is a lookup
    /// plus a step or two.
    let startCode: [UInt8]
    static let bins = 4096

    init(exponent: Float) {
        let decode = { (v: Float) in powf(v, exponent) }
        fromCode = (0..<256).map { decode(Float($0) / 255) }
        let boundaries = (0..<255).map { decode((Float($0) + 0.5) / 255) } + [.infinity]
        codeBoundaries = boundaries
        startCode = (0..<Self.bins).map { bin in
            UInt8(boundaries.firstIndex { $0 > Float(bin) / Float(Self.bins) }!)
        }
    }

    /// Tone value -> nearest 8-bit code, given `startCode` and `codeBoundaries`.
    static func encode(_ value: Float, start: UnsafeBufferPointer<UInt8>, boundaries: UnsafeBufferPointer<Float>) -> UInt8 {
        let x = min(max(value, 0), 1)
        var code = Int(start[min(Int(x * Float(bins)), bins - 1)])
        while boundaries[code] <= x { code += 1 }
        return UInt8(code)
    }
}
