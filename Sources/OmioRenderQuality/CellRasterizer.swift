import OmioRender

/// Draws a CellGrid back into pixels, each glyph's covered part in fg and the rest in bg: the
/// picture a terminal with an ideal font would show, so quality can be measured as PSNR.
public enum CellRasterizer {
    /// A `cols * cellWidth` x `rows * cellHeight` raster. Glyphs whose shape is unknown (see
    /// GlyphCoverage) are drawn as background.
    public static func rasterize(_ grid: CellGrid, cellWidth: Int, cellHeight: Int) -> RGBRaster {
        precondition(cellWidth > 0 && cellHeight > 0)
        let width = grid.cols * cellWidth
        var pixels = [UInt8](repeating: 0, count: width * grid.rows * cellHeight * 3)
        var masks: [Unicode.Scalar: [Bool]] = [:]
        for row in 0..<grid.rows {
            for col in 0..<grid.cols {
                let cell = grid[col, row]
                let mask = masks[cell.glyph] ?? {
                    let m = coverageMask(cell.glyph, cellWidth: cellWidth, cellHeight: cellHeight)
                    masks[cell.glyph] = m
                    return m
                }()
                for py in 0..<cellHeight {
                    var i = ((row * cellHeight + py) * width + col * cellWidth) * 3
                    for px in 0..<cellWidth {
                        let c = mask[py * cellWidth + px] ? cell.fg : cell.bg
                        pixels[i] = c.r
                        pixels[i + 1] = c.g
                        pixels[i + 2] = c.b
                        i += 3
                    }
                }
            }
        }
        return RGBRaster(width: width, height: grid.rows * cellHeight, pixels: pixels)
    }

    /// Coverage sampled at pixel centres.
    static func coverageMask(_ glyph: Unicode.Scalar, cellWidth: Int, cellHeight: Int) -> [Bool] {
        (0..<cellWidth * cellHeight).map { i in
            GlyphCoverage.covers(glyph,
                                 x: (Double(i % cellWidth) + 0.5) / Double(cellWidth),
                                 y: (Double(i / cellWidth) + 0.5) / Double(cellHeight)) ?? false
        }
    }
}
