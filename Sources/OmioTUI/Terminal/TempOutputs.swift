import CTerminalGuard
import Foundation
import OmioEngine
import OmioFormats

/// What an interrupted output leaves behind, and who removes it. A file output's temporary
/// name is registered by AtomicFile itself (unlinked on a signal, a crash or exit). An
/// OME-Zarr output is built in `NAME.ome.zarr.partial/` beside a `NAME.ome.zarr.lock`: the
/// lock (when this run made it) is registered like a temporary file; the folder cannot be
/// removed from a signal handler (no safe recursive delete), so a signal leaves it and the next
/// build of that name removes it before starting (StoreBuilder's leftovers rule: it is ours,
/// marked by its manifest); `q` and errors in the TUI remove it (`abandonStore`).
enum TempOutputs {
    /// For the command line: SIGINT, SIGTERM, SIGHUP, SIGQUIT remove the registered temporary
    /// files, then end the process by that signal (exit 130, 143, 129, 131).
    static func cleanUpOnSignals() { omio_temp_cleanup_on_signals() }

    /// The store folder `output` names, as SubStackExport resolves it.
    static func storePath(_ output: String) -> String {
        var path = LexicalPath.absolute(output)
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// Registers the lock an OME-Zarr output is about to create (if none is there), so a signal
    /// does not leave it beside the user's output. Returns the slot to unregister (-1: none).
    static func registerStoreLock(_ output: String) -> Int32 {
        let lock = StoreLocation(storePath: storePath(output)).lockPath
        guard !FileManager.default.fileExists(atPath: lock) else { return -1 }
        return omio_temp_register(lock)
    }

    static func unregister(_ slot: Int32) { omio_temp_unregister(slot) }

    /// `q` or an error while an OME-Zarr output is being built: its partial folder goes (the
    /// writer thread may still add a chunk: removed twice, and the next build clears the rest).
    static func abandonStore(_ output: String) {
        let partial = StoreLocation(storePath: storePath(output)).partialPath
        for _ in 0..<2 {
            try? FileManager.default.removeItem(atPath: partial)
            usleep(20000)
        }
        omio_temp_unlink_all()
    }
}
