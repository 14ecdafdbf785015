import Foundation
import OmioFormats

/// The emitted napari launcher: a readable, standalone Python script (napari, zarr, dask,
/// numpy and the standard library; nothing of omio-tui) with the layer description of one or
/// more files embedded as JSON. It lives beside the store as `<file name>.napari.py` and logs
/// to `<file name>.napari.log` when omio-tui runs it.
///
/// The script's options (its docstring says more):
/// - `--mode dask|zarr|numpy` (default: the mode it was written with);
/// - `--check`: builds the viewer without showing it (napari's ViewerModel when there is no
///   display), prints one JSON object `{napari, viewer, mode, scale_bar, dims, layers: [{name,
///   shape, dtype, scale, axis_labels, units, colormap, color, contrast_limits, blending,
///   multiscale, rgb, levels, array_type, source}]}` and exits 0;
/// - `--also OTHER.napari.py`: the layers of other launchers too (one process, one window);
/// - `--new-window`: no window reuse;
/// - `--serve-check N [--timeout S]` (tests): opens the window and listens like a first
///   launcher, and after N hand-overs prints the same JSON (plus `received`) and quits;
/// - `--await-pid PID`: LAYERS may still be `pending` (omio-tui started the launcher while the
///   store builds): wait, re-reading the launcher file, until omio-tui rewrites it with the
///   finished layers (or PID ends);
/// - `--report FILE`: once the layers are in a window, write `{"ok", "pid" (the window's),
///   "layers", "phases"}` there (atomically).
///
/// While a window shows a store it holds a shared `flock` on the store's lock file
/// (`StoreLock.isShared`), so purge can tell the store is in use; a window asked to `release`
/// a store (before omio-tui rebuilds it) removes its layers and drops the lock.
///
/// Window reuse: the first launcher listens on a UNIX socket (`$OMIO_NAPARI_SOCKET`, else
/// `$XDG_RUNTIME_DIR/omio-tui/napari.sock`, else `/tmp/omio-tui-<uid>/napari.sock`, its folder
/// mode 0700); later launchers send it `{"omio_napari": 1, "mode", "layers", "launcher"}` (or
/// `{"omio_napari": 1, "release": [store paths]}`, or `{"omio_napari": 1, "describe": true}`)
/// as one JSON line and get `{"ok", "pid", "layers" | "released" | "error"}` (or the `--check`
/// JSON plus `held`, the stores it holds locked) back. `NapariSocket` finds it.
public enum NapariScript {
    public static let scriptSuffix = ".napari.py"
    public static let logSuffix = ".napari.log"

    /// The launcher of the file whose store is `storePath`: beside the store, named like it
    /// (`.omio_cache/<file name>.napari.py`).
    public static func scriptPath(storePath: String) -> String { base(storePath) + scriptSuffix }

    /// Where the launcher's output goes when omio-tui runs it.
    public static func logPath(storePath: String) -> String { base(storePath) + logSuffix }

    static func base(_ storePath: String) -> String {
        storePath.hasSuffix(StoreLocation.storeSuffix) ? String(storePath.dropLast(StoreLocation.storeSuffix.count)) : storePath
    }

    /// The script text for `specs` (normally one file's), opening with `mode` by default.
    public static func render(specs: [NapariLayerSpec], mode: NapariMode, toolVersion: String = OmioVersion.string) -> String {
        let names = specs.map { ($0.sourcePath as NSString).lastPathComponent }
        let title = safe(names.count <= 3 ? names.joined(separator: ", ") : "\(names[0]) and \(names.count - 1) more files")
        return fill(template, ["TITLE": title, "VERSION": safe(toolVersion), "MODE": mode.rawValue, "LAYERS": layersJSON(specs)])
    }

    /// `text` with each `@@NAME@@` of `values` replaced, in one pass: a value (a file named
    /// `@@LAYERS@@.tif`) is never read as a placeholder itself. Other `@@` text stays.
    static func fill(_ text: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "@@") {
            out += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            if let close = after.range(of: "@@"), let value = values[String(after[..<close.lowerBound])] {
                out += value
                rest = after[close.upperBound...]
            } else {
                out += "@@"
                rest = after
            }
        }
        return out + rest
    }

    /// Pretty JSON that can sit inside Python's `r'''...'''`: a quote only occurs inside JSON strings,
    /// where `\u0027` means the same.
    static func layersJSON(_ specs: [NapariLayerSpec]) -> String {
        JSONValue.array(specs.map(\.json)).serialized(pretty: true).replacingOccurrences(of: "'", with: "\\u0027")
    }

    /// Text for the docstring and argparse: no quotes, backslashes, `%` or control characters.
    static func safe(_ s: String) -> String {
        String(s.unicodeScalars.map { c -> Character in
            c.value < 0x20 || c == "\"" || c == "'" || c == "\\" || c == "%" || c.value == 0x7F ? "?" : Character(c)
        })
    }
}
