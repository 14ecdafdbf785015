/// Named text styles; the screen maps them to attributes and colours.
enum TextStyle: CaseIterable {
    case normal, dim, bold, title, focusedTitle, selected, selectedDim, warning, error, edited, badge, directory, status, help, accent
}

/// Where views draw text: the ncurses screen, or a character grid in tests.
protocol Canvas: AnyObject {
    var rows: Int { get }
    var cols: Int { get }
    func text(_ y: Int, _ x: Int, _ text: String, style: TextStyle, width: Int?)
    func fill(_ y: Int, _ x: Int, width: Int, style: TextStyle)
}

/// A canvas that keeps characters only: the TUI's screen as text, for tests.
final class TextCanvas: Canvas {
    let rows: Int
    let cols: Int
    private(set) var lines: [[Character]]
    private(set) var styles: [[TextStyle]]

    init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        lines = Array(repeating: Array(repeating: " ", count: cols), count: rows)
        styles = Array(repeating: Array(repeating: .normal, count: cols), count: rows)
    }

    func text(_ y: Int, _ x: Int, _ text: String, style: TextStyle, width: Int?) {
        guard y >= 0, y < rows, x < cols else { return }
        let limit = min(width ?? (cols - x), cols - x)
        var col = x
        for ch in TextWidth.clip(text, to: limit) where col < cols {
            if col >= 0 {
                lines[y][col] = ch
                styles[y][col] = style
            }
            col += 1
        }
    }

    func fill(_ y: Int, _ x: Int, width: Int, style: TextStyle) {
        text(y, x, String(repeating: " ", count: max(0, width)), style: style, width: width)
    }

    /// Puts a preview glyph (tests see which glyphs were drawn).
    func glyph(_ y: Int, _ x: Int, _ g: Unicode.Scalar) {
        guard y >= 0, y < rows, x >= 0, x < cols else { return }
        lines[y][x] = Character(g)
    }

    var text: String { lines.map { String($0) }.joined(separator: "\n") }
    func line(_ y: Int) -> String { String(lines[y]) }
}

extension Canvas {
    func text(_ y: Int, _ x: Int, _ s: String, style: TextStyle = .normal) {
        text(y, x, s, style: style, width: nil)
    }
}
