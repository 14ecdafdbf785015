import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats
import OmioRender
import OmioRenderQuality
#if canImport(Glibc)
import Glibc
#endif

/// `omio-devtool bench-case`: one in-process benchmark case, run once in a fresh process so
/// that "first" means first (no warm chunk cache) and the process' own peak RSS belongs to the
/// case. `bench` starts it per repetition. Prints one JSON line: `seconds` (the timed work
/// only), `maxrss_kb` (getrusage of this process at the end) and case details.
struct BenchCaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-case",
        abstract: "Run one in-process benchmark case once (used by `bench`).",
        shouldDisplay: false
    )

    enum Case: String, ExpressibleByArgument, CaseIterable {
        case open, readPlane = "read-plane", slice2d, pipeline, stepRender = "step-render", stepTUI = "step-tui", stepTUIKitty = "step-tui-kitty"
    }

    @Argument(help: "open | read-plane | slice2d | pipeline | step-render | step-tui | step-tui-kitty") var which: Case
    @Option(help: "Image file.") var file: String
    @Option(help: "T index.") var t = 0
    @Option(help: "Z index.") var z = 0
    @Option(help: "C index.") var c = 0
    @Option(help: "Area in cells the image is fitted into, as `omio-tui render --width --height`.") var width = 160
    @Option(help: "Area height in cells.") var height = 48

    static let kittyCell = CellPixels(width: 9, height: 13)

    func run() throws {
        var out: [String: Any] = [:]
        switch which {
        case .open:
            let s = BenchClock.start()
            let source = try ImageOpener.open(path: file)
            let m = source.metadata(series: 0)
            _ = source.levelSizes(series: 0)
            out["seconds"] = s.seconds
            out["cpu_seconds"] = s.cpuSeconds
            out["shape"] = "\(m.shape.t)x\(m.shape.z)x\(m.shape.c)x\(m.shape.y)x\(m.shape.x)"
        case .readPlane:
            let o = BenchClock.start()
            let source = try ImageOpener.open(path: file)
            out["open_seconds"] = o.seconds
            let s = BenchClock.start()
            let buffer = try source.readPlane(plane: PlaneIndex(t: t, z: z, c: c))
            out["seconds"] = s.seconds
            out["cpu_seconds"] = s.cpuSeconds
            out["bytes"] = buffer.bytes.count
        case .slice2d:
            let source = try ImageOpener.open(path: file)
            let m = source.metadata(series: 0)
            let cells = PreviewGeometry.fit(m, width: width, height: height)
            let size = SymbolSet.sextant.rasterSize(cols: cells.cols, rows: cells.rows)
            let s = BenchClock.start()
            let array = LazyArray(levels: SourceLevels(source: source, series: 0))
            let slice = try DisplaySlicer.slice2D(array, plane: PlaneIndex(t: t, z: z, c: c), width: size.width, height: size.height)
            out["seconds"] = s.seconds
            out["cpu_seconds"] = s.cpuSeconds
            out["grid"] = "\(slice.width)x\(slice.height) px for \(cells.cols)x\(cells.rows) cells"
        case .pipeline:
            let source = try ImageOpener.open(path: file)
            let m = source.metadata(series: 0)
            let cells = PreviewGeometry.fit(m, width: width, height: height)
            let s = BenchClock.start()
            let array = LazyArray(levels: SourceLevels(source: source, series: 0))
            let frame = try BenchFrame.render(array: array, metadata: m, t: t, z: z, channels: [c], cols: cells.cols, rows: cells.rows)
            out["seconds"] = s.seconds
            out["cpu_seconds"] = s.cpuSeconds
            out["grid"] = "\(frame.grid.cols)x\(frame.grid.rows)"
        case .stepRender:
            let source = try ImageOpener.open(path: file)
            let m = source.metadata(series: 0)
            let cells = PreviewGeometry.fit(m, width: width, height: height)
            let s = BenchClock.start()
            let array = LazyArray(levels: SourceLevels(source: source, series: 0))
            var check = 0
            for ti in 0..<m.shape.t {
                let frame = try BenchFrame.render(array: array, metadata: m, t: ti, z: z, channels: [c], cols: cells.cols, rows: cells.rows)
                check &+= Int(frame.grid.cells[frame.grid.cells.count / 2].fg.r)
            }
            let seconds = s.seconds
            out["seconds"] = seconds
            out["cpu_seconds"] = s.cpuSeconds
            out["frames"] = m.shape.t
            out["fps"] = Double(m.shape.t) / seconds
            out["grid"] = "\(cells.cols)x\(cells.rows)"
            out["check"] = check
        case .stepTUI, .stepTUIKitty:
            // kitty: 9x13 px cells on a 50x160 screen make the preview pane about 800x600 px.
            let kitty = which == .stepTUIKitty
            let r = try BenchHoldKey.run(path: file, rows: 50, cols: 160, graphics: kitty ? .kitty : nil,
                                         cell: kitty ? BenchCaseCommand.kittyCell : nil)
            out["image"] = "\(r.imagePixels.width)x\(r.imagePixels.height)"
            out["image_bytes"] = r.imageBytes
            out["seconds"] = r.seconds
            out["cpu_seconds"] = r.cpuSeconds
            out["frames_shown"] = r.framesShown
            out["keys"] = r.keysPressed
            out["fps"] = r.framesPerSecond
            out["keys_per_second"] = r.keysPerSecond
            out["first_frame_seconds"] = r.firstFrameSeconds
            out["final_t"] = r.finalT
            out["grid"] = "\(r.previewCols)x\(r.previewRows)"
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        out["maxrss_kb"] = Int(usage.ru_maxrss)
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// Wall and CPU time (of the whole process: every thread) since `start()`.
struct BenchClock {
    let started: Double
    let startedCPU: Double
    static func cpuNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
    static func start() -> BenchClock { BenchClock(started: BenchProcess.monotonic(), startedCPU: cpuNow()) }
    var seconds: Double { BenchProcess.monotonic() - started }
    var cpuSeconds: Double { BenchClock.cpuNow() - startedCPU }
}
