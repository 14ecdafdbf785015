/// A palette that is one colour ramp, for terminals that let a program redefine colours
/// (ncurses `init_color`): a single-channel image then gets `count` levels of its own LUT
/// instead of the 6 levels per channel (or 24 grays) of the xterm cube.
///
/// Entry i is `end * i / (count - 1)` in sRGB codes, the same linear map from intensity to
/// colour the channel LUT uses, so LUT colours land on entries, black to `end`.
public struct PaletteRamp: Sendable, Equatable {
    /// The LUT's brightest colour: white for gray, (0, 255, 0) for a green channel.
    public let end: RGB8
    public let count: Int
    /// Palette index of entry 0. The default 16 leaves the 16 system colours alone.
    public let firstIndex: Int

    public init(end: RGB8, count: Int = 240, firstIndex: Int = 16) {
        precondition(end != .black, "PaletteRamp: a ramp to black has one colour")
        precondition(count >= 2 && firstIndex >= 0)
        self.end = end
        self.count = count
        self.firstIndex = firstIndex
    }

    /// The colour of entry `i` (0..<count).
    public func color(entry i: Int) -> RGB8 {
        precondition((0..<count).contains(i), "PaletteRamp: no entry \(i) in \(count)")
        func level(_ c: UInt8) -> UInt8 { UInt8((Int(c) * i * 2 + (count - 1)) / ((count - 1) * 2)) }
        return RGB8(r: level(end.r), g: level(end.g), b: level(end.b))
    }

    /// The colour of palette index `index`, or nil outside the ramp (the system colours).
    public func color(ofIndex index: Int) -> RGB8? {
        (firstIndex..<firstIndex + count).contains(index) ? color(entry: index - firstIndex) : nil
    }

    /// The palette index (firstIndex + entry) nearest to `color` in sRGB: its projection on
    /// the ramp's line, then the closest of that entry and its neighbours, since entries are
    /// rounded to 8 bits and so sit slightly off the line.
    public func index(of color: RGB8) -> Int {
        let e = SIMD3<Double>(Double(end.r), Double(end.g), Double(end.b))
        let c = SIMD3<Double>(Double(color.r), Double(color.g), Double(color.b))
        let t = min(max((c * e).sum() / (e * e).sum(), 0), 1)
        let guess = Int((t * Double(count - 1)).rounded())
        func distance(_ i: Int) -> Int {
            let p = self.color(entry: i)
            let d = SIMD3<Int>(Int(p.r), Int(p.g), Int(p.b)) &- SIMD3<Int>(Int(color.r), Int(color.g), Int(color.b))
            return (d &* d).wrappedSum()
        }
        let best = (max(guess - 1, 0)...min(guess + 1, count - 1)).min { distance($0) < distance($1) }!
        return firstIndex + best
    }

    /// The palette entries in `init_color` terms: components on ncurses' 0...1000 scale.
    public var cursesColors: [CursesColor] {
        (0..<count).map { i in
            let c = color(entry: i)
            func scale(_ v: UInt8) -> Int { (Int(v) * 1000 + 127) / 255 }
            return CursesColor(index: firstIndex + i, r: scale(c.r), g: scale(c.g), b: scale(c.b))
        }
    }
}

/// Arguments for ncurses `init_color(index, r, g, b)`, components 0...1000.
public struct CursesColor: Sendable, Equatable {
    public let index: Int
    public let r: Int
    public let g: Int
    public let b: Int

    public init(index: Int, r: Int, g: Int, b: Int) {
        self.index = index
        self.r = r
        self.g = g
        self.b = b
    }
}
