/// Writes a CellGrid as ANSI text: one line per row, exactly `cols` glyphs, SGR colour codes
/// only where the colour a glyph shows changes, and a reset at every line end so a line can be
/// printed anywhere without leaking colour. This is what `omio-tui render` prints. With 16 or
/// 8 colours the codes are SGR 30–37/40–47 (bright 90–97/100–107); with none, glyphs only.
public enum ANSIWriter {
    public static func write(_ grid: CellGrid, mode: ColorMode) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(grid.rows * (grid.cols * 24 + 8))
        var indexCache: [RGB8: Int] = [:] // 256 mode: each colour's palette lookup, once
        func code(_ c: RGB8) -> Int {
            switch mode {
            case .truecolor:
                return Int(c.r) << 16 | Int(c.g) << 8 | Int(c.b)
            case .ansi256:
                if let i = indexCache[c] { return i }
                let i = XTerm256.nearestIndex(to: c)
                indexCache[c] = i
                return i
            case .ansi16, .ansi8:
                return ANSIPalette.index(of: c)
            case .none:
                return 0
            }
        }
        func number(_ n: Int) {
            if n >= 10 { number(n / 10) }
            out.append(UInt8(48 + n % 10))
        }
        func color(_ selector: Int, _ c: Int) { // selector 38 (fg) or 48 (bg)
            if mode == .ansi16 || mode == .ansi8 { return number(ANSIPalette.sgr(c, background: selector == 48)) }
            number(selector)
            switch mode {
            case .truecolor:
                out.append(contentsOf: ";2;".utf8)
                number(c >> 16)
                out.append(59)
                number(c >> 8 & 255)
                out.append(59)
                number(c & 255)
            case .ansi256:
                out.append(contentsOf: ";5;".utf8)
                number(c)
            case .ansi16, .ansi8, .none:
                break
            }
        }
        for row in 0..<grid.rows {
            var fg = -1, bg = -1 // unknown at line start
            for col in 0..<grid.cols {
                let cell = grid[col, row]
                // A space shows only bg and a full block only fg: skip the colour nobody sees.
                let f = cell.glyph == " " ? fg : code(cell.fg)
                let b = cell.glyph == "\u{2588}" ? bg : code(cell.bg)
                if mode != .none, f != fg || b != bg {
                    out.append(contentsOf: [27, 91]) // ESC [
                    if f != fg { color(38, f) }
                    if f != fg && b != bg { out.append(59) }
                    if b != bg { color(48, b) }
                    out.append(109) // m
                    fg = f
                    bg = b
                }
                UTF8.encode(cell.glyph) { out.append($0) }
            }
            out.append(contentsOf: "\u{1B}[0m\n".utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
