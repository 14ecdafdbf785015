import OmioFormats
import Testing
@testable import OmioRender
@testable import OmioRenderQuality

/// The renderers' sub-pixel grid per cell is fixed (1x2, 2x2, 2x3 plus eighths); when cells are
/// not 1:2 the sub-pixels are not square, and the picture keeps its shape only through the
/// cols/rows the fit picks. Drawn back with cells of the terminal's size, a square stays square.
struct CellShapeRenderTests {
    /// A 240x240 image, black with a white 144x144 square in the middle, drawn with `cell`.
    static func squareOnScreen(cell: CellPixels, symbols: SymbolSet) -> (width: Int, height: Int) {
        var field = RGBRaster(width: 240, height: 240, fill: .black)
        for y in 48..<192 { for x in 48..<192 { field[x, y] = .white } }
        let m = ImageMetadata(path: "square.tif", format: .tiff, shape: Shape(y: 240, x: 240), dtype: .uint8,
                              physicalSizeX: 1, physicalSizeY: 1, physicalSizeZ: 1)
        let fit = PreviewGeometry.fit(m, width: 100, height: 40, cell: cell)
        let renderer = Renderer.blocks(symbols, RenderStyle(colors: .truecolor, glyphs: .unicode))
        let size = renderer.rasterSize(cols: fit.cols, rows: fit.rows)
        let grid = renderer.render(raster: field.resizedNearest(width: size.width, height: size.height), cols: fit.cols, rows: fit.rows)
        let screen = CellRasterizer.rasterize(grid, cellWidth: cell.width, cellHeight: cell.height)
        var xs = (Int.max, Int.min), ys = (Int.max, Int.min)
        for y in 0..<screen.height {
            for x in 0..<screen.width where screen[x, y].g > 128 {
                xs = (min(xs.0, x), max(xs.1, x))
                ys = (min(ys.0, y), max(ys.1, y))
            }
        }
        return (xs.1 - xs.0 + 1, ys.1 - ys.0 + 1)
    }

    @Test(arguments: [CellPixels(width: 7, height: 17), CellPixels(width: 9, height: 18), CellPixels(width: 10, height: 25), .assumed])
    func squareStaysSquareInEveryGlyphSet(cell: CellPixels) {
        for symbols in SymbolSet.allCases {
            let s = Self.squareOnScreen(cell: cell, symbols: symbols)
            let shape = Double(s.width) / Double(s.height)
            #expect(abs(shape - 1) <= 0.05, "\(cell) \(symbols): \(s.width)x\(s.height) px on screen, \(shape)")
        }
    }
}
