import Foundation
import OmioEngine
import OmioFormats

/// Everything needed to turn one view of a plane into cells; built on the main thread,
/// run on the slice worker.
public struct SliceRequest {
    /// The caller's counter, handed back in the result (the TUI draws only the newest).
    public let generation: Int
    public let array: LazyArray
    public let t: Int
    public let z: Int
    /// Channels drawn: one, or all of them for the composite.
    public let channels: [Int]
    public let viewport: Viewport
    public let cols: Int
    public let rows: Int
    public let symbols: SymbolSet
    public let contrast: [ContrastMode]
    public let gamma: Double
    public let colors: [RGBColor]
    public let reduce: Reduce
    /// RGB samples drawn as one colour image: `channels` are R, G, B and share one set of
    /// limits (the mode of the first).
    public var trueColor: Bool
    /// The terminal's rung of the capability ladder (colours and glyphs).
    public var style: RenderStyle
    /// The terminal's cell in pixels (measured, forced with --cell-size, or assumed 2:1).
    public var cellPixels: CellPixels = .assumed
    /// Real pixels through this protocol instead of block characters (nil: blocks).
    public var graphics: GraphicsProtocol?
    public var graphicsOptions = GraphicsOptions()
    /// PhysicalSizeX / PhysicalSizeY (PreviewGeometry.pixelAspect): the data's shape on screen
    /// with a graphics protocol.
    public var pixelAspect: Double = 1
    /// Zoom 1:1 with a graphics protocol: one screen pixel per data pixel across, never scaled
    /// (the viewport is then at most the cells' pixels).
    public var oneToOne = false
    /// The screen shows a single channel through a palette redefined as a ramp of its colour
    /// (the TUI's PreviewPainter, 256 colours): cells keep free colours for the ramp's 240
    /// shades. Otherwise 256-colour cells are fitted to the xterm palette.
    public var paletteRamp = false
    /// A remote image: the worker first renders the pyramid's coarsest level (few, small
    /// chunks: on screen after a round trip or two), then the level the view needs.
    public var coarseFirst = false
    /// This pass reads the coarsest level whatever the grid needs (set by the worker).
    public var coarsestLevel = false

    public init(generation: Int, array: LazyArray, t: Int, z: Int, channels: [Int], viewport: Viewport, cols: Int, rows: Int,
                symbols: SymbolSet, contrast: [ContrastMode], gamma: Double, colors: [RGBColor], reduce: Reduce,
                trueColor: Bool = false, style: RenderStyle = RenderStyle(colors: .truecolor, glyphs: .unicode)) {
        self.generation = generation
        self.array = array
        self.t = t
        self.z = z
        self.channels = channels
        self.viewport = viewport
        self.cols = cols
        self.rows = rows
        self.symbols = symbols
        self.contrast = contrast
        self.gamma = gamma
        self.colors = colors
        self.reduce = reduce
        self.trueColor = trueColor
        self.style = style
    }

    /// The renderer that turns this request's raster into cells.
    public var renderer: Renderer { Self.renderer(symbols: symbols, style: style, paletteRamp: paletteRamp) }

    /// Blocks in `style`, except that a palette ramp takes free colours (the truecolor fit).
    public static func renderer(symbols: SymbolSet, style: RenderStyle, paletteRamp: Bool) -> Renderer {
        guard paletteRamp, style.colors == .ansi256 else { return .blocks(symbols, style) }
        return .blocks(symbols, RenderStyle(colors: .truecolor, glyphs: style.glyphs))
    }

    /// The finished raster's size: what the glyph search reads for blocks, the preview's size
    /// in screen pixels (cells times the cell's pixels) for a terminal-graphics protocol.
    public var rasterSize: (width: Int, height: Int) {
        guard graphics != nil else { return renderer.rasterSize(cols: cols, rows: rows) }
        let w = cols * cellPixels.width, h = rows * cellPixels.height
        // A terminal window is a few thousand pixels across; a bigger box only comes from
        // `render` options (4096 cells of 64 px: a 16384² sixel, 1.2 GB to encode) and is
        // scaled down to `maxImagePixels`, keeping its shape (the image then covers fewer cells).
        let area = Double(w) * Double(h), limit = Double(SliceRequest.maxImagePixels)
        guard area > limit else { return (w, h) }
        let s = (limit / area).squareRoot()
        return (max(1, Int(Double(w) * s)), max(1, Int(Double(h) * s)))
    }

    /// The largest image a graphics protocol is sent: a 4K screen (3840 x 2160 px).
    public static let maxImagePixels = 3840 * 2160

    /// With a graphics protocol, where the viewport's picture lies in the `rasterSize` box. The
    /// cell grid is rounded to whole cells, and kitty and iTerm2 stretch what they get to the
    /// cells: the picture keeps its own shape inside the box, centred on black, never
    /// stretched to the rounded box (sixel: the raster is the box; kitty, iTerm2: `padded`).
    public var pictureRect: (x: Int, y: Int, width: Int, height: Int) {
        let box = rasterSize
        let across = Double(viewport.width), down = Double(viewport.height) / pixelAspect // in screen pixels at 1:1
        let scale = oneToOne ? 1 : min(Double(box.width) / across, Double(box.height) / down)
        let w = max(1, min(box.width, Int((across * scale).rounded())))
        let h = max(1, min(box.height, Int((down * scale).rounded())))
        return ((box.width - w) / 2, (box.height - h) / 2, w, h)
    }
}

