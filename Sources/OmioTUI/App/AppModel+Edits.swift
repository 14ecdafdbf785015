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
        editor = (field, text)
    }

    func editField(_ key: Key) {
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
        guard storeMode == .disk, var v = viewer else { return }
        v.store = .building(0)
        viewer = v
        let request = StoreRequest(series: v.series, cacheDir: cacheDir, overlayHash: v.overlay.hash(series: v.series))
        effects.append(.ensureStore(path: v.path, source: v.source, request: request, metadata: v.metadata))
    }
}
