import OmioEngine

/// The renderer's input is the compositor's output, so the raster type is the engine's
/// (8-bit sRGB, RGB interleaved, row-major); the alias lets renderer code and its users
/// name it without importing OmioEngine.
public typealias RGBRaster = OmioEngine.RGBRaster

/// What the renderer's tests and quality measurements add: uniform fills and pixel access.
extension RGBRaster {
    /// A raster filled with one colour.
    public init(width: Int, height: Int, fill: RGB8) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in stride(from: 0, to: pixels.count, by: 3) {
            pixels[i] = fill.r
            pixels[i + 1] = fill.g
            pixels[i + 2] = fill.b
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    public subscript(x: Int, y: Int) -> RGB8 {
        get {
            let i = (y * width + x) * 3
            return RGB8(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2])
        }
        set {
            let i = (y * width + x) * 3
            pixels[i] = newValue.r
            pixels[i + 1] = newValue.g
            pixels[i + 2] = newValue.b
        }
    }
}
