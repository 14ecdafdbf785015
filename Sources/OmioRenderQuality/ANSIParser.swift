import OmioRender

/// Reads ANSI block-character art back into a CellGrid: ours (ANSIWriter) or another
/// program's, such as `chafa --format symbols`, so both can be rasterized and measured the
/// same way. Understands SGR resets and 24-bit and 256-colour fg/bg (38;2 48;2 38;5 48;5 39
/// 49, the 16 ANSI colours 30–37/40–47/90–97/100–107, reverse 7/27); other escape sequences (cursor show/hide ...) are skipped. Colours before any SGR are
/// white on black. Lines are rows; every row must hold the same number of glyphs.
public enum ANSIParser {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static let defaultForeground = RGB8.white
    public static let defaultBackground = RGB8.black

    public static func parse(_ text: String) throws -> CellGrid {
        var rows: [[Cell]] = [[]]
        var fg = defaultForeground, bg = defaultBackground
        var inverse = false // SGR 7: fg and bg swap places (monochrome output uses it)
        var scalars = text.unicodeScalars.makeIterator()
        while let s = scalars.next() {
            switch s {
            case "\u{1B}":
                guard scalars.next() == "[" else { continue } // two-byte escape: skipped
                var parameters = ""
                while let c = scalars.next() {
                    if (0x40...0x7E).contains(c.value) { // final byte
                        if c == "m" { try applySGR(parameters, fg: &fg, bg: &bg, inverse: &inverse) }
                        break
                    }
                    parameters.unicodeScalars.append(c)
                }
            case "\n":
                rows.append([])
            case "\r":
                continue
            default:
                rows[rows.count - 1].append(canonical(Cell(glyph: s, fg: inverse ? bg : fg, bg: inverse ? fg : bg)))
            }
        }
        while rows.last?.isEmpty == true { rows.removeLast() }
        let cols = rows.first?.count ?? 0
        if let bad = rows.firstIndex(where: { $0.count != cols }) {
            throw Failure(description: "row \(bad + 1) has \(rows[bad].count) cells, row 1 has \(cols)")
        }
        return CellGrid(cols: cols, rows: rows.count, cells: rows.flatMap { $0 })
    }

    /// The colour a glyph hides takes the one it shows (see Cell).
    private static func canonical(_ cell: Cell) -> Cell {
        switch cell.glyph {
        case " ": return Cell(glyph: " ", fg: cell.bg, bg: cell.bg)
        case "\u{2588}": return Cell(glyph: "\u{2588}", fg: cell.fg, bg: cell.fg)
        default: return cell
        }
    }

    private static func applySGR(_ parameters: String, fg: inout RGB8, bg: inout RGB8, inverse: inout Bool) throws {
        let p = parameters.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
        var i = 0
        func color() throws -> RGB8 { // after 38 or 48: "2;r;g;b" or "5;n"
            func value(_ k: Int, max: Int) throws -> Int {
                guard i + k < p.count, (0...max).contains(p[i + k]) else {
                    throw Failure(description: "bad colour in SGR \"\(parameters)\"")
                }
                return p[i + k]
            }
            switch try value(1, max: 5) {
            case 2:
                defer { i += 4 }
                return RGB8(r: UInt8(try value(2, max: 255)), g: UInt8(try value(3, max: 255)), b: UInt8(try value(4, max: 255)))
            case 5:
                defer { i += 2 }
                return XTerm256.color(ofIndex: try value(2, max: 255))
            default:
                throw Failure(description: "unsupported colour in SGR \"\(parameters)\"")
            }
        }
        while i < p.count {
            switch p[i] {
            case 0: fg = defaultForeground; bg = defaultBackground; inverse = false
            case 38: fg = try color()
            case 48: bg = try color()
            case 39: fg = defaultForeground
            case 49: bg = defaultBackground
            case 7: inverse = true
            case 27: inverse = false
            default:
                if let (index, background) = ANSIPalette.index(sgr: p[i]) {
                    if background { bg = XTerm256.color(ofIndex: index) } else { fg = XTerm256.color(ofIndex: index) }
                } // bold, underline ...: no effect on colour
            }
            i += 1
        }
    }
}
