import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats

struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Build and list the OME-Zarr stores omio-tui keeps in .omio_cache folders.",
        subcommands: [CacheBuildCommand.self, CacheListCommand.self, CachePurgeCommand.self]
    )
}

struct CacheBuildCommand: ParsableCommand, ReportsErrors {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the OME-Zarr store of a file (or reuse it when it is up to date); print its path.",
        discussion: """
        The store goes to <folder of the file>/.omio_cache/<file name>.ome.zarr, or to \
        $XDG_CACHE_HOME/omio-tui/ when that folder is not writable. Shows a progress bar on stderr \
        when stderr is a terminal, one summary line otherwise. Ctrl-C cancels and removes the partial store.
        """
    )

    @OptionGroup var image: ImageOptions

    @Option(name: .customLong("zarr-format"), help: "3: OME-Zarr 0.5 on Zarr v3; 2: OME-Zarr 0.4 on Zarr v2 for older tools.",
            transform: { try ZarrFormat(rawValue: Int($0) ?? 0).orThrow("must be 3 or 2") })
    var zarrFormat = ZarrFormat.v3

    @Option(help: "Chunk compressor: none, gzip or zstd.", transform: { try StoreCompression(rawValue: $0).orThrow("must be none, gzip or zstd") })
    var compression = StoreCompression.default

    @Option(name: .customLong("cache-dir"), help: "Put the store here instead of the file's .omio_cache folder.", completion: .directory,
            transform: OptionValue.path)
    var cacheDir: String?

    var errorPath: String { image.file }

    func run() throws {
        let bar = ProgressBar(enabled: isatty(STDERR_FILENO) == 1)
        let cancellation = StoreCancellation()
        // Ctrl-C cancels between chunks so the partial store is removed, not left behind.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler { cancellation.cancel() }
        interrupt.resume()
        defer {
            interrupt.cancel()
            signal(SIGINT, SIG_DFL)
        }
        do {
            // The series is checked before anything reads it; the store carries the corrected
            // metadata, as the TUI's and napari's do.
            let opened = try image.open()
            // An OME-Zarr is read in place (the TUI, render and napari do); a copy of it in
            // .omio_cache would only cost disk (README: no copy of a store is built).
            if opened.source.format == .omeZarr {
                throw OmioError(image.file, "is an OME-Zarr store already; omio-tui reads it in place, nothing to build")
            }
            let request = StoreRequest(series: opened.series, zarrFormat: zarrFormat, compression: compression, cacheDir: cacheDir,
                                       overlayHash: opened.overlayHash)
            NapariLauncher.releaseIfShown(opened.source, request: request) // else the rebuild waits for the window's shared lock
            let result = try StoreBuilder.ensure(source: opened.source, request: request, metadata: opened.metadata,
                                                 progress: bar.update, cancellation: cancellation)
            bar.finish()
            if let notice = result.notice { CLIError.note(notice) }
            if let repaired = result.repaired { CLIError.note("rebuilding: \(repaired)") }
            let summary = result.reused
                ? "reused \(result.path): up to date (\(PurgeReport.size(result.bytesOnDisk)) on disk)"
                : "built \(result.path): \(PurgeReport.size(result.bytesOnDisk)) on disk from \(PurgeReport.size(result.sourceBytes)) in "
                    + String(format: "%.2f s", result.seconds) + CacheBuildCommand.rate(bytes: result.sourceBytes, seconds: result.seconds)
            CLIError.note(summary)
            print(TerminalSafeText.escape(result.path)) // a file name can hold ESC or a newline
        } catch is CancellationError {
            bar.finish()
            CLIError.report(OmioError(image.file, "cancelled; the partial store was removed"), path: image.file)
            throw ExitCode(130)
        } catch {
            bar.finish()
            throw error
        }
    }

    /// " (512 MB/s)", or nothing when the build was too small or quick for a rate that means
    /// anything (a 4 KB store "at 0 MB/s" reads as a fault).
    static func rate(bytes: Int64, seconds: Double) -> String {
        let mbPerSecond = Double(bytes) / 1e6 / max(seconds, 1e-6)
        guard seconds >= 0.05, mbPerSecond >= 1 else { return "" }
        return String(format: " (%.0f MB/s)", mbPerSecond)
    }

}

