import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats

/// `omio-tui slice`: a sub-stack (ranges of T, Z, C and a Y/X window) to .npy, OME-TIFF or
/// OME-Zarr, streamed band by band.
struct SliceCommand: ParsableCommand, ReportsErrors {
    static let configuration = CommandConfiguration(
        commandName: "slice",
        abstract: "Write a sub-stack (ranges of T, Z, C and a Y/X window) as .npy, OME-TIFF or OME-Zarr.",
        discussion: """
            Ranges follow Python: N is one index; A:B is half-open (A up to B-1), A:B:STEP takes \
            every STEP-th; either end may be left out (:10, 5:, :); negative numbers count from \
            the end (-1 the last, -10: the last ten); --t, --z and --c also take lists (0,2). A \
            range reaching outside the image is an error. Defaults: index 0 of T, Z and C (one \
            plane, as before) and the whole of Y and X.

            The output's name picks the format. .ome.tif (also .ome.tiff, .tif, .tiff, and \
            .btf or .tf8 for a BigTIFF): an OME-TIFF with the corrected metadata (edits from \
            `set`), PhysicalSize and TimeIncrement scaled by the level and the steps, the \
            window's origin as each Plane's PositionX/Y/Z (µm) and DeltaT (s), and in a \
            MapAnnotation (SliceOriginT/Z/C/Y/X/Level: source indices, X and Y in full- \
            resolution pixels whatever --level). .ome.zarr (or .zarr): an OME-Zarr 0.5 store \
            with a pyramid, like `cache build`. .npy, - (standard output), or an existing \
            device or FIFO (/dev/null): a NumPy .npy in C order with \
            axes in TZCYX order; as in numpy, an axis given as one index (or left at its \
            default) is dropped and an axis given as a range is kept even when its length is 1 \
            (--t 0:1); --squeeze drops every length-1 axis. So `--t 0:10 --y 0:100 --x 0:100` \
            gives shape (10, 100, 100), and `--t 3 --z 2 --c 0` one (Y, X) plane as before. \
            Any other name is refused (exit 64).

            Reads only the strips or tiles the window covers and writes as it reads: memory \
            stays a few MB whatever the output's size. Progress on stderr for long extractions.
            """
    )

    @OptionGroup var image: ImageOptions
    @Option(parsing: .unconditional, help: "Time: index, A:B[:STEP] (half-open) or list.", transform: AxisRange.parse) var t = AxisRange.index(0)
    @Option(parsing: .unconditional, help: "Z: index, A:B[:STEP] (half-open) or list.", transform: AxisRange.parse) var z = AxisRange.index(0)
    @Option(parsing: .unconditional, help: "Channel: index, A:B[:STEP] (half-open) or list.", transform: AxisRange.parse) var c = AxisRange.index(0)
    @Option(parsing: .unconditional, help: "Rows: A:B[:STEP] (half-open; default all).", transform: AxisRange.parse) var y = AxisRange.all
    @Option(parsing: .unconditional, help: "Columns: A:B[:STEP] (half-open; default all).", transform: AxisRange.parse) var x = AxisRange.all
    @Option(help: "Pyramid level of the file (0 is full resolution; --y and --x count that level's pixels).", transform: OptionValue.index) var level: Int = 0
    @Flag(help: "For .npy: drop every length-1 axis (numpy's squeeze).") var squeeze = false
    @Option(name: .shortAndLong, help: "Output: .npy, .ome.tif (.tif, .tiff, .btf, .tf8) or .ome.zarr (.zarr); other endings are refused; - writes .npy to standard output (not a terminal). A FIFO or /dev/null is written directly; the input file is never overwritten.", transform: OptionValue.outputFile) var output: String

    var errorPath: String { image.file }

    func run() throws {
        let opened = try image.open()
        let source = opened.source, series = opened.series, m = opened.metadata
        guard var format = SubStackExport.Format.of(output: output) else {
            // The output rules first (a folder, the source, its sidecar): they say more than
            // "names no output format".
            _ = try OutputTarget.resolve(output, reading: source)
            throw UsageError("--output", SubStackExport.Format.refusal(output))
        }
        let destination = try SubStackExport.destination(output, format: format, reading: source)
        let levels = source.levelSizes(series: series)
        try OptionBounds.check(level, option: "--level", count: levels.count, "the series has \(EnglishCount.of(levels.count, "level"))")
        let stack = try SubStack.resolve(t: t, z: z, c: c, y: y, x: x, shape: m.shape, level: level, size: levels[level])
        let sub = SubStackSource(opened, stack: stack)
        let out = stack.shape
        let given: [AxisRange] = [t, z, c, y, x]
        let dropped = Set(out.array.indices.filter { out.array[$0] == 1 && (squeeze || given[$0].isIndex) })
        let total = out.byteCount(bytesPerSample: m.dtype.bytes)
        let progress = ProgressReporter(label: "slice")
        if case .npy = format { format = .npy(drop: dropped) }
        let lockSlot = format == .omeZarr ? TempOutputs.registerStoreLock(output) : -1
        defer { TempOutputs.unregister(lockSlot) }
        let written = try SubStackExport.write(sub, to: destination, format: format) { done, all in
            progress.update(done: done, total: all, bytes: done)
        }
        // A summary only for work long enough to have shown a bar (keeps pipes and scripts quiet).
        if progress.elapsed > 1 {
            progress.finish("sliced \(written) (\(out), \(PurgeReport.size(total))) in " + String(format: "%.2f s", progress.elapsed))
        }
    }
}
