import OmioEngine
import OmioFormats
import OmioRender

/// The open file and how it is being looked at.
struct ViewerState {
    let path: String
    let source: ImageSource
    var series: Int
    /// The metadata as the file states it, and with the user's corrections applied.
    let fileMetadata: ImageMetadata
    var metadata: ImageMetadata
    var overlay: MetadataOverlay
    var array: LazyArray
    var raw: [MetaNode]?
    var t = 0, z = 0, c = 0
    var composite: Bool
    /// How each channel's limits are found at the next draw. Limits computed from a plane are
    /// then kept (`keepLimits`): stepping T or Z does not change them, as in napari and Fiji.
    var contrast: [ContrastMode]
    /// Where the limits in force came from, per channel, for the status line.
    var contrastOrigin: [ContrastOrigin]
    var gamma = 1.0
    var reduce = Reduce.mean
    /// `v`: where a T/Z range was started; the range runs to the current T and Z (`:slice`).
    var mark: (t: Int, z: Int)?
    /// 1:1 pixels with panning instead of the whole image.
    var zoomed = false
    /// The terminal's cell (AppModel keeps it current): zoom 1:1 follows its shape.
    var cell = CellPixels.assumed
    var pan = (x: 0, y: 0)
    /// The last finished rendering and what it used.
    var grid: CellGrid?
    /// With a graphics protocol: the last rendering as the terminal's image, and the slice
    /// generation it came from (a new one is written, the same one is not).
    var image: TerminalImage?
    var imageGeneration = 0
    /// A graphics protocol draws the preview: zoom 1:1 is one data pixel per screen pixel.
    var realPixels = false
    var limits: [Int: ContrastLimits] = [:]
    var stats: [Int: PlaneStats] = [:]
    var sliceSeconds: Double?
    var loading = false
    var error: String?
    /// Where display slices come from: the file (chunks kept in memory) or an OME-Zarr store.
    var store = StoreStatus.memory

    enum StoreStatus: Equatable {
        case memory
        case building(Double)
        case ready(String)
        case failed(String)

        var text: String {
            switch self {
            case .memory: return "memory"
            case let .building(f): return String(format: "store building %.0f%%", f * 100)
            case .ready: return "store ready"
            case let .failed(reason): return "store failed: \(reason)"
            }
        }
    }

    enum ContrastOrigin: String {
        case planeAuto = "plane auto", planeMinMax = "plane min/max", stackAuto = "stack auto", manual
        /// 8-bit RGB at 0–255.
        case fullRange = "full range"
    }

    init(path: String, source: ImageSource, series: Int, overlay: MetadataOverlay, cache: ChunkCache) {
        self.path = path
        self.source = source
        self.series = series
        fileMetadata = source.metadata(series: series)
        self.overlay = overlay
        metadata = overlay.apply(to: fileMetadata)
        array = LazyArray(levels: SourceLevels(source: source, series: series), cache: cache)
        composite = metadata.shape.c > 1 && metadata.shape.c <= 7
        let initial = TrueColor.defaultMode(metadata) ?? .auto
        contrast = Array(repeating: initial, count: metadata.shape.c)
        contrastOrigin = Array(repeating: initial == .auto ? .planeAuto : .fullRange, count: metadata.shape.c)
        let s = metadata.shape
        // Start in the middle of Z (where stacks have their content), first time point.
        z = s.z / 2
    }

    var shape: Shape { metadata.shape }

    /// Replaces the overlay and recomputes the metadata every view uses.
    mutating func setOverlay(_ o: MetadataOverlay) {
        overlay = o
        metadata = o.apply(to: fileMetadata)
    }
    var colors: [RGBColor] { ChannelColors.resolve(metadata) }
    /// RGB data shown as colour (the composite of an RGB image).
    var trueColor: Bool { composite && metadata.isRGB && shape.c >= 3 }
    var drawnChannels: [Int] { trueColor ? TrueColor.channels : composite ? Array(0..<shape.c) : [c] }

    /// Sets how the shown channels' limits are chosen (all samples of a colour image at once).
    mutating func setContrast(_ mode: ContrastMode, _ origin: ContrastOrigin) {
        for i in trueColor ? Array(0..<shape.c) : drawnChannels {
            contrast[i] = mode
            contrastOrigin[i] = origin
        }
    }

    /// After a draw: limits that came from a plane (or the stack) stay in force until the user
    /// asks again.
    mutating func keepLimits(_ used: [Int: ContrastLimits]) {
        for (c, l) in used where contrast.indices.contains(c) { contrast[c] = .manual(l) }
    }

