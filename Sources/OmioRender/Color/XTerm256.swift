/// The xterm 256-colour palette and nearest-colour lookup.
public enum XTerm256 {
    /// The colour of palette index 0...255 as xterm defines it (0–15 are the usual defaults;
    /// many terminals redefine them, which is why `nearestIndex` never picks them).
    public static func color(ofIndex index: Int) -> RGB8 {
        precondition((0...255).contains(index), "XTerm256: no index \(index)")
        switch index {
        case 0..<16:
            return system[index]
        case 16..<232:
            let i = index - 16
            return RGB8(r: cubeLevels[i / 36], g: cubeLevels[i / 6 % 6], b: cubeLevels[i % 6])
        default:
            let v = UInt8(8 + 10 * (index - 232))
            return RGB8(r: v, g: v, b: v)
        }
    }

    /// The index in 16...255 (6x6x6 cube and gray ramp) nearest to `color` in CIELAB.
    public static func nearestIndex(to color: RGB8) -> Int {
        let lab = CIELAB.lab(color)
        var best = 16
        var bestDistance = Float.infinity
        paletteLab.withUnsafeBufferPointer { entries in
            for (i, entry) in entries.enumerated() {
                let d = CIELAB.distanceSquared(lab, entry)
                if d < bestDistance {
                    bestDistance = d
                    best = 16 + i
                }
            }
        }
        return best
    }

    private static let cubeLevels: [UInt8] = [0, 95, 135, 175, 215, 255]

    private static let system: [RGB8] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ].map { RGB8(r: $0.0, g: $0.1, b: $0.2) }

    /// Lab of indices 16...255.
    private static let paletteLab: [SIMD4<Float>] = (16...255).map { CIELAB.lab(color(ofIndex: $0)) }
}
