import Foundation
import OmioRender

/// Peak signal-to-noise ratio in dB between two same-size 8-bit images, over all channels:
/// `10 log10(255² / MSE)`; infinity for identical images.
public func psnr(a: RGBRaster, b: RGBRaster) -> Double {
    precondition(a.width == b.width && a.height == b.height, "psnr: images differ in size")
    guard !a.pixels.isEmpty else { return .infinity }
    var sum: UInt64 = 0
    for i in a.pixels.indices {
        let d = Int(a.pixels[i]) - Int(b.pixels[i])
        sum += UInt64(d * d)
    }
    guard sum > 0 else { return .infinity }
    let mse = Double(sum) / Double(a.pixels.count)
    return 10 * log10(255 * 255 / mse)
}
