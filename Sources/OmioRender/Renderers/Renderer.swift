/// What turns the composited raster into what a terminal shows. Each case is one renderer of
/// the capability ladder; the terminal-graphics protocols (kitty, sixel, iTerm2) join as cases
/// beside `.blocks`, with a raster size of the terminal's pixels instead of a glyph grid.
public enum Renderer: Sendable, Equatable {
    /// A glyph and two colours per cell, chosen for least error: free colours with Unicode
    /// glyphs in CellRenderer (truecolor), the xterm palette in XTermCellRenderer (256), the
    /// fixed palettes (16, 8, none) and ASCII in PaletteCellRenderer.
    case blocks(SymbolSet, RenderStyle)

    /// The raster `render` takes for a grid of `cols` x `rows` cells.
    public func rasterSize(cols: Int, rows: Int) -> (width: Int, height: Int) {
        switch self {
        case let .blocks(symbols, _): return symbols.rasterSize(cols: cols, rows: rows)
        }
    }

    /// `raster` must be `rasterSize(cols:rows:)`.
    public func render(raster: RGBRaster, cols: Int, rows: Int) -> CellGrid {
        switch self {
        case let .blocks(symbols, style): return CellRenderer.render(raster: raster, cols: cols, rows: rows, symbols: symbols, style: style)
        }
    }
}
