import Foundation
import OmioEngine
import OmioFormats
import OmioRender

/// Work the model asks for; the app runs it in the background (tests run it inline).
enum Effect {
    case list(path: String, generation: Int)
    case probe(paths: [String], generation: Int)
    case open(path: String, series: Int)
    case saveOverlay(MetadataOverlay)
    case ensureStore(path: String, source: ImageSource, request: StoreRequest, metadata: ImageMetadata)
    case napari(open: [NapariInput], paths: [String], python: String?)
    case listCaches(folder: String, recursive: Bool)
    case planPurge(PurgeMenu.Action, folder: String, entries: [CacheEntry], file: String?)
    case purge(PurgePlan, folder: String, recursive: Bool)
    case export(source: ImageSource, series: Int, metadata: ImageMetadata, path: String)
    /// `:slice`: a sub-stack written to .npy, OME-TIFF or OME-Zarr.
    case extract(SubStackSource, path: String, format: SubStackExport.Format)
    case loadRaw(path: String, source: ImageSource)
    case slice(SliceRequest)
}

/// Results of that work, delivered back on the main thread.
enum Event {
    case listed(path: String, generation: Int, result: Result<[BrowserEntry], OmioError>)
    case probed(path: String, generation: Int, summary: HeaderSummary)
    case opened(path: String, series: Int, result: Result<(ImageSource, MetadataOverlay), OmioError>)
    case overlaySaved(Result<String?, OmioError>)
    case storeProgress(path: String, fraction: Double)
    case napariSent(Result<String, OmioError>)
    case napariProgress(fraction: Double)
    case cachesListed(folder: String, entries: [CacheEntry], notes: [String] = [])
    case purgePlanned(title: String, result: Result<PurgePlan, OmioError>)
    case purgeProgress(freed: Int64, total: Int64)
    case purged(PurgeReport)
    case storeReady(path: String, result: Result<StoreReader, OmioError>)
    case exportProgress(done: Int, total: Int)
    case exported(path: String, result: Result<Double, OmioError>)
    case extractProgress(fraction: Double)
    /// What was written (a store's folder for OME-Zarr) and how long it took.
    case extracted(result: Result<(path: String, seconds: Double), OmioError>)
    case raw(path: String, nodes: [MetaNode])
    case sliced(generation: Int, result: Result<SliceResult, OmioError>)
}

/// The whole state of the TUI and what every key does to it. No terminal, no threads:
/// tests drive it with keys and events and read the state back.
final class AppModel {
    enum Focus: CaseIterable { case browser, tree, preview }

    var browser: BrowserState
    var tree = MetadataTree()
    var viewer: ViewerState?
    var focus = Focus.browser
    var symbols = SymbolSet.sextant
    /// The terminal's rung of the capability ladder (set by TUIApp; the status line names it).
    var style = RenderStyle(colors: .truecolor, glyphs: .unicode)
    /// Real pixels (kitty, sixel, iTerm2) or blocks, and why blocks (set at start).
    var graphics = GraphicsChoice.blocks
    /// The painter redefines the palette as a ramp for a single channel (256 colours, a
    /// terminal that allows it): such slices keep free colours.
    var paletteRamp = false
    var showHelp = false
    var helpScroll = 0
    /// The `:` command line being typed, or nil.
    var commandLine: String?
    /// The inline editor of a metadata field: the field, the text being typed, and why the last
    /// Enter was refused (the editor stays open with the text so a typo costs one key, not a retype).
    var editor: (field: MetadataField, text: String, error: String?)?
    /// Export under way: planes done and total.
    var exportProgress: (done: Int, total: Int)?
    /// `:slice` under way: the output's name and the fraction of bytes written.
    var sliceProgress: (name: String, fraction: Double)?
    /// The running `:slice`'s output path (for cleaning up after `q` or a signal).
    var slicePath: String?
    /// `q` was pressed once while a `:slice` runs: the next `q` stops it and quits.
    var quitAsked = false
    /// The cache menu, when open.
    var purgeMenu: PurgeMenu?
    var editingFilter = false
    var message: (text: String, isError: Bool)?
    /// The last error in full: the status line cuts a long one (a napari error ends with the
    /// command to run), the help overlay (`?`) shows all of it.
    var lastError: String?
    var quit = false
    var screen = (rows: 50, cols: 160)
    /// What the terminal answered at start (TerminalProbe), the cell re-measured on resize.
    var terminal = TerminalAnswers() {
        didSet { viewer?.cell = cellPixels }
    }
    /// `--cell-size WxH`: beats what the terminal says.
    var cellOverride: CellPixels? {
        didSet { viewer?.cell = cellPixels }
    }
    /// The cell the preview's geometry uses: forced, measured, or assumed 2:1.
    var cellPixels: CellPixels { cellOverride ?? terminal.cellPixels ?? .assumed }
    /// Nothing measured the cell (the status line says so).
    var cellAssumed: Bool { cellOverride == nil && terminal.cellPixels == nil }
    let cache: ChunkCache
    /// `--store disk`: build (or reuse) the OME-Zarr store of each opened file and read
    /// display slices from it once complete; `memory` (default) writes nothing to disk.
    let storeMode: StoreMode
    let cacheDir: String?
    /// The Python that runs napari launchers (nil: $OMIO_PYTHON, else python3).
    var napariPython: String?

