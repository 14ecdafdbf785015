import Foundation
import OmioEngine
import OmioFormats

/// Entry points for `omio-devtool bench`: the TUI's own per-frame pipeline and its model,
/// driven without a terminal. Nothing here is used by the product.
public enum OmioBenchmark {
    /// The cell grid `omio-tui render --width W --height H` (and the TUI's preview) uses for an
    /// image: true to the physical pixel size and the cell shape.
    public static func previewSize(_ m: ImageMetadata, width: Int, height: Int) -> (cols: Int, rows: Int) {
        PreviewGeometry.fit(m, width: width, height: height)
    }

    /// One frame through the same pipeline the TUI and `render` run (slice -> contrast ->
    /// composite -> CellRenderer), over the whole plane.
    public static func renderFrame(array: LazyArray, metadata m: ImageMetadata, t: Int, z: Int, channels: [Int],
                                   cols: Int, rows: Int, symbols: SymbolSet = .sextant,
                                   contrast: ContrastMode = .auto, reduce: Reduce = .mean) throws -> (grid: CellGrid, limits: [Int: ContrastLimits]) {
        let request = SliceRequest(generation: 0, array: array, t: t, z: z, channels: channels,
                                   viewport: .full(m.shape), cols: cols, rows: rows, symbols: symbols,
                                   contrast: Array(repeating: contrast, count: m.shape.c), gamma: 1,
                                   colors: ChannelColors.resolve(m), reduce: reduce)
        let r = try SlicePipeline.run(request)
        return (r.grid, r.limits)
    }

    public struct HoldKeyResult: Sendable {
        /// Frames that reached the screen while `}` was held (each one drawn).
        public let framesShown: Int
        public let keysPressed: Int
        /// From the first `}` until the frame of the last time point was drawn.
        public let seconds: Double
        /// CPU time (user + system, every thread of the process) over those seconds.
        public let cpuSeconds: Double
        /// From creating the model until the first frame was drawn (listing, open, first slice).
        public let firstFrameSeconds: Double
        public let finalT: Int
        public let previewCols: Int
        public let previewRows: Int
        public var framesPerSecond: Double { Double(framesShown) / max(seconds, 1e-9) }
        public var keysPerSecond: Double { Double(keysPressed) / max(seconds, 1e-9) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs the real AppModel, BackgroundServices (slice worker) and view drawing on a text
    /// canvas of `rows` x `cols`, opens `path`, waits for its first frame, then presses `}`
    /// once per main-loop iteration (as fast as the loop turns) until the last time point has
    /// been drawn. Each iteration does what TUIApp.run does: start effects, apply finished
    /// work, draw when something changed (panes and status on the canvas, the preview as
    /// truecolor SGR text, which a terminal would be sent), take the key.
    public static func holdNextTimePoint(path: String, rows: Int = 50, cols: Int = 160,
                                         timeoutSeconds: Double = 300) throws -> HoldKeyResult {
        let created = DispatchTime.now().uptimeNanoseconds
        func elapsed(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let model = AppModel(path: path)
        model.screen = (rows, cols)
        let services = BackgroundServices()
        var shownGeneration = 0
        var framesShown = 0
        var sink = 0 // bytes "sent to the terminal", so the drawing is not optimized away

        /// One main-loop turn without the key; returns whether a new frame was shown.
        func turn() -> Bool {
            for e in model.takeEffects() { services.run(e) }
            var dirty = false, newFrame = false
            for ev in services.inbox.drain() {
                if case let .sliced(generation, .success) = ev, generation > shownGeneration {
                    shownGeneration = generation
                    newFrame = true
                }
                model.apply(ev)
                dirty = true
            }
            for e in model.takeEffects() { services.run(e) }
            if dirty || model.viewer?.loading == true { sink &+= draw(model) }
            return newFrame
        }

        // Open the file and wait for its first frame.
        while model.viewer?.grid == nil {
            if let error = model.viewer?.error { throw Failure(description: "\(path): \(error)") }
            if model.viewer == nil, let m = model.message, m.isError { throw Failure(description: m.text) }
            if elapsed(since: created) > timeoutSeconds { throw Failure(description: "\(path): no first frame after \(timeoutSeconds) s") }
            _ = turn()
            usleep(200)
        }
        let firstFrame = elapsed(since: created)
        guard let last = model.viewer.map({ $0.shape.t - 1 }), last > 0 else {
            throw Failure(description: "\(path): nothing to step (a single time point)")
        }

        let start = DispatchTime.now().uptimeNanoseconds
        let startCPU = processCPUSeconds()
        var keys = 0
        while true {
            if turn() { framesShown += 1 }
            guard let v = model.viewer else { throw Failure(description: "\(path): the viewer closed") }
            if let error = v.error { throw Failure(description: "\(path): \(error)") }
            if v.t == last {
                if shownGeneration == model.sliceGeneration, v.grid != nil { break }
                usleep(100) // key released: wait for the last frame like the idle loop does
            } else {
                model.handle(.char("}"))
                keys += 1
            }
            if elapsed(since: start) > timeoutSeconds { throw Failure(description: "\(path): stepping took over \(timeoutSeconds) s") }
        }
        let seconds = elapsed(since: start)
        let cpu = processCPUSeconds() - startCPU
        let grid = model.previewGrid
        if sink == 42 { print("") }
        return HoldKeyResult(framesShown: framesShown, keysPressed: keys, seconds: seconds, cpuSeconds: cpu, firstFrameSeconds: firstFrame,
                             finalT: model.viewer?.t ?? -1, previewCols: grid?.cols ?? 0, previewRows: grid?.rows ?? 0)
    }

    private static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The TUI's draw without a terminal: panes and status line on a fresh canvas (ncurses
    /// erases and redraws the same way), the preview's glyphs on the canvas and its colours as
    /// the SGR text the truecolor painter writes. Returns the bytes produced.
    private static func draw(_ model: AppModel) -> Int {
        let canvas = TextCanvas(rows: model.screen.rows, cols: model.screen.cols)
        AppView.draw(model, on: canvas, spinner: "⠋")
        guard let g = model.previewGrid, let grid = model.viewer?.grid, grid.cols == g.cols, grid.rows == g.rows else { return 0 }
        for row in 0..<grid.rows {
            for col in 0..<grid.cols { canvas.glyph(g.y + row, g.x + col, grid[col, row].glyph) }
        }
        return ANSIWriter.write(grid, mode: .truecolor).utf8.count + canvas.rows
    }
}
