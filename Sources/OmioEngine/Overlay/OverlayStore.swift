import Foundation
import OmioFormats

/// Where overlays live and how they are read and written: `<file name>.omio.json` beside the
/// image as given (a symlinked image's beside the link), or under
/// `$XDG_STATE_HOME/omio-tui/overlays/` (keyed by the image's path) when the image's folder is not
/// writable. An OME-Zarr store is a folder: its sidecar sits beside the folder
/// (`x.ome.zarr.omio.json`), and an image inside a store (a plate's field `plate.zarr/A/1/0`)
/// has its sidecar beside the outermost store (`plate.zarr.A.1.0.omio.json`): nothing is ever
/// written inside a store, which is the user's data. A remote store (a URL) has no folder of
/// its own: `$XDG_STATE_HOME/omio-tui/remote/<hash of the URL>.json`, the URL recorded inside.
/// Writes are atomic (temp + fsync + rename).
public enum OverlayStore {
    public static let suffix = ".omio.json"

    /// The sidecar path beside the image (for a URL: its one place in the state directory).
    public static func sidecarPath(for source: String) -> String {
        if ZarrStorePlacement.isURL(source) { return remotePath(for: source) }
        let absolute = LexicalPath.absolute(source)
        guard let (root, inside) = ZarrStorePlacement.enclosingStore(of: absolute), !inside.isEmpty else { return absolute + suffix }
        return root + "." + inside.joined(separator: ".") + suffix
    }

    /// The fallback path in the user's state directory.
    public static func statePath(for source: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if ZarrStorePlacement.isURL(source) { return remotePath(for: source, environment: environment) }
        let absolute = LexicalPath.absolute(source)
        return UserFolders.stateHome(environment) + "/omio-tui/overlays/" + FNV1a.hex(absolute) + "-" + (absolute as NSString).lastPathComponent + suffix
    }

    /// A remote store's sidecar: keyed by the URL as given (the overlay's `source` names it).
    public static func remotePath(for url: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        UserFolders.stateHome(environment) + "/omio-tui/remote/" + FNV1a.hex(ZarrStorePlacement.canonicalURL(url)) + ".json"
    }

    /// How a source is named in its overlay and keyed: a URL as given (no trailing slash), a
    /// path made absolute by its text.
    static func canonical(_ source: String) -> String {
        ZarrStorePlacement.isURL(source) ? ZarrStorePlacement.canonicalURL(source) : LexicalPath.absolute(source)
    }

    /// Every place an overlay of `source` may be read from (outputs must not replace them).
    public static func inputFiles(for source: String) -> [String] { [sidecarPath(for: source), statePath(for: source)] }

    /// Where an existing overlay for `source` is, if any (beside the file first).
    public static func existing(for source: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        [sidecarPath(for: source), statePath(for: source, environment: environment)].first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Overlays omio-tui writes are a few KB; past this a sidecar is not one, and reading it
    /// whole would cost its size in memory.
    public static let maxSidecarBytes = 1 << 20

    /// Reads the overlay of a file (empty when there is none). A sidecar that cannot be used
    /// (unreadable, too big, not JSON, not an overlay) gives an empty overlay whose warning
    /// says why: every tool then shows the file's own metadata.
    public static func load(for source: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> MetadataOverlay {
        let source = canonical(source)
        guard let path = existing(for: source, environment: environment) else { return MetadataOverlay(sourcePath: source) }
        let root: JSONValue
        do {
            let data = try FileReader.contents(of: path, limit: maxSidecarBytes)
            do { root = try JSONValue.parse(data) } catch { throw FormatError("is not valid JSON") }
            return try MetadataOverlay(json: root, sourcePath: source)
        } catch {
            var overlay = MetadataOverlay(sourcePath: source)
            overlay.refusedSidecar = OmioError(path, "the sidecar \(error.omioReason)")
            overlay.warnings = ["sidecar \(path) \(error.omioReason); ignored (the file's own metadata is used)"]
            return overlay
        }
    }

    /// Saves (or, when empty, removes) the overlay; returns where it went and, when that is the
    /// state directory, a notice saying why.
    @discardableResult
    public static func save(_ overlay: MetadataOverlay, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (path: String, notice: String?) {
        // A hand-made or damaged sidecar is the user's: an edit must not silently replace it.
        if let refused = overlay.refusedSidecar { throw OmioError(refused.path, refused.reason + "; fix or delete it before editing") }
        let source = canonical(overlay.sourcePath)
        // The folder the sidecar goes in (beside a store, not inside it); a URL's is the state one.
        let folder = LexicalPath.folder(of: sidecarPath(for: source))
        let remote = ZarrStorePlacement.isURL(source)
        let beside = !remote && access(folder, W_OK | X_OK) == 0
        let target = beside ? sidecarPath(for: source) : statePath(for: source, environment: environment)
        // Loading prefers the sidecar beside the file: an edit saved elsewhere would be hidden by
        // it, so saying "saved" would be a lie.
        if !beside, !remote, FileManager.default.fileExists(atPath: sidecarPath(for: source)) {
            throw OmioError(sidecarPath(for: source), "exists and cannot be written (\(folder) is not writable), so an edit saved elsewhere would be hidden by it")
        }
        if !beside {
            let state = (target as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            } catch {
                let places = remote ? state : "neither \(folder) nor \(state)"
                throw OmioError(source, "cannot save the edits: \(places) \(remote ? "is not" : "is") writable (\(UserFolders.notAFolder(state) ?? error.omioReason))")
            }
        }
        if overlay.isEmpty && overlay.history.isEmpty {
            try? FileManager.default.removeItem(atPath: target)
        } else {
            do {
                var named = overlay
                named.sourcePath = source // the URL as keyed, a path absolute
                try AtomicFile.write(Data((named.json.serialized(pretty: true) + "\n").utf8), to: target)
            } catch {
                throw OmioError(target, error.omioReason)
            }
        }
        // An older copy in the other place would shadow or confuse: the newest one wins.
        let other = beside ? statePath(for: source, environment: environment) : sidecarPath(for: source)
        if beside { try? FileManager.default.removeItem(atPath: other) }
        return (target, beside || remote ? nil : "\(folder) is not writable; edits saved to \(target)")
    }
}