    typealias StoreMode = OmioRender.StoreMode

    var effects: [Effect] = []
    var listGeneration = 0
    var sliceGeneration = 0
    var shownGeneration = 0
    /// The frame on screen is a remote image's coarse first pass: its full pass (same
    /// generation) replaces it.
    var shownCoarse = false
    /// Where to put the selection when a listing arrives (the folder we came up from).
    var pendingSelect: String?
    /// The file named on the command line has not opened (or failed) yet: keys typed meanwhile
    /// wait for it (TUIApp).
    var openingAtStart = false

    init(path: String, cache: ChunkCache = ChunkCache(), storeMode: StoreMode = .memory, cacheDir: String? = nil) {
        self.cache = cache
        self.storeMode = storeMode
        self.cacheDir = cacheDir
        var isDir: ObjCBool = false
        if ZarrStorePlacement.isURL(path) {
            // `omio-tui https://…/x.ome.zarr`: nothing to browse there; the working folder is listed.
            browser = BrowserState(cwd: AppModel.absolute("."))
            list(browser.cwd)
            effects.append(.open(path: path, series: 0))
            openingAtStart = true
            return
        }
        let absolute = AppModel.absolute(path)
        // `omio-tui FILE` (or an image store, a folder): browse its folder with it selected, and open it.
        let exists = FileManager.default.fileExists(atPath: absolute, isDirectory: &isDir)
        let isImage = exists && (!isDir.boolValue || ZarrFolder.detect(absolute)?.role == .image)
        let file = isImage ? absolute : nil
        browser = BrowserState(cwd: file.map(LexicalPath.folder(of:)) ?? absolute)
        pendingSelect = file.map { ($0 as NSString).lastPathComponent }
        list(browser.cwd)
        if let file {
            effects.append(.open(path: file, series: 0))
            openingAtStart = true
        }
    }

