import Foundation
import OmioEngine
import OmioFormats
import OmioRender

/// The main loop: keys and background results in, frames out. It never waits on I/O: every
/// read happens in BackgroundServices, and get_wch times out every 30 ms to drain results.
final class TUIApp {
    let model: AppModel
    let screen = Screen()
    private let loop: MainLoop
    private let painter: PreviewPainter
    /// Real pixels instead of `painter`'s cells when a graphics protocol is in use.
    private let images: ImagePainter
    private var spinnerFrame = 0
    private var lastOverlay = ""

    /// `style`: the rung of the capability ladder (TerminalProfile.resolveStyle).
    init(model: AppModel, style: RenderStyle) {
        self.model = model
        loop = MainLoop(model: model)
        model.style = style
        screen.asciiOnly = style.glyphs == .ascii
        switch style.colors {
        case .none: screen.colorLimit = 0
        case .ansi8: screen.colorLimit = 8
        case .ansi16: screen.colorLimit = 16
        case .ansi256: screen.colorLimit = 256
        case .truecolor: screen.colorLimit = Int.max
        }
        painter = PreviewPainter(mode: style.colors)
        images = ImagePainter(choice: model.graphics)
    }

    /// Runs until quit; false (terminal untouched) when ncurses cannot open the terminal.
    func run() -> Bool {
        guard screen.start() else { return false }
        // A crash, like `q`, leaves no image on the screen.
        if images.active { TerminalGuard.arm(graphicsCleanup: images.cleanup) }
        defer {
            images.removeAll(screen)
            screen.stop()
        }
        model.screen = (screen.rows, screen.cols)
        model.paletteRamp = painter.rampsPalette(on: screen)
        var dirty = true
        // Keys typed while the first listing and file load (from the probe's hand-over too) wait
        // for them: `jjj` before the entries exist would move nothing, `m` before the image
        // would do nothing. Ctrl-C acts at once, and q when no key is held; a load that takes longer than
        // `startupHold` stops holding keys.
        var held: [Key] = []
        var starting = true
        let startupHold = DispatchTime.now().uptimeNanoseconds + 3_000_000_000
        while !model.quit && TerminalGuard.terminationSignal == 0 {
            if loop.turn().changed { dirty = true }
            if starting, !(model.openingAtStart || model.viewer?.loading == true || model.browser.loading) || DispatchTime.now().uptimeNanoseconds > startupHold {
                starting = false
                for key in held where !model.quit { model.handle(key) }
                held = []
                dirty = true
            }
            // Requests in flight: the status line's "net: N in flight, X MB" moves too.
            if model.viewer?.loading == true || model.browser.loading || HTTPStats.shared.snapshot.inFlight > 0 {
                spinnerFrame += 1
                dirty = true
            }
            if dirty {
                draw()
                dirty = false
            }
            // Wait up to 30 ms for a key, then take every key already typed (held keys).
            if var key = screen.readKey() {
                repeat {
                    if key == .resize {
                        // A font size change resizes the window: the cell may have changed too.
                        model.terminal.cellPixels = TerminalProbe.remeasure(previous: model.terminal.cellPixels)
                        model.screen = (screen.rows, screen.cols)
                        painter.invalidate()
                        screen.clearAll()
                    }
                    CrashDrill.runIfAsked(key)
                    // `q` quits at once only when nothing is held: after `:` or `/` it is text.
                    if starting, key != .resize, key != .ctrl("c"), key != .char("q") || !held.isEmpty {
                        held.append(key)
                    } else {
                        model.handle(key)
                    }
                    guard let next = screen.readTypedKey() else { break }
                    key = next
                } while !model.quit
                dirty = true
            }
        }
        abandonSlice()
        loop.finishSaves()
        return true
    }

    /// Leaving (by `q` or a signal) while a `:slice` writes: an OME-Zarr's partial folder is
    /// removed here; a file's temporary name is unlinked by the C guard at exit.
    private func abandonSlice() {
        guard model.sliceProgress != nil, let path = model.slicePath else { return }
        if SubStackExport.Format.of(output: path) == .omeZarr { TempOutputs.abandonStore(path) }
    }

    private func draw() {
        screen.erase()
        let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"][(spinnerFrame / 2) % 10]
        AppView.draw(model, on: screen, spinner: spinner)
        let image = currentImage()
        // Directly painted cells are invisible to ncurses: when the image moves, changes size
        // or is covered, ncurses repaints the whole screen (clearing what we painted) and the
        // image is painted again in full.
        let g = model.previewGrid
        let overlay = "\(AppView.previewCovered(model)) \(image == nil) \(screen.rows)x\(screen.cols) \(g.map { "\($0.x),\($0.y),\($0.cols),\($0.rows)" } ?? "-") \(model.viewer?.path ?? "")"
        if overlay != lastOverlay {
            painter.invalidate()
            // kitty's image is deleted now; sixel's pixels go with ncurses' clear.
            images.hide(screen)
            if (!images.active && painter.paintsDirectly(on: screen)) || images.needsClear { screen.clearAll() }
            lastOverlay = overlay
        }
        if let (grid, x, y) = image, !AppView.previewCovered(model), !images.active {
            let single = model.viewer.flatMap { DrawnColors.single(drawn: $0.drawnChannels) }
            if painter.drawCurses(grid, x: x, y: y, single: single, screen: screen) {
                // The pairs were reset (a palette ramp came or went, or the budget ran out):
                // the text drawn above holds stale pair numbers. Once more; the pairs now suffice.
                screen.erase()
                AppView.draw(model, on: screen, spinner: spinner)
                painter.drawCurses(grid, x: x, y: y, single: single, screen: screen)
            }
        }
        let home = (model.layout.status, 0)
        screen.moveCursor(home.0, home.1)
        screen.refresh()
        guard let (grid, x, y) = image, !AppView.previewCovered(model) else { return }
        if images.active {
            // The worker's newest frame; an older one (or none) for this size is not drawn.
            if let v = model.viewer, let picture = v.image, picture.cols == grid.cols, picture.rows == grid.rows {
                images.paint(picture, generation: v.imageGeneration, x: x, y: y, home: home, screen: screen)
            }
        } else {
            painter.paintDirect(grid, x: x, y: y, home: home, screen: screen)
        }
    }

    /// The rendered grid and where it goes, when it matches the current layout.
    private func currentImage() -> (CellGrid, Int, Int)? {
        guard let g = model.previewGrid, let grid = model.viewer?.grid, grid.cols == g.cols, grid.rows == g.rows else { return nil }
        return (grid, g.x, g.y)
    }
}
