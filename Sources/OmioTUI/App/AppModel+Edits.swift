import Foundation
import OmioEngine
import OmioFormats

/// Correcting metadata: the inline editor, :set/:reset, undo, and what a correction changes
/// downstream (the tree, the preview, the disk store).
extension AppModel {
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
        editor = (field, text, nil)
    }

    /// `e` on a row that is not a field: a Channel row holds its Name and Color, so it opens and
    /// says which of them to pick; any other row names the keys the editor and `:set` accept.
    func explainNothingToEdit(_ node: MetadataTree.Node) {
        let editable = node.children.compactMap { child in child.field.map { _ in child.label } }
        if editable.isEmpty {
            return flash("nothing to edit on \(node.label); editable: \(MetadataField.keysHelp)")
        }
        tree.open()
        flash("\(node.label): e edits its " + editable.joined(separator: " or ") + " — select one below")
    }

    func editField(_ key: Key) {
        guard var e = editor else { return }
        switch key {
        case .escape: editor = nil
        case .enter:
            if let error = applyEdit(e.field, e.text) {
                e.error = error
                editor = e
            } else {
                editor = nil
            }
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

    /// Validates and records an edit, then saves the overlay in the background. Returns why the
    /// value was refused (also flashed, for `:set`), or nil when it was applied.
    @discardableResult
    func applyEdit(_ field: MetadataField, _ text: String) -> String? {
        guard var v = viewer else { return refuse("no file is open") }
        do {
            let value = try FieldParser.parse(field, text, current: v.metadata)
            var o = v.overlay
            o.set(field, value, series: v.series, file: v.fileMetadata)
            v.setOverlay(o)
            viewer = v
            overlayChanged("\(MetadataOverlay.storageField(field)) set")
            return nil
        } catch let e as FieldParser.Invalid {
            return refuse(e.description + " — nothing saved")
        } catch {
            return refuse(error.omioReason)
        }
    }

    private func refuse(_ reason: String) -> String {
        flash(reason, error: true)
        return reason
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

    func overlayChanged(_ text: String) {
        guard let v = viewer else { return }
        tree.set(metadata: v.metadata, raw: v.raw)
        effects.append(.saveOverlay(v.overlay))
        requestSlice()
        ensureStore() // the store's scale follows the correction
        flash(text)
    }

    /// In disk mode, asks for the open file's store (built in the background when missing or
    /// stale; display reads move to it once it is complete).
    func ensureStore() {
        // An OME-Zarr source is a chunked pyramid already: a copy would only cost disk.
        guard storeMode == .disk, var v = viewer, v.source.format != .omeZarr else { return }
        v.store = .building(0)
        viewer = v
        let request = StoreRequest(series: v.series, cacheDir: cacheDir, overlayHash: v.overlay.hash(series: v.series))
        effects.append(.ensureStore(path: v.path, source: v.source, request: request, metadata: v.metadata))
    }
}
