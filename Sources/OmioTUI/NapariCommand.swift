import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats

/// `omio-tui napari FILE...`: what `n` does in the inspector, from the shell.
struct NapariCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "napari",
        abstract: "Open files in napari: the OME-Zarr store with the corrected scale, one layer per channel.",
        discussion: """
            Builds the store when it is missing or stale (progress on stderr), writes a standalone \
            launcher <folder>/.omio_cache/<file name>.napari.py (napari, zarr, dask and numpy only) and \
            runs it detached with --python, $OMIO_PYTHON or python3, logging to <file name>.napari.log. \
            The first launcher opens a napari window and listens on a local socket; later sends add \
            their layers to that window. Several files go into one window (the first file's launcher \
            runs with --also for the others). Install napari with: python3 -m pip install "napari[all]" zarr dask
            """
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable { case dask, zarr, numpy }

    @Argument(help: "Image files.", completion: .file()) var files: [String]
    @Option(help: "Series (0-based), for every file.", transform: OptionValue.index) var series = 0
    @Option(help: "dask: lazy dask arrays (default); zarr: lazy zarr arrays, no dask; numpy: read into memory (small data).")
    var mode = Mode.dask
    @Option(help: "The Python that has napari (default: $OMIO_PYTHON, else python3).", transform: OptionValue.path) var python: String?
    @Flag(name: .customLong("no-launch"), help: "Write the launchers but do not run them; print their paths.") var noLaunch = false
    @Flag(help: "Run the launcher with --check: build the viewer without showing it and print its layers as JSON.") var check = false
    @Option(name: .customLong("cache-dir"), help: "Put the stores and launchers here instead of each file's .omio_cache folder.",
            completion: .directory, transform: OptionValue.path)
    var cacheDir: String?
    @Option(help: "Seconds to wait for a launcher that fails at once, 0-600 (0: do not wait).", transform: OptionValue.seconds) var wait = 2.0

    func run() throws {
        var specs: [NapariLayerSpec] = []
        var current = files.first ?? ""
        let result: NapariSendResult
        do {
            for file in files {
                current = file
                let input = try NapariInput.open(path: file, series: series)
                let progress = ProgressReporter(label: "store")
                let prepared = try NapariLauncher.prepare(input, cacheDir: cacheDir) { p in
                    progress.update(done: p.bytesDone, total: p.bytesTotal, bytes: p.bytesDone)
                }
                if !prepared.store.reused {
                    progress.finish(String(format: "built %@ in %.2f s", prepared.store.path, prepared.store.seconds))
                }
                if let notice = prepared.store.notice { CLIError.note(notice) }
                specs.append(prepared.spec)
            }
            current = files.first ?? ""
            result = try NapariLauncher.send(specs: specs, mode: NapariMode(rawValue: mode.rawValue)!, python: python,
                                             launch: !noLaunch, check: check)
        } catch {
            throw CLIError.fail(error, path: current)
        }
        if let json = result.check {
            print(json.serialized())
        } else if let process = result.process {
            try reportLaunch(process, result)
        } else {
            for script in result.scripts { print(script) }
            CLIError.note("run it with: \(result.command)")
        }
    }

    /// Waits briefly so a launcher that fails at once (a broken napari, a damaged store) is an
    /// error here rather than a line in a log.
    private func reportLaunch(_ process: NapariProcess, _ result: NapariSendResult) throws {
        let names = files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
        switch process.wait(timeout: max(0, wait)) {
        case nil:
            print(TerminalSafeText.escape("sent \(names) to napari (pid \(process.pid)); log: \(result.logPath)"))
        case 0?:
            let tail = NapariProcess.tail(of: result.logPath, lines: 1)
            print(TerminalSafeText.escape("sent \(names) to napari (pid \(process.pid)): \(tail.isEmpty ? "done" : tail)"))
        case let status?:
            let tail = NapariProcess.tail(of: result.logPath)
            CLIError.report(OmioError(files.first ?? "", "the napari launcher exited with status \(status): \(tail) (log: \(result.logPath); run it with: \(result.command))"),
                            path: files.first ?? "")
            throw ExitCode(1)
        }
    }

}
