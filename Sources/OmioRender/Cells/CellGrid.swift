/// One terminal cell: a glyph whose covered part shows `fg` and the rest `bg`.
///
/// Cells are kept canonical so equal pictures compare equal: a space has `fg == bg` and a full
/// block has `bg == fg` (the hidden colour copies the visible one).
public struct Cell: Sendable, Hashable {
    public var glyph: Unicode.Scalar
    public var fg: RGB8
    public var bg: RGB8

    public init(glyph: Unicode.Scalar, fg: RGB8, bg: RGB8) {
        self.glyph = glyph
        self.fg = fg
        self.bg = bg
    }

    /// A cell of one colour.
    public static func solid(_ color: RGB8) -> Cell {
        Cell(glyph: " ", fg: color, bg: color)
    }
}

/// A screenful of cells, row-major. Equatable so a screen can redraw only what changed.
public struct CellGrid: Sendable, Equatable {
    public var cols: Int
    public var rows: Int
    public var cells: [Cell]

    public init(cols: Int, rows: Int, cells: [Cell]) {
        precondition(cols >= 0 && rows >= 0 && cells.count == cols * rows,
                     "CellGrid: \(cells.count) cells for \(cols)x\(rows)")
        self.cols = cols
        self.rows = rows
        self.cells = cells
    }

    public subscript(col: Int, row: Int) -> Cell {
        get { cells[row * cols + col] }
        set { cells[row * cols + col] = newValue }
    }
}
