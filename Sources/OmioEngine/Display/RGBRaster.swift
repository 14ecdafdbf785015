/// An 8-bit sRGB image, RGB interleaved, row-major: what the renderer turns into cells.
public struct RGBRaster: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "raster size does not match its shape")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }
}

extension RGBRaster {
    /// Nearest-neighbour resize (pixel `i` of the result takes source pixel `i * n / out`, as
    /// the display slicer enlarges): display work happens at the data's own resolution and only
    /// the finished colours are repeated up to the renderer's raster.
    public func resizedNearest(width outW: Int, height outH: Int) -> RGBRaster {
        if outW == width && outH == height { return self }
        var out = [UInt8](repeating: 0, count: outW * outH * 3)
        let xs = (0..<outW).map { Swift.min(width - 1, $0 * width / outW) * 3 }
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<outH {
                    let sy = Swift.min(height - 1, oy * height / outH)
                    let srow = sy * width * 3, drow = oy * outW * 3
                    if oy > 0, sy == Swift.min(height - 1, (oy - 1) * height / outH) {
                        // Same source row as the previous output row: copy that row.
                        (dst.baseAddress! + drow).update(from: dst.baseAddress! + drow - outW * 3, count: outW * 3)
                        continue
                    }
                    for ox in 0..<outW {
                        let s = srow + xs[ox], d = drow + ox * 3
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBRaster(width: outW, height: outH, pixels: out)
    }

    /// This raster at (`x`, `y`) in a black one of `outW` x `outH` (it must fit).
    public func placed(inWidth outW: Int, height outH: Int, x: Int, y: Int) -> RGBRaster {
        if outW == width && outH == height { return self }
        precondition(x >= 0 && y >= 0 && x + width <= outW && y + height <= outH, "raster does not fit where it is placed")
        var out = [UInt8](repeating: 0, count: outW * outH * 3)
        for row in 0..<height {
            let d = ((y + row) * outW + x) * 3
            out.replaceSubrange(d..<(d + width * 3), with: pixels[(row * width * 3)..<((row + 1) * width * 3)])
        }
        return RGBRaster(width: outW, height: outH, pixels: out)
    }
}
