import CNcurses
import Foundation
import OmioEngine
import OmioFormats

/// The main loop: keys and background results in, frames out. It never waits on I/O: every
/// read happens in BackgroundServices, and get_wch times out every 30 ms to drain results.
final class TUIApp {
    let model: AppModel
    let screen = Screen()
    let services = BackgroundServices()
    private let forcedColors: ColorMode?
    private var painter = PreviewPainter(mode: .ansi256)
    private var spinnerFrame = 0
    private var lastOverlay = ""

    init(model: AppModel, colors: ColorMode?) {
        self.model = model
        forcedColors = colors
    }

    /// Direct colour when the terminal says so: COLORTERM=truecolor/24bit, or a terminfo
    /// entry with the RGB capability (xterm-direct and friends). Needs the terminfo loaded.
    static func detectColorMode() -> ColorMode {
        let env = ProcessInfo.processInfo.environment
        if let ct = env["COLORTERM"]?.lowercased(), ct == "truecolor" || ct == "24bit" { return .truecolor }
        let hasRGB = "RGB".withCString { tigetflag(UnsafeMutablePointer(mutating: $0)) } > 0
        return hasRGB ? .truecolor : .ansi256
    }

    func run() {
        screen.start()
        defer { screen.stop() }
        painter = PreviewPainter(mode: forcedColors ?? TUIApp.detectColorMode())
        model.screen = (screen.rows, screen.cols)
        var dirty = true
        while !model.quit && TerminalGuard.terminationSignal == 0 {
            for e in model.takeEffects() { services.run(e) }
            for ev in services.inbox.drain() {
                model.apply(ev)
                dirty = true
            }
            for e in model.takeEffects() { services.run(e) }
            if model.viewer?.loading == true || model.browser.loading {
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
                        model.screen = (screen.rows, screen.cols)
                        painter.invalidate()
                        screen.clearAll()
                    }
                    CrashDrill.runIfAsked(key)
                    model.handle(key)
                    guard let next = nextPendingKey() else { break }
                    key = next
                } while !model.quit
                dirty = true
            }
        }
    }

    private func nextPendingKey() -> Key? {
        timeout(0)
        defer { timeout(30) }
        return screen.readKey()
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
            if painter.mode == .truecolor { screen.clearAll() }
            lastOverlay = overlay
        }
        if let (grid, x, y) = image, !AppView.previewCovered(model) {
            let single: RGBColor? = (model.viewer?.drawnChannels.count == 1) ? .white : nil
            painter.drawCurses(grid, x: x, y: y, single: single, screen: screen)
        }
        let home = (model.layout.status, 0)
        move(Int32(home.0), Int32(home.1))
        screen.refresh()
        if let (grid, x, y) = image, !AppView.previewCovered(model) {
            painter.paintDirect(grid, x: x, y: y, home: home, screen: screen)
        }
    }

    /// The rendered grid and where it goes, when it matches the current layout.
    private func currentImage() -> (CellGrid, Int, Int)? {
        guard let g = model.previewGrid, let grid = model.viewer?.grid, grid.cols == g.cols, grid.rows == g.rows else { return nil }
        return (grid, g.x, g.y)
    }
}
