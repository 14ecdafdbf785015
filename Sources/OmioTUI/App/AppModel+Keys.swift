import Foundation
import OmioEngine
import OmioFormats
import OmioRender

/// What every key does, by focus: the browser, the metadata tree, the preview, and the
/// overlays (command line, filter).
extension AppModel {
    func handle(_ key: Key) {
        if key == .resize {
            requestSlice()
            return
        }
        if purgeMenu != nil {
            handlePurgeMenu(key)
            return
        }
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

    func handleGlobal(_ key: Key) -> Bool {
        switch key {
        case .char("q"): requestQuit()
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
        case .char("a"): updateViewer { $0.setContrast(.auto, .planeAuto) }
        case .char("A"): updateViewer { $0.setContrast(.stackAuto, .stackAuto) }
        case .char("m"): updateViewer { $0.setContrast(.minMax, .planeMinMax) }
        case .char("+"), .char("="): scaleContrast(0.8)
        case .char("-"), .char("_"): scaleContrast(1.25)
        case .char("g"): updateViewer { v in
                let cycle = [1.0, 0.7, 0.5, 1.5, 2.0]
                v.gamma = cycle[((cycle.firstIndex(of: v.gamma) ?? 0) + 1) % cycle.count]
            }
        case .char("v"):
            // Like a visual selection: T and Z between here and where the view moves to.
            guard var v = viewer else { return true }
            v.mark = v.mark == nil ? (v.t, v.z) : nil
            viewer = v
            flash(v.mark == nil ? "mark cleared" : "marking from here: step T and Z ({ } [ ]), then :slice OUT writes the marked range; v clears")
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

    /// True when the browser has a binding for `key` (KeyBindings lists them all).
    @discardableResult
    func handleBrowser(_ key: Key) -> Bool {
        let page = max(1, layout.browser.height - 2)
        switch key {
        case .up, .char("k"): browser.move(-1)
        case .down, .char("j"): browser.move(1)
        case .pageUp: browser.move(-page)
        case .pageDown: browser.move(page)
        case .home: browser.selection = 0
        case .end: browser.move(Int.max / 2)
        case .enter, .char("l"), .right: openSelected()
        case .char("o"): enterSelected()
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
        default: return false
        }
        return true
    }

    @discardableResult
    func handleTree(_ key: Key) -> Bool {
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
            } else if let row = tree.selectedRow {
                explainNothingToEdit(row.node)
            }
        case .char("l"), .right: tree.open()
        case .char("h"), .left: tree.close()
        case .char("u"): undoEdit()
        case .char("R"):
            if let field = tree.selectedRow?.node.field.flatMap(MetadataField.init(key:)) { resetField(field) } else {
                flash("R resets the selected field to the file's value: select one (PhysicalSizeZ, …)")
            }
        default: return false
        }
        return true
    }

    /// Pans while zoomed; not zoomed, no key is the preview's.
    @discardableResult
    func handlePreview(_ key: Key) -> Bool {
        guard let v = viewer, v.zoomed, let g = previewGrid else { return false }
        let vp = v.viewport(cols: g.cols, rows: g.rows)
        let stepX = max(1, vp.width / 4), stepY = max(1, vp.height / 4)
        switch key {
        case .char("h"), .left: panBy(-stepX, 0)
        case .char("l"), .right: panBy(stepX, 0)
        case .char("k"), .up: panBy(0, -stepY)
        case .char("j"), .down: panBy(0, stepY)
        default: return false
        }
        return true
    }

    func panBy(_ dx: Int, _ dy: Int) {
        guard let g = previewGrid else { return }
        updateViewer { $0.panBy(dx: dx, dy: dy, cols: g.cols, rows: g.rows) }
    }

    func editFilter(_ key: Key) {
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

    func editCommandLine(_ key: Key) {
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

    func openSelected() {
        guard let e = browser.selected else { return }
        switch e.kind {
        case .directory:
            enter(e.path)
        case .image, .other:
            effects.append(.open(path: e.path, series: 0))
            viewer?.loading = true
            flash("opening \(e.name)…")
        }
    }

    /// `o`: a store (an image to Enter) entered as the folder it is; any folder as Enter does.
    func enterSelected() {
        guard let e = browser.selected else { return }
        if e.kind == .directory || e.zarr != nil { enter(e.path) } else {
            flash("o enters a folder or a Zarr store; \(e.name) is a file (Enter opens it)")
        }
    }

    func enter(_ path: String) {
        browser.cwd = path
        browser.filter = ""
        browser.selection = 0
        browser.scroll = 0
        list(path)
    }

    func goUp() {
        var parent = (browser.cwd as NSString).deletingLastPathComponent
        guard parent != browser.cwd, !parent.isEmpty else { return }
        pendingSelect = (browser.cwd as NSString).lastPathComponent
        // A well (`plate/A/1`) is listed in its plate, under its name there (`A/1`).
        let grand = (parent as NSString).deletingLastPathComponent
        let well = (parent as NSString).lastPathComponent + "/" + (browser.cwd as NSString).lastPathComponent
        if grand != parent, let plate = ZarrFolder.detect(grand), plate.role == .plate, plate.children.contains(well) {
            parent = grand
            pendingSelect = well
        }
        browser.cwd = parent
        browser.filter = ""
        browser.selection = 0
        browser.scroll = 0
        list(parent)
    }

    func stepViewer(t: Int = 0, z: Int = 0) {
        updateViewer { $0.step(t: t, z: z) }
    }

    func scaleContrast(_ factor: Double) {
        updateViewer { v in
            guard let current = v.drawnChannels.first.flatMap({ v.limits[$0] }) else { return }
            if v.trueColor { return v.setContrast(.manual(current.scaled(by: factor)), .manual) }
            for i in v.drawnChannels {
                guard let current = v.limits[i] else { continue }
                v.contrast[i] = .manual(current.scaled(by: factor))
                v.contrastOrigin[i] = .manual
            }
        }
    }
}
