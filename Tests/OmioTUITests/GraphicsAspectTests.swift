import Foundation
import OmioEngine
import OmioFixtures
import OmioFormats
import OmioRender
import OmioRenderQuality
import Testing
@testable import OmioTUI

/// A picture keeps its shape with real pixels. The preview's cell grid is rounded to whole
/// cells (100x100 px at 8x16 px cells zoomed 1:1 is 13x7 cells = 104x112 px), and kitty and
/// iTerm2 stretch the raster to the cells they are given: the picture must be padded, not
/// stretched. Decodes what each protocol sends and measures the drawn picture on screen.
@Suite(.serialized)
struct GraphicsAspectTests {
    /// A plane with a bright one-pixel frame around a dark inside: whatever the
    /// contrast, the frame is the picture's edge and the padding around it is black.
    static func framed(_ width: Int, _ height: Int, in dir: String) throws -> String {
        let path = dir + "/framed\(width)x\(height).tif"
        let page = (0..<(width * height)).map { i -> Double in
            let x = i % width, y = i / width
            return x == 0 || y == 0 || x == width - 1 || y == height - 1 ? 255 : 120
        }
        try OddPixels.write(path, width: width, height: height, dtype: .uint8, pages: [page])
        return path
    }

    /// The picture's size on screen in pixels: the bounding box of the drawn (not black)
    /// pixels, scaled as the terminal scales the raster to the image's cells.
    static func drawnSize(_ image: TerminalImage, cell: CellPixels) throws -> (width: Double, height: Double) {
        let raster: RGBRaster
        switch image.proto {
        case .kitty: raster = try #require(try KittyDecoder.images(image.bytes).first).raster
        case .iterm: raster = try ITermDecoder.decode(image.bytes).raster
        case .sixel: raster = try SixelDecoder.decode(image.bytes).raster
        }
        var x0 = Int.max, x1 = -1, y0 = Int.max, y1 = -1
        for y in 0..<raster.height {
            for x in 0..<raster.width {
                let p = (y * raster.width + x) * 3
                guard max(raster.pixels[p], raster.pixels[p + 1], raster.pixels[p + 2]) > 40 else { continue }
                x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            }
        }
        #expect(x1 >= 0, "nothing drawn")
        // Sixel is drawn pixel for pixel; kitty and iTerm2 fill the cells with the raster.
        let sx = image.proto == .sixel ? 1 : Double(image.cols * cell.width) / Double(raster.width)
        let sy = image.proto == .sixel ? 1 : Double(image.rows * cell.height) / Double(raster.height)
        return (Double(x1 - x0 + 1) * sx, Double(y1 - y0 + 1) * sy)
    }

    @Test(arguments: [GraphicsProtocol.kitty, .sixel, .iterm])
    func picturesKeepTheirShapeFittedAndZoomed(_ proto: GraphicsProtocol) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Squares, and a strip 300 px wide and 20 px tall (zoomed: 20 px in 2 rows of cells).
        for (w, h) in [(36, 36), (100, 100), (300, 20)] {
            let path = try Self.framed(w, h, in: dir)
            for cell in [CellPixels(width: 8, height: 16), CellPixels(width: 7, height: 17), CellPixels(width: 10, height: 25)] {
                for zoom in [false, true] {
                    let m = AppModel(path: path)
                    m.screen = (50, 160)
                    m.graphics = GraphicsChoice(proto: proto)
                    m.cellOverride = cell
                    GraphicsPreviewTests.pump(m)
                    if zoom {
                        m.focus = .preview
                        GraphicsPreviewTests.press(m, "z")
                    }
                    let v = try #require(m.viewer)
                    #expect(v.zoomed == zoom)
                    let image = try #require(v.image)
                    let drawn = try Self.drawnSize(image, cell: cell)
                    let what = "\(proto) \(w)x\(h) px at \(cell.width)x\(cell.height) px cells\(zoom ? ", zoomed" : ""): drawn \(drawn)"
                    #expect(abs(drawn.width / drawn.height / (Double(w) / Double(h)) - 1) <= 0.02, "\(what)")
                    // Zoom 1:1 is one screen pixel per data pixel, no scaling at all.
                    if zoom { #expect(abs(drawn.width - Double(w)) < 0.5 && abs(drawn.height - Double(h)) < 0.5, "\(what)") }
                }
            }
        }
    }

    /// A box bigger than any screen (render --width 4096 --height 256 --cell-size 64x64 asked
    /// for a 16384² sixel: 49.5 MB out, 1.2 GB in memory) is scaled down to a 4K screen's
    /// pixels, keeping its shape, and the encoded image is no bigger.
    @Test(arguments: [GraphicsProtocol.kitty, .sixel])
    func hugeBoxesAreCappedToAScreen(_ proto: GraphicsProtocol) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try ImageOpener.open(path: try Self.framed(300, 300, in: dir))
        let m = source.metadata(series: 0)
        var r = SliceRequest(generation: 0, array: LazyArray(levels: SourceLevels(source: source, series: 0)), t: 0, z: 0, channels: [0],
                             viewport: .full(m.shape), cols: 256, rows: 256, symbols: .sextant, contrast: [.auto], gamma: 1,
                             colors: ChannelColors.resolve(m), reduce: .mean)
        r.graphics = proto
        r.cellPixels = CellPixels(width: 64, height: 64)
        let box = r.rasterSize
        #expect(box.width * box.height <= SliceRequest.maxImagePixels)
        #expect(box.width == box.height)
        let image = try #require(try SlicePipeline.run(r).image)
        #expect(image.pixelWidth * image.pixelHeight <= SliceRequest.maxImagePixels)
        #expect(image.bytes.count < 64 << 20)
    }
}