struct CacheListCommand: ParsableCommand, ReportsErrors {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the caches of a folder: stores (complete, partial, stale, orphan), launchers, logs, OMIO's own.",
        discussion: """
            Looks in DIR/.omio_cache, at stores built into DIR itself with --cache-dir, and at the \
            stores of DIR's files that went to $XDG_CACHE_HOME/omio-tui because DIR was read-only. \
            --recursive does not follow symbolic links to folders and stops \(CacheInventory.maxDepth) folders deep. \
            A store an open napari window shows is listed as "\(CachePurge.inUseReason)" (--json: "in_napari": true).
            """
    )

    @Argument(help: "Folder (default: the current one).", completion: .directory, transform: OptionValue.path)
    var folder: String = "."

    @Flag(help: "Also list the caches of every subfolder.")
    var recursive = false

    @Flag(help: "List the user's fallback cache ($XDG_CACHE_HOME/omio-tui, else ~/.cache/omio-tui) instead of a folder.")
    var fallback = false

    @Flag(help: "Print a JSON array.")
    var json = false

    @Flag(help: "Show the HTTP chunk cache of remote stores ($XDG_CACHE_HOME/omio-tui/http) instead of a folder.")
    var http = false

    var errorPath: String { folder }

    func run() throws {
        if http { return HTTPCacheCommands.list(json: json) }
        var isDir: ObjCBool = false
        guard fallback || FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) && isDir.boolValue else {
            throw OmioError(folder, "not a folder")
        }
        let listing = fallback ? CacheInventory.listFallback() : CacheInventory.walk(folder: folder, recursive: recursive)
        for line in listing.notes { TerminalWrite.all("omio-tui: \(line)\n", to: STDERR_FILENO) }
        let entries = try listing.checked()
        if json {
            print(JSONValue.array(entries.map(\.json)).serialized(pretty: true))
            return
        }
        let dates = DateFormatter()
        dates.dateFormat = "yyyy-MM-dd HH:mm"
        // A C-locale terminal: the columns in plain ASCII (the path is printed as it is).
        let plain: (String) -> String = ASCIIText.neededOnStdout ? ASCIIText.fold : { $0 }
        let rows = entries.map { e in
            [e.listedState + (e.building ? "*" : ""), e.kind.rawValue, plain(PurgeReport.size(e.bytes)),
             e.built.map { plain(dates.string(from: $0)) } ?? "-", TerminalSafeText.escape(e.path)]
        }
        let header = ["STATE", "KIND", "SIZE", "BUILT", "PATH"]
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
        for row in [header] + rows {
            print(row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  "))
        }
        if entries.contains(where: \.building) { print("* a build is writing it now") }
    }
}

/// `[#########.........]  45%  512 MB/s  ETA 3s` on stderr, redrawn at most ten times a second.
/// Updates arrive from the builder's writer threads, one at a time.
private final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func update(_ p: StoreBuildProgress) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || p.bytesDone == p.bytesTotal else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = Double(p.bytesDone) / max(elapsed, 1e-6)
        let eta = rate > 0 ? String(format: "%.0fs", Double(p.bytesTotal - p.bytesDone) / rate) : "--"
        let width = 30
        let filled = Int(p.fraction * Double(width))
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            + String(format: "%3.0f%%  %4.0f MB/s  ETA ", p.fraction * 100, rate / 1e6) + eta + " "
        TerminalWrite.all(line, to: STDERR_FILENO)
        drawn = true
    }

    func finish() {
        if drawn { TerminalWrite.all("\r\u{1B}[K", to: STDERR_FILENO) }
        drawn = false
    }
}
