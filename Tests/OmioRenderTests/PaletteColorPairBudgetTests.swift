import Testing
@testable import OmioRender
@testable import OmioRenderQuality

/// ColorPairBudget: never more pairs than allowed, most used pairs untouched.
struct PaletteColorPairBudgetTests {
    let palette = (0...255).map(XTerm256.color(ofIndex:))

    /// 300 distinct pairs over the gray ramp and cube; pair i used 300 - i times.
    var frame: [ColorPair] {
        var pairs: [ColorPair] = []
        for i in 0..<300 {
            let pair = ColorPair(fg: 16 + i % 240, bg: 232 + (i / 240 + i * 7) % 24)
            pairs += Array(repeating: pair, count: 300 - i)
        }
        return pairs
    }

    @Test(arguments: [64, 65536])
    func neverExceedsTheBudget(maxPairs: Int) {
        let pairs = frame
        let mapping = ColorPairBudget.mapping(for: pairs, maxPairs: maxPairs, palette: palette)
        let distinct = Set(pairs)
        #expect(Set(mapping.keys) == distinct)
        let used = Set(pairs.map { mapping[$0]! })
        #expect(used.count == min(maxPairs, distinct.count))
        // Kept pairs map to themselves, and only kept pairs are targets.
        for target in used { #expect(mapping[target] == target) }
    }

    @Test func keepsTheMostUsedPairsExact() {
        let pairs = frame
        let mapping = ColorPairBudget.mapping(for: pairs, maxPairs: 64, palette: palette)
        var uses: [ColorPair: Int] = [:]
        for p in pairs { uses[p, default: 0] += 1 }
        let top = uses.sorted { $0.value > $1.value }.prefix(64).map(\.key)
        for p in top { #expect(mapping[p] == p) }
    }

    @Test func rarePairMergesIntoItsNearestNeighbour() {
        // Kept: (white on black) and (red on blue); a rare (near-white on near-black) joins the first.
        let pairs = Array(repeating: ColorPair(fg: 231, bg: 16), count: 5)
            + Array(repeating: ColorPair(fg: 196, bg: 21), count: 4)
            + [ColorPair(fg: 255, bg: 232)]
        let mapping = ColorPairBudget.mapping(for: pairs, maxPairs: 2, palette: palette)
        #expect(mapping[ColorPair(fg: 255, bg: 232)] == ColorPair(fg: 231, bg: 16))
        #expect(mapping[ColorPair(fg: 196, bg: 21)] == ColorPair(fg: 196, bg: 21))
    }
}