public struct SliceResult {
    public let generation: Int
    public let grid: CellGrid
    /// The limits used per drawn channel (auto modes resolve per plane).
    public let limits: [Int: ContrastLimits]
    public let stats: [Int: PlaneStats]
    public let seconds: Double
    /// The encoded image when the request asked for `graphics` (then `grid` is not drawn).
    public var image: TerminalImage? = nil
    /// Made from the coarsest level as a quick first pass; the full pass of the same
    /// generation follows.
    public var coarse = false
}

/// Plane(s) -> downsampled slices -> contrast and colour -> composite raster -> cells.
/// The one pipeline behind the TUI's preview, `omio-tui render` and `omio-devtool bench`.
public enum SlicePipeline {
    /// For kitty and iTerm2, which scale the raster to its cells themselves (smoothly): the
    /// picture at the data's resolution, padded with black so that the raster has the cells'
    /// shape and the picture lands on `picture` when stretched to `box`. A small picture is
    /// first enlarged by a whole factor (to at least 256 px where the screen has the pixels)
    /// so that whole pixels of padding place it to within half a pixel of 256 (0.2 %).
    static func padded(_ composite: RGBRaster, picture: (x: Int, y: Int, width: Int, height: Int),
                       box: (width: Int, height: Int)) -> RGBRaster {
        let cw = composite.width, ch = composite.height
        guard cw < picture.width || ch < picture.height else {
            return composite.resizedNearest(width: picture.width, height: picture.height)
                .placed(inWidth: box.width, height: box.height, x: picture.x, y: picture.y)
        }
        let k = max(1, min(picture.width / cw, picture.height / ch, (255 + min(cw, ch)) / min(cw, ch)))
        let kw = k * cw, kh = k * ch
        let rw = max(kw, Int((Double(kw) * Double(box.width) / Double(picture.width)).rounded()))
        let rh = max(kh, Int((Double(kh) * Double(box.height) / Double(picture.height)).rounded()))
        return composite.resizedNearest(width: kw, height: kh).placed(inWidth: rw, height: rh, x: (rw - kw) / 2, y: (rh - kh) / 2)
    }

    public static func run(_ r: SliceRequest) throws -> SliceResult {
        let start = DispatchTime.now()
        let size = r.rasterSize
        let picture = r.graphics == nil ? (x: 0, y: 0, width: size.width, height: size.height) : r.pictureRect
        // Slicing and colour work at no more than the data's resolution; the raster is then
        // enlarged to what the glyph search reads (2x24 px per sextant cell is often taller
        // than the plane), or to the picture's screen pixels for a graphics protocol. The
        // result is identical to slicing at the full raster size.
        let work = (width: min(picture.width, r.viewport.width), height: min(picture.height, r.viewport.height))
        var slices: [Int: DisplaySlice] = [:]
        for c in r.channels {
            slices[c] = try DisplaySlicer.slice2D(r.array, plane: PlaneIndex(t: r.t, z: r.z, c: c), viewport: r.viewport,
                                                  width: work.width, height: work.height, reduce: r.reduce, coarsest: r.coarsestLevel)
        }
        func mode(_ c: Int) -> ContrastMode { r.contrast.indices.contains(c) ? r.contrast[c] : .auto }
        func resolve(_ m: ContrastMode, _ channels: [Int]) throws -> ContrastLimits {
            if m == .stackAuto { return ContrastMode.auto.limits(for: try StackContrast.stats(r.array, channels: channels)) }
            return m.limits(for: PlaneStats.pooled(channels.compactMap { slices[$0]?.stats }))
        }
        var limits: [Int: ContrastLimits] = [:]
        if r.trueColor, let first = r.channels.first {
            let shared = try resolve(mode(first), r.channels)
            for c in r.channels { limits[c] = shared }
        } else {
            for c in r.channels { limits[c] = try resolve(mode(c), [c]) }
        }
        var layers: [(values: [Float], display: ChannelDisplay)] = []
        var stats: [Int: PlaneStats] = [:]
        for c in r.channels {
            guard let s = slices[c], let l = limits[c] else { continue }
            stats[c] = s.stats
            let color = DrawnColors.color(of: c, drawn: r.channels, colors: r.colors)
            layers.append((s.values, ChannelDisplay(color: color, limits: l, gamma: r.gamma)))
        }
        let composite = Compositor.composite(layers, width: work.width, height: work.height)
        if let proto = r.graphics {
            let raster = proto == .sixel
                ? composite.resizedNearest(width: picture.width, height: picture.height)
                    .placed(inWidth: size.width, height: size.height, x: picture.x, y: picture.y)
                : SlicePipeline.padded(composite, picture: picture, box: size)
            let image = GraphicsEncoder.encode(raster, as: proto, cols: r.cols, rows: r.rows, options: r.graphicsOptions)
            let blank = CellGrid(cols: r.cols, rows: r.rows, cells: Array(repeating: .solid(RGB8(r: 0, g: 0, b: 0)), count: r.cols * r.rows))
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            return SliceResult(generation: r.generation, grid: blank, limits: limits, stats: stats, seconds: seconds, image: image, coarse: r.coarsestLevel)
        }
        let raster = composite.resizedNearest(width: size.width, height: size.height)
        let grid = r.renderer.render(raster: raster, cols: r.cols, rows: r.rows)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return SliceResult(generation: r.generation, grid: grid, limits: limits, stats: stats, seconds: seconds, coarse: r.coarsestLevel)
    }
}
