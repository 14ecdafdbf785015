/// Coverage of the box-drawing block U+2500–U+257F, drawn on an 8-unit cell the way chafa
/// models glyphs: a light stroke one unit wide through the centre, a heavy one two units.
/// Only needed to rasterize other programs' output (chafa's default symbols include these).
/// Double lines (U+2550–U+256C) are not modelled and read as unknown.
enum BoxDrawing {
    /// Arm weights of U+250C...U+254B, four digits per glyph in the order up, right, down,
    /// left: 0 none, 1 light, 2 heavy (transcribed from the Unicode character names).
    private static let arms: [UInt8] = Array((
        "0110 0210 0120 0220 0011 0012 0021 0022 1100 1200 2100 2200 1001 1002 2001 2002 " +
        "1110 1210 2110 1120 2120 2210 1220 2220 1011 1012 2011 1021 2021 2012 1022 2022 " +
        "0111 0112 0211 0212 0121 0122 0221 0222 1101 1102 1201 1202 2101 2102 2201 2202 " +
        "1111 1112 1211 1212 2111 1121 2121 2112 2211 1122 1221 2212 1222 2122 2221 2222"
    ).utf8.filter { $0 != 32 }.map { $0 - 48 })

    static func covers(_ v: UInt32, x: Double, y: Double) -> Bool? {
        switch v {
        case 0x2500...0x2503: // ─ ━ │ ┃
            let heavy = v & 1 == 1 ? 2 : 1
            return v < 0x2502 ? line(x: x, y: y, up: 0, right: heavy, down: 0, left: heavy)
                              : line(x: x, y: y, up: heavy, right: 0, down: heavy, left: 0)
        case 0x2504...0x250B: // triple and quadruple dashes: ┄ ┅ ┆ ┇ ┈ ┉ ┊ ┋
            return dashed((v - 0x2504) % 4, dashes: v < 0x2508 ? 3 : 4, x: x, y: y)
        case 0x250C...0x254B:
            let a = arms[Int(v - 0x250C) * 4..<Int(v - 0x250C) * 4 + 4].map(Int.init)
            return line(x: x, y: y, up: a[0], right: a[1], down: a[2], left: a[3])
        case 0x254C...0x254F: // double dashes: ╌ ╍ ╎ ╏
            return dashed(v - 0x254C, dashes: 2, x: x, y: y)
        case 0x256D: return line(x: x, y: y, up: 0, right: 1, down: 1, left: 0) // ╭ as ┌
        case 0x256E: return line(x: x, y: y, up: 0, right: 0, down: 1, left: 1) // ╮ as ┐
        case 0x256F: return line(x: x, y: y, up: 1, right: 0, down: 0, left: 1) // ╯ as ┘
        case 0x2570: return line(x: x, y: y, up: 1, right: 1, down: 0, left: 0) // ╰ as └
        case 0x2571: return abs(x - (1 - y)) < 1.0 / 8                    // ╱
        case 0x2572: return abs(x - y) < 1.0 / 8                          // ╲
        case 0x2573: return abs(x - (1 - y)) < 1.0 / 8 || abs(x - y) < 1.0 / 8 // ╳
        case 0x2574...0x257B: // half lines ╴ ╵ ╶ ╷ (light), ╸ ╹ ╺ ╻ (heavy)
            var a = [0, 0, 0, 0] // up, right, down, left
            a[[3, 0, 1, 2][Int(v - 0x2574) % 4]] = v < 0x2578 ? 1 : 2
            return line(x: x, y: y, up: a[0], right: a[1], down: a[2], left: a[3])
        case 0x257C: return line(x: x, y: y, up: 0, right: 2, down: 0, left: 1) // ╼
        case 0x257D: return line(x: x, y: y, up: 1, right: 0, down: 2, left: 0) // ╽
        case 0x257E: return line(x: x, y: y, up: 0, right: 1, down: 0, left: 2) // ╾
        case 0x257F: return line(x: x, y: y, up: 2, right: 0, down: 1, left: 0) // ╿
        default: return nil
        }
    }

    /// Strokes from the centre to the edges; `weight` 0 none, 1 light, 2 heavy.
    private static func line(x: Double, y: Double, up: Int, right: Int, down: Int, left: Int) -> Bool {
        func inStroke(_ t: Double, _ weight: Int) -> Bool {
            weight > 0 && t >= (weight == 2 ? 3.0 : 4.0) / 8 && t < 5.0 / 8
        }
        // Arms overlap the centre band so corners and crossings close.
        return (inStroke(x, up) && y < 5.0 / 8) || (inStroke(x, down) && y >= 3.0 / 8)
            || (inStroke(y, left) && x < 5.0 / 8) || (inStroke(y, right) && x >= 3.0 / 8)
    }

    /// `kind` cycles horizontal light, horizontal heavy, vertical light, vertical heavy.
    private static func dashed(_ kind: UInt32, dashes: Int, x: Double, y: Double) -> Bool {
        let weight = kind % 2 == 0 ? 1 : 2
        let vertical = kind >= 2
        let along = vertical ? y : x
        let phase = (along * Double(dashes)).truncatingRemainder(dividingBy: 1)
        guard phase < 0.5 + 0.5 / Double(dashes) else { return false } // the gap after each dash
        return vertical ? line(x: x, y: y, up: weight, right: 0, down: weight, left: 0)
                        : line(x: x, y: y, up: 0, right: weight, down: 0, left: weight)
    }
}