    /// The limits in force per channel: drawn ones as drawn, others as kept (nil: not yet
    /// computed). What napari receives, so that it shows what the TUI shows.
    var currentLimits: [Int: ContrastLimits] {
        var out = limits
        for (c, m) in contrast.enumerated() where out[c] == nil {
            if case let .manual(l) = m { out[c] = l }
        }
        return out
    }

    /// The status line's contrast part: "plane auto 691–1817", "stack auto 0–4095",
    /// "manual 100–4000", plus "constant plane: 7" or "no finite values" when the drawn
    /// image has nothing to stretch.
    var contrastText: String? {
        let shown = drawnChannels.filter { limits[$0] != nil }
        guard let first = shown.first else { return nil }
        var texts: [String] = []
        for c in shown {
            let t = limits[c]!.description
            if !texts.contains(t) { texts.append(t) }
        }
        var out = "\(contrastOrigin[first].rawValue) \(texts.joined(separator: " "))"
        // The note describes the drawn image: with several channels drawn (colour, composite)
        // only when none of them has anything to stretch; one constant sample of a colour
        // image is not a constant picture.
        let notes = shown.map { stats[$0]?.note }
        if !notes.contains(nil) {
            var unique: [String] = []
            for n in notes.compactMap({ $0 }) where !unique.contains(n) { unique.append(n) }
            out += " (\(unique.joined(separator: "; ")))"
        }
        return out
    }

    /// The status line's position, 1-based: "T 3/10  Z 2/4  C 1/2".
    var positionText: String {
        let s = shape
        let cText = trueColor ? "RGB" : composite ? "C all/\(s.c)" : "C \(c + 1)/\(s.c)"
        let position = "T \(t + 1)/\(s.t)  Z \(z + 1)/\(s.z)  \(cText)"
        guard let m = markedRange else { return position }
        return position + "  marked T \(m.t.lowerBound + 1)–\(m.t.upperBound) Z \(m.z.lowerBound + 1)–\(m.z.upperBound)"
    }

    /// The marked T and Z ranges (half-open, 0-based), from the mark to the current position.
    var markedRange: (t: Range<Int>, z: Range<Int>)? {
        guard let m = mark else { return nil }
        return (min(m.t, t)..<(max(m.t, t) + 1), min(m.z, z)..<(max(m.z, z) + 1))
    }

    mutating func step(t dt: Int = 0, z dz: Int = 0) {
        t = min(max(0, t + dt), shape.t - 1)
        z = min(max(0, z + dz), shape.z - 1)
    }

    mutating func nextChannel() {
        if composite {
            composite = false
            c = 0
        } else {
            c = (c + 1) % shape.c
        }
    }

    /// Zoomed, one image pixel is half a cell wide (a sub-pixel of every glyph set) and as
    /// tall as the physical pixel shape and the cell's shape say: image pixels per cell across
    /// and down. With real pixels (kitty, sixel, iTerm2) one image pixel is one screen pixel.
    var zoomPixelsPerCell: (x: Double, y: Double) {
        if realPixels { return (Double(cell.width), Double(cell.height) * PreviewGeometry.pixelAspect(metadata)) }
        return ViewerState.zoomPixelsPerCell(metadata, cell: cell)
    }

    static func zoomPixelsPerCell(_ m: ImageMetadata, cell: CellPixels) -> (x: Double, y: Double) {
        (2, cell.aspect * 2 * PreviewGeometry.pixelAspect(m))
    }

    /// The cell grid a zoomed image needs, at most `width` x `height`.
    func zoomedGrid(width: Int, height: Int) -> (cols: Int, rows: Int) {
        let z = zoomPixelsPerCell
        return (max(1, min(width, Int((Double(shape.x) / z.x).rounded(.up)))), max(1, min(height, Int((Double(shape.y) / z.y).rounded(.up)))))
    }

    /// The viewport in full-resolution pixels for a preview of `cols` x `rows` cells.
    func viewport(cols: Int, rows: Int) -> Viewport {
        guard zoomed else { return .full(shape) }
        let z = zoomPixelsPerCell
        let w = max(1, min(shape.x, Int((Double(cols) * z.x).rounded()))), h = max(1, min(shape.y, Int((Double(rows) * z.y).rounded())))
        return Viewport(x: min(max(0, pan.x), shape.x - w), y: min(max(0, pan.y), shape.y - h), width: w, height: h)
    }

    mutating func panBy(dx: Int, dy: Int, cols: Int, rows: Int) {
        let v = viewport(cols: cols, rows: rows)
        pan = (min(max(0, v.x + dx), max(0, shape.x - v.width)), min(max(0, v.y + dy), max(0, shape.y - v.height)))
    }
}
