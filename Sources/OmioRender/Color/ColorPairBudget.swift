/// A foreground/background pair of palette indices, as ncurses colour pairs hold them.
public struct ColorPair: Sendable, Hashable {
    public var fg: Int
    public var bg: Int

    public init(fg: Int, bg: Int) {
        self.fg = fg
        self.bg = bg
    }
}

/// Fits a frame into a limited number of colour pairs. ncurses' `alloc_pair` never fails: past
/// COLOR_PAIRS it silently recycles the oldest pair and recolours cells already on screen, so a
/// frame must never ask for more pairs than the terminal has.
public enum ColorPairBudget {
    /// Maps every distinct pair in `pairs` (one per cell) to the pair to draw instead, using at
    /// most `maxPairs` distinct pairs. The most used pairs map to themselves; each other pair
    /// merges into the kept pair with the least error (squared CIELAB distance of fg plus of bg).
    /// `palette[i]` is the colour of index i.
    ///
    /// Cost is (distinct − maxPairs) x maxPairs distance checks: cheap for xterm's 64 pairs, and
    /// xterm-256color's 65536 pairs exceed any screen's cell count.
    public static func mapping(for pairs: [ColorPair], maxPairs: Int, palette: [RGB8]) -> [ColorPair: ColorPair] {
        precondition(maxPairs >= 1, "ColorPairBudget: at least one pair is needed")
        var uses: [ColorPair: Int] = [:]
        for p in pairs { uses[p, default: 0] += 1 }
        guard uses.count > maxPairs else {
            return Dictionary(uniqueKeysWithValues: uses.keys.map { ($0, $0) })
        }
        // Most used first; ties broken by value so the same frame always maps the same way.
        let ranked = uses.sorted {
            $0.value != $1.value ? $0.value > $1.value : ($0.key.fg, $0.key.bg) < ($1.key.fg, $1.key.bg)
        }.map(\.key)
        let kept = ranked[..<maxPairs]
        let lab = palette.map(CIELAB.lab)
        var result = Dictionary(uniqueKeysWithValues: kept.map { ($0, $0) })
        for p in ranked[maxPairs...] {
            var best = kept[kept.startIndex]
            var bestError = Float.infinity
            for k in kept {
                let e = CIELAB.distanceSquared(lab[p.fg], lab[k.fg]) + CIELAB.distanceSquared(lab[p.bg], lab[k.bg])
                if e < bestError {
                    bestError = e
                    best = k
                }
            }
            result[p] = best
        }
        return result
    }
}
