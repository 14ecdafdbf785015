import Foundation
import OmioEngine
import OmioFormats

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
    case cachesListed(folder: String, entries: [CacheEntry])
    case purgePlanned(title: String, result: Result<PurgePlan, OmioError>)
    case purgeProgress(freed: Int64, total: Int64)
    case purged(PurgeReport)
    case storeReady(path: String, result: Result<StoreReader, OmioError>)
    case exportProgress(done: Int, total: Int)
    case exported(path: String, result: Result<Double, OmioError>)
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
    var showHelp = false
    var helpScroll = 0
    /// The `:` command line being typed, or nil.
    var commandLine: String?
    /// The inline editor of a metadata field: the field and the text being typed.
    var editor: (field: MetadataField, text: String)?
    /// Export under way: planes done and total.
    var exportProgress: (done: Int, total: Int)?
    /// The cache menu, when open.
    var purgeMenu: PurgeMenu?
    var editingFilter = false
    var message: (text: String, isError: Bool)?
    var quit = false
    var screen = (rows: 50, cols: 160)
    let cache: ChunkCache
    /// `--store disk`: build (or reuse) the OME-Zarr store of each opened file and read
    /// display slices from it once complete; `memory` (default) writes nothing to disk.
    let storeMode: StoreMode
    let cacheDir: String?
    /// The Python that runs napari launchers (nil: $OMIO_PYTHON, else python3).
    var napariPython: String?

    enum StoreMode: String, CaseIterable { case memory, disk }

    private(set) var effects: [Effect] = []
    private var listGeneration = 0
    private(set) var sliceGeneration = 0
    private var shownGeneration = 0
    /// A file to open once the listing that contains it arrives (`omio-tui FILE`).
    private var pendingOpen: String?
    /// Where to put the selection when a listing arrives (the folder we came up from).
    private var pendingSelect: String?

    init(path: String, cache: ChunkCache = ChunkCache(), storeMode: StoreMode = .memory, cacheDir: String? = nil) {
        self.cache = cache
        self.storeMode = storeMode
        self.cacheDir = cacheDir
        var isDir: ObjCBool = false
        let absolute = AppModel.absolute(path)
        if FileManager.default.fileExists(atPath: absolute, isDirectory: &isDir), !isDir.boolValue {
            browser = BrowserState(cwd: (absolute as NSString).deletingLastPathComponent)
            pendingOpen = absolute
            pendingSelect = (absolute as NSString).lastPathComponent
        } else {
            browser = BrowserState(cwd: absolute)
        }
        list(browser.cwd)
        if let p = pendingOpen { effects.append(.open(path: p, series: 0)) }
    }

    /// `stack.tif` -> `stack.corrected.ome.tif` beside it.
    static func defaultExportPath(_ source: String) -> String {
        var name = (source as NSString).lastPathComponent
        for ext in [".ome.tiff", ".ome.tif", ".tiff", ".tif", ".lsm", ".czi", ".raw"] where name.lowercased().hasSuffix(ext) {
            name = String(name.dropLast(ext.count))
            break
        }
        return ((source as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name + ".corrected.ome.tif")
    }

    static func absolute(_ path: String) -> String {
        let p = (path as NSString).expandingTildeInPath
        let full = p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
        return (full as NSString).standardizingPath
    }

    /// Hands over the work queued since the last call.
    func takeEffects() -> [Effect] {
        defer { effects = [] }
        return effects
    }

    // MARK: layout

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
            size = PreviewGeometry.fit(v.metadata, width: areaW, height: areaH)
        }
        return (size.cols, size.rows, p.x + (areaW - size.cols) / 2, p.y + 1 + (areaH - size.rows) / 2)
    }

    // MARK: keys

    func handle(_ key: Key) {
        if key == .resize {
            requestSlice()
            return
        }
        if purgeMenu != nil { return handlePurgeMenu(key) }
        if editor != nil { return editField(key) }
        if commandLine != nil { return editCommandLine(key) }
        if editingFilter { return editFilter(key) }
        if showHelp {
            switch key {
            case .down, .char("j"): helpScroll += 1
            case .up, .char("k"): helpScroll = max(0, helpScroll - 1)
            case .pageDown: helpScroll += 10
            case .pageUp: helpScroll = max(0, helpScroll - 10)
            default: showHelp = false
            }
            return
        }
        message = nil
        if handleGlobal(key) { return }
        switch focus {
        case .browser: handleBrowser(key)
        case .tree: handleTree(key)
        case .preview: handlePreview(key)
        }
    }

    private func handleGlobal(_ key: Key) -> Bool {
        switch key {
        case .char("q"): quit = true
        case .char("?"):
            showHelp = true
            helpScroll = 0
        case .char(":"): commandLine = ""
        case .tab: focus = AppModel.Focus.allCases[(AppModel.Focus.allCases.firstIndex(of: focus)! + 1) % 3]
        case .backTab: focus = AppModel.Focus.allCases[(AppModel.Focus.allCases.firstIndex(of: focus)! + 2) % 3]
        case .char("]"): stepViewer(z: 1)
        case .char("["): stepViewer(z: -1)
        case .char("."):
            if focus == .browser { return false }
            stepViewer(z: 1)
        case .char(","): stepViewer(z: -1)
        case .char("}"): stepViewer(t: 1)
        case .char("{"): stepViewer(t: -1)
        case .char("c"): updateViewer { $0.nextChannel() }
        case .char("C"):
            updateViewer { v in
                if v.shape.c > 1 { v.composite.toggle() } else { self.flash("one channel: nothing to composite") }
            }
        case .char("a"): updateViewer { v in
                for i in v.drawnChannels { v.contrast[i] = .auto }
            }
        case .char("m"): updateViewer { v in
                for i in v.drawnChannels { v.contrast[i] = .minMax }
            }
        case .char("+"), .char("="): scaleContrast(0.8)
        case .char("-"), .char("_"): scaleContrast(1.25)
        case .char("g"): updateViewer { v in
                let cycle = [1.0, 0.7, 0.5, 1.5, 2.0]
                v.gamma = cycle[((cycle.firstIndex(of: v.gamma) ?? 0) + 1) % cycle.count]
            }
        case .char("p"): openPurgeMenu()
        case .char("n"): sendToNapari()
        case .char("x"):
            guard let v = viewer else { return true }
            commandLine = "export " + AppModel.defaultExportPath(v.path)
        case .char("s"):
            let all = SymbolSet.allCases
            symbols = all[(all.firstIndex(of: symbols)! + 1) % all.count]
            requestSlice()
        case .char("z"):
            guard viewer != nil else { return true }
            updateViewer { v in
                v.zoomed.toggle()
                if v.zoomed, let g = self.previewGrid {
                    // Centre the 1:1 viewport on the image.
                    let vp = v.viewport(cols: g.cols, rows: g.rows)
                    v.pan = (max(0, (v.shape.x - vp.width) / 2), max(0, (v.shape.y - vp.height) / 2))
                }
            }
            if viewer?.zoomed == true { focus = .preview }
        case .escape:
            if viewer?.zoomed == true { updateViewer { $0.zoomed = false } } else if !browser.filter.isEmpty {
                browser.filter = ""
                browser.selection = 0
            }
        default: return false
        }
        return true
    }

    private func handleBrowser(_ key: Key) {
        let page = max(1, layout.browser.height - 2)
        switch key {
        case .up, .char("k"): browser.move(-1)
        case .down, .char("j"): browser.move(1)
        case .pageUp: browser.move(-page)
        case .pageDown: browser.move(page)
        case .home: browser.selection = 0
        case .end: browser.move(Int.max / 2)
        case .enter, .char("l"), .right: openSelected()
        case .char("h"), .left, .backspace: goUp()
        case .char("."):
            let name = browser.selected?.name
            browser.showHidden.toggle()
            browser.selection = 0
            if let name { browser.select(name: name) }
            flash(browser.showHidden ? "showing hidden files" : "hiding hidden files")
        case .char("/"):
            editingFilter = true
        case .char(" "):
            // Marks files for `n` (send several to one napari window).
            if let e = browser.selected, e.kind != .directory {
                if browser.marks.contains(e.path) { browser.marks.remove(e.path) } else { browser.marks.insert(e.path) }
                browser.move(1)
            }
        default: break
        }
    }

    private func handleTree(_ key: Key) {
        switch key {
        case .up, .char("k"): tree.move(-1)
        case .down, .char("j"): tree.move(1)
        case .pageUp: tree.move(-(layout.tree.height - 2))
        case .pageDown: tree.move(layout.tree.height - 2)
        case .enter, .char("e"):
            if let field = tree.selectedRow?.node.field.flatMap(MetadataField.init(key:)) {
                startEditing(field)
            } else if key == .enter {
                tree.open()
            }
        case .char("l"), .right: tree.open()
        case .char("h"), .left: tree.close()
        case .char("u"): undoEdit()
        case .char("R"):
            if let field = tree.selectedRow?.node.field.flatMap(MetadataField.init(key:)) { resetField(field) } else {
                flash("R resets the selected field to the file's value: select one (PhysicalSizeZ, …)")
            }
        default: break
        }
    }

    // MARK: metadata edits

    func startEditing(_ field: MetadataField) {
        guard let v = viewer else { return }
        let m = v.metadata
        let text: String
        switch field {
        case let .physicalSize(axis): text = ImageMetadata.format(m.physicalSize(axis)) + " µm"
        case .timeIncrement: text = m.timeIncrement.map { ImageMetadata.format($0) + " s" } ?? ""
        case let .channelName(i): text = i < m.channels.count ? (m.channels[i].name ?? "") : ""
        case let .channelColor(i): text = i < m.channels.count ? (m.channels[i].color?.hex ?? "") : ""
        case .description: text = m.description ?? ""
        default: text = ""
        }
        editor = (field, text)
    }

    private func editField(_ key: Key) {
        guard var e = editor else { return }
        switch key {
        case .escape: editor = nil
        case .enter:
            editor = nil
            applyEdit(e.field, e.text)
        case .backspace:
            if !e.text.isEmpty { e.text.removeLast() }
            editor = e
        case .ctrl("u"):
            e.text = ""
            editor = e
        case let .char(c):
            e.text.append(c)
            editor = e
        default: break
        }
    }

    /// Validates and records an edit, then saves the overlay in the background.
    func applyEdit(_ field: MetadataField, _ text: String) {
        guard var v = viewer else { return flash("no file is open", error: true) }
        do {
            let value = try FieldParser.parse(field, text, current: v.metadata)
            var o = v.overlay
            o.set(field, value, series: v.series, file: v.fileMetadata)
            v.setOverlay(o)
            viewer = v
            overlayChanged("\(MetadataOverlay.storageField(field)) set")
        } catch let e as FieldParser.Invalid {
            flash(e.description + " — nothing saved", error: true)
        } catch {
            flash(error.omioReason, error: true)
        }
    }

    func resetField(_ field: MetadataField?) {
        guard var v = viewer else { return flash("no file is open", error: true) }
        var o = v.overlay
        let removed = o.reset(field, series: v.series)
        guard !removed.isEmpty else { return flash("\(field.map { "\($0)" } ?? "this series") has no edit to reset") }
        v.setOverlay(o)
        viewer = v
        overlayChanged("reset " + removed.joined(separator: ", ") + " to the file's value")
    }

    func undoEdit() {
        guard var v = viewer else { return }
        var o = v.overlay
        guard let field = o.undo() else { return flash("nothing to undo") }
        v.setOverlay(o)
        viewer = v
        overlayChanged("undid the change to \(field)")
    }

    private func overlayChanged(_ text: String) {
        guard let v = viewer else { return }
        tree.set(metadata: v.metadata, raw: v.raw)
        effects.append(.saveOverlay(v.overlay))
        requestSlice()
        ensureStore() // the store's scale follows the correction
        flash(text)
    }

    /// In disk mode, asks for the open file's store (built in the background when missing or
    /// stale; display reads move to it once it is complete).
    private func ensureStore() {
        guard storeMode == .disk, var v = viewer else { return }
        v.store = .building(0)
        viewer = v
        let request = StoreRequest(series: v.series, cacheDir: cacheDir, overlayHash: v.overlay.hash(series: v.series))
        effects.append(.ensureStore(path: v.path, source: v.source, request: request, metadata: v.metadata))
    }

    private func handlePreview(_ key: Key) {
        guard let v = viewer, v.zoomed, let g = previewGrid else { return }
        let vp = v.viewport(cols: g.cols, rows: g.rows)
        let stepX = max(1, vp.width / 4), stepY = max(1, vp.height / 4)
        switch key {
        case .char("h"), .left: panBy(-stepX, 0)
        case .char("l"), .right: panBy(stepX, 0)
        case .char("k"), .up: panBy(0, -stepY)
        case .char("j"), .down: panBy(0, stepY)
        default: break
        }
    }

    private func panBy(_ dx: Int, _ dy: Int) {
        guard let g = previewGrid else { return }
        updateViewer { $0.panBy(dx: dx, dy: dy, cols: g.cols, rows: g.rows) }
    }

    private func editFilter(_ key: Key) {
        switch key {
        case .enter: editingFilter = false
        case .escape:
            editingFilter = false
            browser.filter = ""
        case .backspace: if !browser.filter.isEmpty { browser.filter.removeLast() }
        case let .char(c): browser.filter.append(c)
        default: return
        }
        browser.selection = 0
    }

    private func editCommandLine(_ key: Key) {
        switch key {
        case .escape: commandLine = nil
        case .enter:
            let text = commandLine ?? ""
            commandLine = nil
            run(command: text)
        case .backspace:
            if commandLine!.isEmpty { commandLine = nil } else { commandLine!.removeLast() }
        case let .char(c): commandLine!.append(c)
        default: break
        }
    }

    // MARK: commands

    func run(command text: String) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let name = words.first else { return }
        let arg = words.dropFirst().joined(separator: " ")
        func index(_ s: String, _ count: Int) -> Int? {
            guard let n = Int(s), n >= 1, n <= count else { flash("expected a number from 1 to \(count)", error: true); return nil }
            return n - 1
        }
        switch name {
        case "q", "quit": quit = true
        case "help", "h":
            showHelp = true
            helpScroll = 0
        case "t", "z", "c":
            guard let v = viewer else { return flash("no file is open", error: true) }
            let count = name == "t" ? v.shape.t : name == "z" ? v.shape.z : v.shape.c
            guard let i = index(arg, count) else { return }
            updateViewer { v in
                if name == "t" { v.t = i } else if name == "z" { v.z = i } else { v.c = i; v.composite = false }
            }
        case "series":
            guard let v = viewer else { return flash("no file is open", error: true) }
            guard let i = index(arg, v.source.seriesCount) else { return }
            openViewer(path: v.path, source: v.source, series: i, overlay: v.overlay)
        case "contrast":
            let parts = arg.split(separator: ":").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let lo = parts[0], let hi = parts[1], hi > lo else {
                return flash("usage: :contrast LO:HI (LO < HI)", error: true)
            }
            updateViewer { v in
                for i in v.drawnChannels { v.contrast[i] = .manual(ContrastLimits(lo, hi)) }
            }
        case "symbols":
            guard let s = SymbolSet(rawValue: arg) else { return flash("symbols: half, quad or sextant", error: true) }
            symbols = s
            requestSlice()
        case "set":
            guard let eq = arg.firstIndex(of: "="), let field = MetadataField(key: String(arg[..<eq])) else {
                return flash("usage: :set KEY=VALUE (keys: \(MetadataField.keysHelp))", error: true)
            }
            applyEdit(field, String(arg[arg.index(after: eq)...]))
        case "reset":
            if arg.isEmpty { return resetField(nil) }
            guard let field = MetadataField(key: arg) else { return flash("unknown key \(arg)", error: true) }
            resetField(field)
        case "export":
            guard let v = viewer else { return flash("no file is open", error: true) }
            let target = arg.isEmpty ? AppModel.defaultExportPath(v.path) : AppModel.absolute(arg)
            exportProgress = (0, v.shape.planeCount)
            effects.append(.export(source: v.source, series: v.series, metadata: v.metadata, path: target))
            flash("exporting to \(target)…")
        case "purge": openPurgeMenu()
        case "napari": sendToNapari()
        case "reduce":
            guard let r = Reduce(rawValue: arg) else { return flash("reduce: mean or max", error: true) }
            updateViewer { $0.reduce = r }
        default:
            flash("unknown command :\(name) (:help lists them)", error: true)
        }
    }

    // MARK: napari

    /// `n`: the marked files, or else the open file at its series, to one napari window.
    func sendToNapari() {
        let marked = browser.marks.sorted()
        if !marked.isEmpty {
            // The open file keeps its view settings; the others are opened afresh.
            var open: [NapariInput] = []
            var paths: [String] = []
            for p in marked {
                if let v = viewer, v.path == p { open.append(napariInput(v)) } else { paths.append(p) }
            }
            effects.append(.napari(open: open, paths: paths, python: napariPython))
            flash("sending \(marked.count) file\(marked.count == 1 ? "" : "s") to napari…")
        } else if let v = viewer {
            effects.append(.napari(open: [napariInput(v)], paths: [], python: napariPython))
            flash("sending \((v.path as NSString).lastPathComponent) to napari…")
        } else {
            flash("open a file or mark files (Space) to send them to napari")
        }
    }

    private func napariInput(_ v: ViewerState) -> NapariInput {
        NapariInput(source: v.source, series: v.series, metadata: v.metadata, overlayHash: v.overlay.hash(series: v.series),
                    colors: v.colors, contrastLimits: v.limits, t: v.t, z: v.z)
    }

    // MARK: cache menu

    func openPurgeMenu() {
        purgeMenu = PurgeMenu(folder: browser.cwd)
        effects.append(.listCaches(folder: browser.cwd, recursive: false))
    }

    private func handlePurgeMenu(_ key: Key) {
        guard var menu = purgeMenu else { return }
        defer { if purgeMenu != nil { purgeMenu = menu } }
        if let c = menu.confirm {
            switch key {
            case .char("y"), .char("Y"):
                menu.confirm = nil
                menu.progress = (0, c.plan.bytes)
                effects.append(.purge(c.plan, folder: menu.folder, recursive: menu.recursive))
            default:
                menu.confirm = nil
                menu.note = "nothing removed"
            }
            return
        }
        guard menu.progress == nil else { return } // deleting: keys wait
        switch key {
        case .escape, .char("q"), .char("p"): purgeMenu = nil
        case .up, .char("k"): menu.move(-1)
        case .down, .char("j"): menu.move(1)
        case .char("r"):
            menu.recursive.toggle()
            menu.loading = true
            effects.append(.listCaches(folder: menu.folder, recursive: menu.recursive))
        case .char("d"), .char("f"), .char("s"), .char("A"):
            guard case let .char(c) = key, let action = PurgeMenu.Action(rawValue: String(c)) else { return }
            if action == .selected, menu.selected == nil { menu.note = "nothing selected"; return }
            let file = viewer?.path ?? (browser.selected?.kind == .directory ? nil : browser.selected?.path)
            if action == .file, file == nil { menu.note = "open or select a file first"; return }
            effects.append(.planPurge(action, folder: menu.folder,
                                      entries: action == .selected ? [menu.selected!] : menu.entries, file: file))
        default: break
        }
    }

    private func list(_ path: String) {
        listGeneration += 1
        browser.loading = true
        browser.error = nil
        effects.append(.list(path: path, generation: listGeneration))
    }

    private func openSelected() {
        guard let e = browser.selected else { return }
        switch e.kind {
        case .directory:
            browser.cwd = e.path
            browser.filter = ""
            browser.selection = 0
            browser.scroll = 0
            list(e.path)
        case .image, .other:
            effects.append(.open(path: e.path, series: 0))
            viewer?.loading = true
            flash("opening \(e.name)…")
        }
    }

    private func goUp() {
        let parent = (browser.cwd as NSString).deletingLastPathComponent
        guard parent != browser.cwd, !parent.isEmpty else { return }
        pendingSelect = (browser.cwd as NSString).lastPathComponent
        browser.cwd = parent
        browser.filter = ""
        browser.selection = 0
        browser.scroll = 0
        list(parent)
    }

    private func stepViewer(t: Int = 0, z: Int = 0) {
        updateViewer { $0.step(t: t, z: z) }
    }

    private func scaleContrast(_ factor: Double) {
        updateViewer { v in
            for i in v.drawnChannels {
                guard let current = v.limits[i] else { continue }
                v.contrast[i] = .manual(current.scaled(by: factor))
            }
        }
    }

    /// Changes the viewer and asks for a new slice.
    private func updateViewer(_ change: (inout ViewerState) -> Void) {
        guard var v = viewer else {
            flash("open a file first (Enter in the browser)")
            return
        }
        change(&v)
        viewer = v
        requestSlice()
    }

    func flash(_ text: String, error: Bool = false) {
        message = (text, error)
    }

    private func openViewer(path: String, source: ImageSource, series: Int, overlay: MetadataOverlay) {
        let v = ViewerState(path: path, source: source, series: series, overlay: overlay, cache: cache)
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
        effects.append(.slice(SliceRequest(
            generation: sliceGeneration, array: v.array, t: v.t, z: v.z, channels: v.drawnChannels,
            viewport: v.viewport(cols: g.cols, rows: g.rows), cols: g.cols, rows: g.rows,
            symbols: symbols, contrast: v.contrast, gamma: v.gamma, colors: v.colors, reduce: v.reduce)))
    }

    // MARK: events

    func apply(_ event: Event) {
        switch event {
        case let .listed(path, generation, result):
            guard generation == listGeneration, path == browser.cwd else { return }
            browser.loading = false
            switch result {
            case let .success(entries):
                browser.all = entries
                if let name = pendingSelect {
                    browser.select(name: name)
                    pendingSelect = nil
                }
                let images = entries.filter { $0.kind == .image }.map(\.path)
                if !images.isEmpty { effects.append(.probe(paths: images, generation: generation)) }
            case let .failure(e):
                browser.all = []
                browser.error = e.reason
                flash("\(path): \(e.reason)", error: true)
            }
        case let .probed(path, generation, summary):
            guard generation == listGeneration else { return }
            browser.setHeader(summary, for: path)
        case let .opened(path, series, result):
            switch result {
            case let .success((source, overlay)): openViewer(path: path, source: source, series: series, overlay: overlay)
            case let .failure(e):
                viewer?.loading = false
                flash("\((path as NSString).lastPathComponent): \(e.reason)", error: true)
            }
        case let .overlaySaved(result):
            switch result {
            case let .success(notice): if let n = notice { flash(n) }
            case let .failure(e): flash("edits not saved: \(e.reason)", error: true)
            }
        case let .exportProgress(done, total):
            exportProgress = (done, total)
        case let .exported(path, result):
            exportProgress = nil
            switch result {
            case let .success(seconds): flash(String(format: "exported %@ in %.1f s", path, seconds))
            case let .failure(e): flash("export failed: \(e.reason)", error: true)
            }
        case let .napariProgress(fraction):
            flash(String(format: "napari: building the store %.0f%%", fraction * 100))
        case let .napariSent(result):
            switch result {
            case let .success(line):
                flash(line)
                browser.marks.removeAll()
            case let .failure(e): flash(e.reason, error: true)
            }
        case let .cachesListed(folder, entries):
            guard var menu = purgeMenu, menu.folder == folder else { return }
            menu.entries = entries
            menu.loading = false
            menu.selection = min(menu.selection, max(0, entries.count - 1))
            purgeMenu = menu
        case let .purgePlanned(title, result):
            guard purgeMenu != nil else { return }
            switch result {
            case let .success(plan):
                if plan.entries.isEmpty && plan.folders.isEmpty {
                    purgeMenu?.note = "\(title): nothing to remove" + (plan.skipped.isEmpty ? "" : " (\(plan.skipped.count) skipped: \(plan.skipped[0].reason))")
                } else {
                    purgeMenu?.confirm = (title, plan)
                }
            case let .failure(e): purgeMenu?.note = e.reason
            }
        case let .purgeProgress(freed, total):
            purgeMenu?.progress = (freed, total)
        case let .purged(report):
            guard var menu = purgeMenu else { return flash(report.summary, error: !report.failed.isEmpty) }
            menu.progress = nil
            menu.note = report.summary
            menu.loading = true
            purgeMenu = menu
            effects.append(.listCaches(folder: menu.folder, recursive: menu.recursive))
        case let .storeProgress(path, fraction):
            guard viewer?.path == path else { return }
            viewer?.store = .building(fraction)
        case let .storeReady(path, result):
            guard var v = viewer, v.path == path else { return }
            switch result {
            case let .success(reader):
                v.store = .ready(reader.path)
                v.array = LazyArray(levels: reader, cache: cache)
                viewer = v
                requestSlice()
            case let .failure(e):
                v.store = .failed(e.reason)
                viewer = v
                flash("store: \(e.reason)", error: true)
            }
        case let .raw(path, nodes):
            guard let v = viewer, v.path == path else { return }
            viewer?.raw = nodes
            tree.set(metadata: v.metadata, raw: nodes)
        case let .sliced(generation, result):
            // Any result newer than the one on screen is shown (frames keep coming while a
            // key is held); only the newest request ends the loading state.
            guard generation > shownGeneration, var v = viewer else { return }
            shownGeneration = generation
            if generation == sliceGeneration { v.loading = false }
            switch result {
            case let .success(r):
                v.grid = r.grid
                v.limits = r.limits
                v.stats = r.stats
                v.sliceSeconds = r.seconds
                v.error = nil
            case let .failure(e):
                v.grid = nil
                v.error = e.reason
                flash(e.reason, error: true)
            }
            viewer = v
        }
    }
}
