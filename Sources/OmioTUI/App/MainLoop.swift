import Foundation
import OmioRender

/// The main loop's turn without the terminal: start the effects the model asked for, apply
/// the background work that finished, start what that asked for. TUIApp runs it before every
/// key wait; `omio-devtool bench` drives the same turn headless (hence the `package` surface:
/// the devtool may drive the app, the product exports nothing).
package final class MainLoop {
    let model: AppModel
    let services = BackgroundServices()
    /// The newest slice generation whose result arrived.
    package private(set) var shownGeneration = 0

    init(model: AppModel) { self.model = model }

    /// A model for `path` on a screen of `rows` x `cols`, as `omio-tui PATH` starts.
    /// `graphics` and `cell`: the preview as real pixels through that protocol, with cells of
    /// that size (what detection and the probe would set), for the bench's stepping case.
    package convenience init(path: String, rows: Int, cols: Int, graphics: GraphicsProtocol? = nil, cell: CellPixels? = nil) {
        let model = AppModel(path: path)
        model.screen = (rows, cols)
        if let graphics { model.graphics = GraphicsChoice(proto: graphics) }
        if let cell { model.cellOverride = cell }
        self.init(model: model)
    }

    /// Whether anything arrived (the screen needs a redraw) and whether a new frame did.
    @discardableResult
    package func turn() -> (changed: Bool, newFrame: Bool) {
        for e in model.takeEffects() { services.run(e) }
        var changed = false, newFrame = false
        for ev in services.inbox.drain() {
            // A remote image's full pass comes after its coarse pass with the same generation.
            if case let .sliced(generation, .success(r)) = ev, generation > shownGeneration || (generation == shownGeneration && !r.coarse) {
                shownGeneration = generation
                newFrame = true
            }
            model.apply(ev)
            changed = true
        }
        for e in model.takeEffects() { services.run(e) }
        return (changed, newFrame)
    }

    /// Leaving: a correction made just before `q` is saved before the process ends. Saves run
    /// on the open queue; one the model asked for but the loop did not start yet (q in the
    /// same batch of keys), or one still queued behind an open, would be dropped by the exit.
    package func finishSaves() {
        for e in model.takeEffects() {
            if case .saveOverlay = e { services.run(e) }
        }
        services.waitForSaves()
    }

    /// A typed character, as the key handler receives it.
    package func press(_ c: Character) { model.handle(.char(c)) }

    /// What a driver without a screen needs to know about the open file.
    package struct ViewState {
        package let t: Int
        package let lastT: Int
        /// Some frame of the file is on screen.
        package let hasFrame: Bool
        /// The newest requested frame has arrived and is on screen.
        package let current: Bool
        package let loading: Bool
        package let previewCols: Int
        package let previewRows: Int
    }

    /// The preview's newest encoded image (real pixels), nil with blocks.
    package var image: TerminalImage? { model.viewer?.image }

    /// nil while no file is open (or it failed: see `failure`).
    package var view: ViewState? {
        guard let v = model.viewer, v.error == nil else { return nil }
        let g = model.previewGrid
        return ViewState(t: v.t, lastT: v.shape.t - 1, hasFrame: v.grid != nil, current: v.grid != nil && shownGeneration == model.sliceGeneration,
                         loading: v.loading, previewCols: g?.cols ?? 0, previewRows: g?.rows ?? 0)
    }

    /// Why the file did not open or draw, when it did not.
    package var failure: String? {
        if let e = model.viewer?.error { return "\(model.viewer?.path ?? ""): \(e)" }
        if model.viewer == nil, let m = model.message, m.isError { return m.text }
        return nil
    }

    /// The frame drawn on a text canvas instead of the terminal: panes and status line (ncurses
    /// erases and redraws the same way) and the preview as the truecolor painter's SGR text.
    /// Returns the bytes a terminal would be sent.
    package func drawOffscreen() -> Int {
        let canvas = TextCanvas(rows: model.screen.rows, cols: model.screen.cols)
        AppView.draw(model, on: canvas, spinner: "⠋")
        // Real pixels: the encoded image is what the terminal would be sent.
        if let image = model.viewer?.image { return image.bytes.count + canvas.rows }
        guard let g = model.previewGrid, let grid = model.viewer?.grid, grid.cols == g.cols, grid.rows == g.rows else { return 0 }
        for row in 0..<grid.rows {
            for col in 0..<grid.cols { canvas.glyph(g.y + row, g.x + col, grid[col, row].glyph) }
        }
        return ANSIWriter.write(grid, mode: .truecolor).utf8.count + canvas.rows
    }
}
