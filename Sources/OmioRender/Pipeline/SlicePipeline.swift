import Foundation
import OmioEngine
import OmioFormats

/// Everything needed to turn one view of a plane into cells; built on the main thread,
/// run on the slice worker.
struct SliceRequest {
    let generation: Int
    let array: LazyArray
    let t: Int
    let z: Int
    /// Channels drawn: one, or all of them for the composite.
    let channels: [Int]
    let viewport: Viewport
    let cols: Int
    let rows: Int
    let symbols: SymbolSet
    let contrast: [ContrastMode]
    let gamma: Double
    let colors: [RGBColor]
    let reduce: Reduce
    /// RGB samples drawn as one colour image: `channels` are R, G, B and share one set of
    /// limits (the mode of the first).
    var trueColor = false
    /// The terminal's rung of the capability ladder (colours and glyphs).
    var style = RenderStyle(colors: .truecolor, glyphs: .unicode)
}

struct SliceResult {
    let generation: Int
    let grid: CellGrid
    /// The limits used per drawn channel (auto modes resolve per plane).
    let limits: [Int: ContrastLimits]
    let stats: [Int: PlaneStats]
    let seconds: Double
}

/// Plane(s) -> downsampled slices -> contrast and colour -> composite raster -> cells.
/// Shared by the TUI and `omio-tui render`.
enum SlicePipeline {
    static func run(_ r: SliceRequest) throws -> SliceResult {
        let start = DispatchTime.now()
        let size = r.symbols.rasterSize(cols: r.cols, rows: r.rows)
        // Slicing and colour work at no more than the data's resolution; the raster is then
        // enlarged to what the glyph search reads (2x24 px per sextant cell is often taller
        // than the plane). The result is identical to slicing at the full raster size.
        let work = (width: min(size.width, r.viewport.width), height: min(size.height, r.viewport.height))
        var slices: [Int: DisplaySlice] = [:]
        for c in r.channels {
            slices[c] = try DisplaySlicer.slice2D(r.array, plane: PlaneIndex(t: r.t, z: r.z, c: c), viewport: r.viewport,
                                                  width: work.width, height: work.height, reduce: r.reduce)
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
            // A single channel shown alone is drawn in gray, as Fiji and napari do; colours
            // are for telling channels apart in the composite (and R, G, B in true colour).
            let color = r.channels.count == 1 ? RGBColor.white : r.colors[c]
            layers.append((s.values, ChannelDisplay(color: color, limits: l, gamma: r.gamma)))
        }
        let raster = Compositor.composite(layers, width: work.width, height: work.height)
            .resizedNearest(width: size.width, height: size.height)
        let grid = CellRenderer.render(raster: raster, cols: r.cols, rows: r.rows, symbols: r.symbols, style: r.style)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return SliceResult(generation: r.generation, grid: grid, limits: limits, stats: stats, seconds: seconds)
    }
}

/// Where the image goes inside the preview area, true to the physical pixel size and the
/// cell shape (a terminal cell is about twice as tall as wide).
enum PreviewGeometry {
    static let cellAspect = 2.0

    /// Cell grid size for the whole image in an area of `width` x `height` cells.
    static func fit(_ m: ImageMetadata, width: Int, height: Int) -> (cols: Int, rows: Int) {
        guard width > 0, height > 0 else { return (0, 0) }
        // Width over height of the image, as a ratio of ratios: sizes of 1e308 or 5e-324 µm
        // (valid, absurd) overflow a product to inf or NaN, which `Int()` traps on.
        let aspect = Double(m.shape.x) / Double(m.shape.y) * pixelAspect(m)
        var rows = Double(height)
        var cols = rows * cellAspect * aspect
        if cols > Double(width) {
            cols = Double(width)
            rows = cols / (aspect * cellAspect)
        }
        return (max(1, min(width, Int(cols.rounded()))), max(1, min(height, Int(rows.rounded()))))
    }

    /// PhysicalSizeX / PhysicalSizeY, kept within 1/1024...1024 (beyond that the file's sizes
    /// are wrong, and the picture would be one cell thin).
    static func pixelAspect(_ m: ImageMetadata) -> Double {
        let r = m.physicalSizeX / m.physicalSizeY
        return r.isFinite && r > 0 ? min(max(r, 1.0 / 1024), 1024) : 1
    }

    /// A scale bar of a round length (1, 2, 5 x 10^k µm) about a quarter of the image wide.
    static func scaleBar(_ m: ImageMetadata, viewportWidth: Int, cols: Int) -> (cells: Int, label: String)? {
        guard cols > 0, viewportWidth > 0 else { return nil }
        let micronsPerCell = Double(viewportWidth) * m.physicalSizeX / Double(cols)
        let target = micronsPerCell * Double(cols) / 4
        guard target > 0, target.isFinite else { return nil }
        let p = pow(10, floor(log10(target)))
        let nice = [5, 2, 1].map { Double($0) * p }.first { $0 <= target } ?? p
        let cells = Int((nice / micronsPerCell).rounded())
        guard cells >= 1 else { return nil }
        let label: String
        if nice >= 1000 { label = "\(ImageMetadata.format(nice / 1000)) mm" } else if nice < 1 { label = "\(ImageMetadata.format(nice * 1000)) nm" } else { label = "\(ImageMetadata.format(nice)) µm" }
        return (cells, label)
    }
}