    /// `stack.tif` -> `stack.corrected.ome.tif` beside it.
    /// A store `x.ome.zarr` -> `x.corrected.ome.tif` beside the folder; a plate's field
    /// `plate.zarr/A/1/0` -> `plate.A.1.0.corrected.ome.tif` beside the plate (never inside a
    /// store); a URL -> `x.corrected.ome.tif` in the working folder.
    static func defaultExportPath(_ source: String) -> String {
        if ZarrStorePlacement.isURL(source) {
            let name = (ZarrStorePlacement.canonicalURL(source) as NSString).lastPathComponent
            return absolute(storeStem(name) + ".corrected.ome.tif")
        }
        if let (root, inside) = ZarrStorePlacement.enclosingStore(of: source) {
            let name = ([storeStem((root as NSString).lastPathComponent)] + inside).joined(separator: ".")
            return LexicalPath.folder(of: root) + "/" + name + ".corrected.ome.tif"
        }
        var name = (source as NSString).lastPathComponent
        if let ending = ImageOpener.supportedSuffix(of: name) { name = String(name.dropLast(ending.count)) }
        return ((source as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name + ".corrected.ome.tif")
    }

    /// `x.ome.zarr` and `x.zarr` -> `x`.
    static func storeStem(_ name: String) -> String {
        for ending in [".ome.zarr", ".zarr"] where name.lowercased().hasSuffix(ending) && name.count > ending.count {
            return String(name.dropLast(ending.count))
        }
        return name
    }

    /// A path typed or given on the command line, absolute by its text (`~` expanded, links
    /// never followed): `omio-tui some/link.tif` browses `some/`.
    static func absolute(_ path: String) -> String {
        LexicalPath.absolute(path.hasPrefix("~") ? (path as NSString).expandingTildeInPath : path)
    }

    /// Hands over the work queued since the last call.
    func takeEffects() -> [Effect] {
        defer { effects = [] }
        return effects
    }

    struct Rect: Equatable {
        var x, y, width, height: Int
    }

    struct Layout: Equatable {
        var browser: Rect
        var tree: Rect
        var preview: Rect?
        var status: Int
    }

    var layout: Layout {
        let (rows, cols) = screen
        let body = max(1, rows - 1)
        let showPreview = cols >= 70 && rows >= 12
        let left = showPreview ? min(max(32, cols * 36 / 100), 64) : cols
        let browserHeight = max(3, body * 45 / 100)
        return Layout(browser: Rect(x: 0, y: 0, width: left, height: browserHeight),
                      tree: Rect(x: 0, y: browserHeight, width: left, height: body - browserHeight),
                      preview: showPreview ? Rect(x: left + 1, y: 0, width: cols - left - 1, height: body) : nil,
                      status: rows - 1)
    }

    /// The image's cell grid and its position in the preview (title row above, scale bar below).
    var previewGrid: (cols: Int, rows: Int, x: Int, y: Int)? {
        guard let v = viewer, let p = layout.preview, p.height > 4 else { return nil }
        let areaW = p.width, areaH = p.height - 3
        let size: (cols: Int, rows: Int)
        if v.zoomed {
            size = v.zoomedGrid(width: areaW, height: areaH)
        } else {
            size = PreviewGeometry.fit(v.metadata, width: areaW, height: areaH, cell: cellPixels)
        }
        return (size.cols, size.rows, p.x + (areaW - size.cols) / 2, p.y + 1 + (areaH - size.rows) / 2)
    }

    func list(_ path: String) {
        listGeneration += 1
        browser.loading = true
        browser.error = nil
        effects.append(.list(path: path, generation: listGeneration))
    }

    /// Changes the viewer and asks for a new slice.
    func updateViewer(_ change: (inout ViewerState) -> Void) {
        guard var v = viewer else {
            flash("open a file first (Enter in the browser)")
            return
        }
        change(&v)
        viewer = v
        requestSlice()
    }

    /// `q` / `:q`: quits, except while a `:slice` runs, where the first one only says what a
    /// second would abandon (its temporary output is then removed on the way out).
    func requestQuit() {
        if let p = sliceProgress, !quitAsked {
            quitAsked = true
            flash("slicing \(p.name) … — q again to stop it and quit")
        } else {
            quit = true
        }
    }

    func flash(_ text: String, error: Bool = false) {
        message = (text, error)
        if error { lastError = text }
    }

    func openViewer(path: String, source: ImageSource, series: Int, overlay: MetadataOverlay) {
        var v = ViewerState(path: path, source: source, series: series, overlay: overlay, cache: cache)
        v.cell = cellPixels
        v.realPixels = graphics.proto != nil
        let previous = viewer?.path
        viewer = v
        if previous != path { tree.clear() }
        tree.set(metadata: v.metadata, raw: nil)
        effects.append(.loadRaw(path: path, source: source))
        requestSlice()
        ensureStore()
        let w = v.metadata.warnings
        if let first = w.first { flash("⚠ " + first, error: true) } else { message = nil }
    }

    /// Asks for the current view; the worker renders only the newest request.
    func requestSlice() {
        guard var v = viewer, let g = previewGrid, g.cols > 0, g.rows > 0 else { return }
        sliceGeneration += 1
        v.loading = true
        viewer = v
        var request = SliceRequest(
            generation: sliceGeneration, array: v.array, t: v.t, z: v.z, channels: v.drawnChannels,
            viewport: v.viewport(cols: g.cols, rows: g.rows), cols: g.cols, rows: g.rows,
            symbols: symbols, contrast: v.contrast, gamma: v.gamma, colors: v.colors, reduce: v.reduce,
            trueColor: v.trueColor, style: style)
        // Real pixels: the worker composites at the preview's pixel size and encodes there.
        request.graphics = graphics.proto
        request.cellPixels = cellPixels
        request.pixelAspect = PreviewGeometry.pixelAspect(v.metadata)
        request.oneToOne = v.zoomed
        request.graphicsOptions = GraphicsOptions(imageID: ImagePainter.imageID, colorRegisters: graphics.colorRegisters)
        request.paletteRamp = paletteRamp && DrawnColors.single(drawn: v.drawnChannels) != nil
        request.coarseFirst = RemoteStores.isRemote(v.path)
        effects.append(.slice(request))
    }

}
