import CNcurses
import Foundation
import OmioEngine
import OmioFormats
import OmioRender

/// Puts the preview's cells on the terminal. Truecolor: SGR 38;2/48;2 written directly after
/// ncurses has drawn (colour pairs cannot carry 24-bit colours), only for cells that changed.
/// 256, 16 and 8 colours: ncurses colour pairs, never more in a frame than COLOR_PAIRS allows,
/// with the palette redefined as a ramp of the channel's colour when the terminal has 256
/// colours and allows it (never below 256). No colour: glyphs in the default colours. A mode
/// forced past what ncurses has (`--colors 256` under TERM=screen) is written directly too,
/// as the SGR codes of that mode.
final class PreviewPainter {
    let mode: ColorMode
    private var painted: (grid: CellGrid, x: Int, y: Int)?
    private var pairs: [ColorPair: Int32] = [:]
    private var ramp: PaletteRamp?
    private var nearest: [RGB8: Int] = [:]

    init(mode: ColorMode) { self.mode = mode }

    /// Forget what is on screen (resize, overlays): the next paint redraws every cell.
    func invalidate() { painted = nil }

    /// 256-colour path: draw the cells into ncurses before refresh.
    /// Whether cells bypass ncurses: direct colour, or more colours than ncurses has.
    func paintsDirectly(on screen: Screen) -> Bool {
        switch mode {
        case .truecolor: return true
        case .ansi256: return screen.colorCount < 256
        case .ansi16: return screen.colorCount < 16
        case .ansi8: return screen.colorCount < 8
        case .none: return false
        }
    }

    /// Whether a single channel is drawn through the palette redefined as a ramp of its
    /// colour; its cells should then keep free colours (SliceRequest.paletteRamp).
    func rampsPalette(on screen: Screen) -> Bool {
        mode == .ansi256 && screen.canChangeColor && screen.colorCount >= 256
    }

    /// ncurses path: draw the cells before refresh. True when the colour pairs were reset
    /// meanwhile: text drawn earlier in this frame holds pair numbers that now mean other
    /// colours (black on black), so the frame must be drawn again.
    @discardableResult
    func drawCurses(_ grid: CellGrid, x: Int, y: Int, single: RGBColor?, screen: Screen) -> Bool {
        guard !paintsDirectly(on: screen) else { return false }
        var reset = false
        if mode == .none {
            for row in 0..<grid.rows {
                for col in 0..<grid.cols { screen.cell(y + row, x + col, grid[col, row].glyph, pair: 0) }
            }
            return false
        }
        // A single channel: a palette ramp of its colour gives 240 true shades.
        var wanted: PaletteRamp?
        if let c = single, rampsPalette(on: screen) {
            wanted = PaletteRamp(end: RGB8(r: c.r, g: c.g, b: c.b))
        }
        if wanted != ramp {
            ramp = wanted
            // No ramp now (a composite, another file): the palette's own colours again, which
            // the nearest-colour indices below and the UI's 256-colour styles assume.
            if let w = wanted { screen.definePalette(w.cursesColors) } else { screen.restorePalette() }
            pairs = [:]
            screen.resetPairs()
            reset = true
        }
        let index: (RGB8) -> Int = { c in
            if let r = self.ramp { return r.index(of: c) }
            if self.mode != .ansi256 { return ANSIPalette.index(of: c) } // the renderer's own palette colours
            // Nearest-colour search is 240 CIELAB distances: remember answers across frames.
            if let hit = self.nearest[c] { return hit }
            let i = XTerm256.nearestIndex(to: c)
            if self.nearest.count > 65536 { self.nearest.removeAll(keepingCapacity: true) }
            self.nearest[c] = i
            return i
        }
        var framePairs = [ColorPair](repeating: ColorPair(fg: 0, bg: 0), count: grid.cells.count)
        for (i, cell) in grid.cells.enumerated() { framePairs[i] = ColorPair(fg: index(cell.fg), bg: index(cell.bg)) }
        // Budget: what the terminal has, minus the UI's own pairs and a margin.
        let budget = max(16, screen.pairCount - 32)
        let distinct = Array(Set(framePairs))
        var mapping: [ColorPair: ColorPair] = [:]
        if distinct.count > budget {
            let palette = (0..<256).map { self.ramp?.color(ofIndex: $0) ?? XTerm256.color(ofIndex: $0) }
            mapping = ColorPairBudget.mapping(for: framePairs, maxPairs: budget, palette: palette)
        }
        let needed = Set(distinct.map { mapping[$0] ?? $0 })
        if pairs.count + needed.subtracting(pairs.keys).count > budget {
            pairs = [:]
            screen.resetPairs()
            reset = true
        }
        for row in 0..<grid.rows {
            for col in 0..<grid.cols {
                let k = row * grid.cols + col
                let p = mapping[framePairs[k]] ?? framePairs[k]
                let pair: Int32
                if let hit = pairs[p] {
                    pair = hit
                } else {
                    pair = screen.allocPair(fg: p.fg, bg: p.bg)
                    pairs[p] = pair
                }
                screen.cell(y + row, x + col, grid.cells[k].glyph, pair: pair)
            }
        }
        return reset
    }

    /// Truecolor path: after refresh, write the cells that differ from what is on screen, then
    /// put the cursor back where ncurses left it (at `home`) with attributes reset.
    func paintDirect(_ grid: CellGrid, x: Int, y: Int, home: (Int, Int), screen: Screen) {
        guard paintsDirectly(on: screen) else { return }
        let previous = (painted?.x == x && painted?.y == y && painted?.grid.cols == grid.cols && painted?.grid.rows == grid.rows) ? painted?.grid : nil
        var out = ""
        out.reserveCapacity(grid.cols * grid.rows * 8)
        for row in 0..<grid.rows {
            var col = 0
            var last: (RGB8, RGB8)?
            var cursorAt = -1
            while col < grid.cols {
                let cell = grid[col, row]
                if let prev = previous, prev[col, row] == cell {
                    col += 1
                    continue
                }
                if cursorAt != col { out += "\u{1B}[\(y + row + 1);\(x + col + 1)H" }
                if last == nil || last!.0 != cell.fg || last!.1 != cell.bg {
                    out += sgr(cell)
                    last = (cell.fg, cell.bg)
                }
                out.unicodeScalars.append(cell.glyph)
                col += 1
                cursorAt = col
            }
        }
        if !out.isEmpty {
            out += "\u{1B}[0m\u{1B}[\(home.0 + 1);\(home.1 + 1)H"
            screen.writeRaw(out)
        }
        painted = (grid, x, y)
    }

    /// The SGR sequence for a cell's colours in this mode.
    private func sgr(_ cell: Cell) -> String {
        switch mode {
        case .truecolor:
            return "\u{1B}[38;2;\(cell.fg.r);\(cell.fg.g);\(cell.fg.b);48;2;\(cell.bg.r);\(cell.bg.g);\(cell.bg.b)m"
        case .ansi256:
            return "\u{1B}[38;5;\(XTerm256.nearestIndex(to: cell.fg));48;5;\(XTerm256.nearestIndex(to: cell.bg))m"
        case .ansi16, .ansi8:
            return "\u{1B}[\(ANSIPalette.sgr(ANSIPalette.index(of: cell.fg), background: false));\(ANSIPalette.sgr(ANSIPalette.index(of: cell.bg), background: true))m"
        case .none:
            return "\u{1B}[0m"
        }
    }
}
