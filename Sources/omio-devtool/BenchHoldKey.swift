import Foundation
import OmioRender
import OmioTUI

/// The bench's "hold `}`" case: the TUI's own main-loop turn (MainLoop, the slice worker and
/// the view drawing) driven without a terminal.
enum BenchHoldKey {
    struct Result {
        /// Frames that reached the screen while `}` was held (each one drawn).
        let framesShown: Int
        let keysPressed: Int
        /// From the first `}` until the frame of the last time point was drawn.
        let seconds: Double
        /// CPU time (user + system, every thread of the process) over those seconds.
        let cpuSeconds: Double
        /// From creating the model until the first frame was drawn (listing, open, first slice).
        let firstFrameSeconds: Double
        let finalT: Int
        let previewCols: Int
        let previewRows: Int
        /// The last image sent (real pixels): its size in pixels and bytes; 0 with blocks.
        let imagePixels: (width: Int, height: Int)
        let imageBytes: Int
        var framesPerSecond: Double { Double(framesShown) / max(seconds, 1e-9) }
        var keysPerSecond: Double { Double(keysPressed) / max(seconds, 1e-9) }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Opens `path` on a text canvas of `rows` x `cols`, waits for its first frame, then
    /// presses `}` once per main-loop turn (as fast as the loop turns) until the last time
    /// point has been drawn. Each turn does what TUIApp.run does: start effects, apply
    /// finished work, draw when something changed (panes and status on the canvas, the
    /// preview as truecolor SGR text, which a terminal would be sent), take the key.
    static func run(path: String, rows: Int = 50, cols: Int = 160, graphics: GraphicsProtocol? = nil, cell: CellPixels? = nil,
                    timeoutSeconds: Double = 300) throws -> Result {
        let created = DispatchTime.now().uptimeNanoseconds
        func elapsed(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let loop = MainLoop(path: path, rows: rows, cols: cols, graphics: graphics, cell: cell)
        var framesShown = 0
        var sink = 0 // bytes "sent to the terminal", so the drawing is not optimized away

        /// One main-loop turn without the key; returns whether a new frame was shown.
        func turn() -> Bool {
            let (changed, newFrame) = loop.turn()
            if changed || loop.view?.loading == true { sink &+= loop.drawOffscreen() }
            return newFrame
        }

        // Open the file and wait for its first frame.
        while loop.view?.hasFrame != true {
            if let failure = loop.failure { throw Failure(description: failure) }
            if elapsed(since: created) > timeoutSeconds { throw Failure(description: "\(path): no first frame after \(timeoutSeconds) s") }
            _ = turn()
            usleep(200)
        }
        let firstFrame = elapsed(since: created)
        guard let last = loop.view?.lastT, last > 0 else {
            throw Failure(description: "\(path): nothing to step (a single time point)")
        }

        let start = DispatchTime.now().uptimeNanoseconds
        let startCPU = processCPUSeconds()
        var keys = 0
        while true {
            if turn() { framesShown += 1 }
            if let failure = loop.failure { throw Failure(description: failure) }
            guard let v = loop.view else { throw Failure(description: "\(path): the viewer closed") }
            if v.t == last {
                if v.current { break }
                usleep(100) // key released: wait for the last frame like the idle loop does
            } else {
                loop.press("}")
                keys += 1
            }
            if elapsed(since: start) > timeoutSeconds { throw Failure(description: "\(path): stepping took over \(timeoutSeconds) s") }
        }
        let seconds = elapsed(since: start)
        let cpu = processCPUSeconds() - startCPU
        if sink == 42 { print("") }
        let v = loop.view
        return Result(framesShown: framesShown, keysPressed: keys, seconds: seconds, cpuSeconds: cpu, firstFrameSeconds: firstFrame,
                      finalT: v?.t ?? -1, previewCols: v?.previewCols ?? 0, previewRows: v?.previewRows ?? 0,
                      imagePixels: (loop.image?.pixelWidth ?? 0, loop.image?.pixelHeight ?? 0), imageBytes: loop.image?.bytes.count ?? 0)
    }

    private static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
