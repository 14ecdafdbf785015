import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats

/// `omio-tui napari FILE...`: what `n` does in the inspector, from the shell.
struct NapariCommand: ParsableCommand, ReportsErrors {
    static let configuration = CommandConfiguration(
        commandName: "napari",
        abstract: "Open files in napari: the OME-Zarr store with the corrected scale, one layer per channel.",
        discussion: """
            Builds the store when it is missing or stale (progress on stderr), writes a standalone \
            launcher <folder>/.omio_cache/<file name>.napari.py (napari, zarr, dask and numpy only) and \
            runs it detached with --python, $OMIO_PYTHON or python3, logging to <file name>.napari.log. \
            When a store must be built, the launcher starts first and napari loads while the store \
            builds. Sending a file again replaces its layers; purge leaves stores an open window shows. \
            The first launcher opens a napari window and listens on a local socket; later sends add \
            their layers to that window. Several files go into one window (the first file's launcher \
            runs with --also for the others). Install napari with: python3 -m pip install "napari[all]" zarr dask

            --t, --z, --c, --y and --x send only that part of each file (ranges as in `slice`: \
            half-open A:B[:STEP], negative from the end; --c also a list): the launcher slices the \
            store lazily (nothing is copied), a step multiplies the axis' scale, and the layers sit \
            where the part lies in the whole image (napari's translate). T and Z take an index or a \
            range (napari's grid has one spacing per axis). An axis given one index is dropped.
            """
    )

    @OptionGroup var images: ImagesOptions
    @Option(parsing: .unconditional, help: "Time points: index or A:B[:STEP] (half-open; default all).", transform: AxisRange.parse) var t = AxisRange.all
    @Option(parsing: .unconditional, help: "Z: index or A:B[:STEP] (half-open; default all).", transform: AxisRange.parse) var z = AxisRange.all
    @Option(parsing: .unconditional, help: "Channels: index, A:B[:STEP] or list (default all).", transform: AxisRange.parse) var c = AxisRange.all
    @Option(parsing: .unconditional, help: "Rows: A:B[:STEP] (half-open; default all).", transform: AxisRange.parse) var y = AxisRange.all
    @Option(parsing: .unconditional, help: "Columns: A:B[:STEP] (half-open; default all).", transform: AxisRange.parse) var x = AxisRange.all
    @Option(help: "dask: lazy dask arrays (default); zarr: lazy zarr arrays, no dask; numpy: read into memory (small data).")
    var mode = NapariMode.dask
    @Option(help: "The Python that has napari (default: $OMIO_PYTHON, else python3).", transform: OptionValue.path) var python: String?
    @Flag(name: .customLong("no-launch"), help: "Write the launchers but do not run them; print their paths.") var noLaunch = false
    @Flag(help: "Run the launcher with --check: build the viewer without showing it and print its layers as JSON.") var check = false
    @Option(name: .customLong("cache-dir"), help: "Put the stores and launchers here instead of each file's .omio_cache folder.",
            completion: .directory, transform: OptionValue.path)
    var cacheDir: String?
    @Option(help: "Seconds to wait until napari shows the layers, 0-600 (the window's pid is then printed; 0: do not wait).",
            transform: OptionValue.seconds)
    var wait = 60.0

    private var files: [String] { images.files }

    /// Errors of opening a file name it; the rest (napari, the launcher) are the first file's.
    var errorPath: String { files.first ?? "" }

    func run() throws {
        let inputs = try files.map { file -> NapariInput in
            var input = NapariInput(try images.open(file))
            input.region = try region(of: input.metadata.shape)
            return input
        }
        let reporters = files.map { _ in ProgressReporter(label: "store") }
        let result = try NapariLauncher.open(inputs, cacheDir: cacheDir, mode: mode, python: python,
                                             launch: !noLaunch, check: check,
                                             progress: { i, p in reporters[i].update(done: p.bytesDone, total: p.bytesTotal, bytes: p.bytesDone) },
                                             built: { i, store in
                                                 if !store.reused {
                                                     reporters[i].finish(String(format: "built %@ in %.2f s", store.path, store.seconds))
                                                 }
                                                 if let notice = store.notice { CLIError.note(notice) }
                                             })
        if let json = result.check {
            print(json.serialized())
        } else if let process = result.process {
            try reportLaunch(process, result)
        } else {
            for script in result.scripts { print(TerminalSafeText.escape(script)) } // paths from file names
            CLIError.note("run it with: \(result.command)")
        }
    }

    /// The part of a file of `shape` the options select; nil when they select all of it (the
    /// launcher then opens every level as before).
    func region(of shape: Shape) throws -> SubStack? {
        let given = [t, z, c, y, x]
        if given.allSatisfy({ $0.form == AxisRange.all.form }) { return nil }
        for (option, r) in [("--t", t), ("--z", z)] {
            if case .list = r.form {
                throw UsageError(option, "napari shows a regular grid: give an index or a range A:B[:STEP], not a list")
            }
        }
        return try SubStack.resolve(t: t, z: z, c: c, y: y, x: x, shape: shape, size: (shape.y, shape.x))
    }

    /// Waits until the layers are shown and names the window that shows them (a launcher that
    /// fails, e.g. a broken napari or a damaged store, is an error here rather than a line in
    /// a log).
    private func reportLaunch(_ process: NapariProcess, _ result: NapariSendResult) throws {
        let names = files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
        if let window = process.waitForWindow(timeout: max(0, wait)) {
            let phases = window.phases.map { String(format: "%@ %.2f s", $0.0, $0.1) }.joined(separator: ", ")
            print(TerminalSafeText.escape("sent \(names) to the napari window (pid \(window.pid)); launcher: \(phases); log: \(result.logPath)"))
            return
        }
        switch process.exitStatus {
        case nil:
            print(TerminalSafeText.escape("sent \(names) to napari (launcher pid \(process.pid), still starting); log: \(result.logPath)"))
        case 0?:
            let tail = NapariProcess.tail(of: result.logPath, lines: 1)
            print(TerminalSafeText.escape("sent \(names) to napari (launcher pid \(process.pid)): \(tail.isEmpty ? "done" : tail)"))
        case let status?:
            let tail = NapariProcess.tail(of: result.logPath)
            throw OmioError(errorPath, "the napari launcher exited with status \(status): \(tail) (log: \(result.logPath); run it with: \(result.command))")
        }
    }

}
