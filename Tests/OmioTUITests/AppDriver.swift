import Foundation
@testable import OmioTUI

/// Drives the TUI's model with keys, running its background work inline, and shows the
/// screen as text: the app's behaviour without a terminal.
final class AppDriver {
    let model: AppModel

    init(path: String, rows: Int = 50, cols: Int = 160, store: AppModel.StoreMode = .memory, cacheDir: String? = nil) {
        _ = AppDriver.isolateHTTPCache
        model = AppModel(path: path, storeMode: store, cacheDir: cacheDir)
        model.screen = (rows, cols)
        pump()
    }

    /// The user's own HTTP chunk cache is not part of any test's cache menu (set once, before
    /// any driver runs an effect: a static let initializes exactly once, race-free).
    static let isolateHTTPCache: Void = {
        EffectRunner.httpCacheEnvironment["XDG_CACHE_HOME"] = "/nonexistent/omio-tui-test-cache"
    }()

    /// Runs queued effects (and the effects their events cause) until none are left.
    func pump() {
        var effects = model.takeEffects()
        while !effects.isEmpty {
            for e in effects { EffectRunner.perform(e, post: model.apply) }
            effects = model.takeEffects()
        }
    }

    func press(_ keys: Key...) {
        for k in keys {
            model.handle(k)
            pump()
        }
    }

    func type(_ text: String) {
        for ch in text { press(.char(ch)) }
    }

    var screen: TextCanvas {
        let c = TextCanvas(rows: model.screen.rows, cols: model.screen.cols)
        AppView.draw(model, on: c, spinner: "*")
        if let g = model.previewGrid, let grid = model.viewer?.grid, !AppView.previewCovered(model) {
            for row in 0..<grid.rows { for col in 0..<grid.cols { c.glyph(g.y + row, g.x + col, grid[col, row].glyph) } }
        }
        return c
    }

    var text: String { screen.text }

    /// Selects a browser entry by name.
    func select(_ name: String) {
        model.browser.select(name: name)
    }
}
