/// A 5x7 pixel font for burning "T1 Z3 C0" labels into example planes, so a wrong axis
/// order is visible in a render and checkable in a test.
public enum BitmapFont {
    public static let width = 5, height = 7

    static let glyphs: [Character: [String]] = [
        "0": [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
        "1": ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
        "2": [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
        "3": ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],
        "4": ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
        "5": ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
        "6": ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
        "7": ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
        "8": [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
        "9": [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
        "T": ["#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "],
        "Z": ["#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"],
        "C": [" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "],
        "S": [" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "],
        " ": ["     ", "     ", "     ", "     ", "     ", "     ", "     "],
    ]

    /// Calls `set(x, y)` for every lit pixel of `text` drawn at (x0, y0), scaled by `scale`.
    public static func draw(_ text: String, x0: Int, y0: Int, scale: Int, set: (Int, Int) -> Void) {
        for (i, ch) in text.enumerated() {
            guard let rows = glyphs[ch] else { continue }
            for (gy, row) in rows.enumerated() {
                for (gx, bit) in row.enumerated() where bit == "#" {
                    for sy in 0..<scale {
                        for sx in 0..<scale {
                            set(x0 + (i * (width + 1) + gx) * scale + sx, y0 + gy * scale + sy)
                        }
                    }
                }
            }
        }
    }

    public static func textWidth(_ text: String, scale: Int) -> Int { (text.count * (width + 1) - 1) * scale }
}
