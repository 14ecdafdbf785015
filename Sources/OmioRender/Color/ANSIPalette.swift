/// The terminal's first 16 colours as SGR codes, with xterm's usual RGB values (a terminal may
/// show others: they are never redefined below 256 colours, only assumed for fitting).
public enum ANSIPalette {
    /// Indices 0..<count (8 or 16) as xterm draws them.
    public static func colors(_ count: Int) -> [RGB8] {
        (0..<count).map(XTerm256.color(ofIndex:))
    }

    /// The index of `color` among the first 16 (exact for the renderer's own cells, else the
    /// nearest in RGB).
    public static func index(of color: RGB8, count: Int = 16) -> Int {
        var best = 0, bestDistance = Int.max
        for i in 0..<count {
            let c = XTerm256.color(ofIndex: i)
            let dr = Int(c.r) - Int(color.r), dg = Int(c.g) - Int(color.g), db = Int(c.b) - Int(color.b)
            let d = dr * dr + dg * dg + db * db
            if d < bestDistance { (best, bestDistance) = (i, d) }
        }
        return best
    }

    /// The SGR parameter selecting index 0...15 as foreground or background: 30–37/40–47,
    /// bright 90–97/100–107.
    public static func sgr(_ index: Int, background: Bool) -> Int {
        index < 8 ? (background ? 40 : 30) + index : (background ? 100 : 90) + index - 8
    }

    /// The index an SGR colour parameter selects, and whether it is a background; nil for others.
    package static func index(sgr p: Int) -> (index: Int, background: Bool)? {
        switch p {
        case 30...37: return (p - 30, false)
        case 40...47: return (p - 40, true)
        case 90...97: return (p - 82, false)
        case 100...107: return (p - 92, true)
        default: return nil
        }
    }
}
