/// Cells for a 256-colour terminal: every colour is an xterm palette entry (the 6x6x6 cube or
/// the 24-step gray ramp, indices 16...255), chosen jointly with the glyph, and the error the
/// palette leaves is carried to the next cells (Floyd–Steinberg on the cell grid).
///
/// Joint fit: for a split of a cell into on and off pixels, the error of drawing them in palette
/// colours q_on, q_off is the free-colour error (CellRenderer) plus `n_on·|q_on − m_on|²
/// + n_off·|q_off − m_off|²` (m: the group means), so each group's best entry is the one
/// nearest its mean, and the glyph is the split whose total is least. Picking the free-colour
/// glyph first and rounding its colours afterwards (what this mode did before) is often a worse
/// cell: a split whose means both sit near palette entries beats a sharper split that does not.
/// Nearest entries need no search: the cube is separable (nearest level per channel) and the
/// gray ramp lies on the diagonal (nearest gray to the channel mean). All in ToneSpace.renderer.
///
/// Diffusion: the palette is coarse (cube steps of 40–95 codes), so without it a smooth stain
/// gradient turns into flat patches and a flat field of an off-palette colour is off by up to
/// half a step everywhere. Each cell's error (its target mean minus the mean it is drawn in)
/// is added, damped, to the targets of the cells ahead and below, scanning rows in
/// alternating directions, so neighbouring cells mix entries towards the local mean colour.
enum XTermCellRenderer {
    /// Floyd–Steinberg weights are scaled by this, and by `smooth / (smooth + v)` for a cell
    /// whose pixels vary by v (tone variance summed over R, G, B). Diffusion keeps local means
    /// but costs detail: mixing two entries to hit a colour between them has about twice the
    /// per-pixel error of the nearer entry. Measured on the bench's 256-colour rows (PSNR at
    /// 8x16 px per cell): 0.75 put the H&E-like slide 0.5 dB behind chafa, 0.5 without the
    /// smoothness weight 0.3 dB behind; 0.3 with it (smooth 0.0003) tied chafa on the slide in
    /// linear light (18.292 dB each); 0.2 or 0.25 stop mixing on a flat off-palette field (its
    /// mean stays 27–50 codes off). 0.3 with the smoothness weight sharpened to 0.0001 keeps flat
    /// fields and gradients mixing (the flat field's mean moves from 20–50 codes off to 0–13) and
    /// puts all three rows ahead in codes and in linear light (slide 18.36 vs 18.29 dB).
    /// Ordered (Bayer 4x4) dithering on the cell grid lost to Floyd–Steinberg at every strength
    /// tried (less mean kept for the same PSNR).
    static let diffusion: Float = 0.3
    /// About the variance of a noise of 6 codes per channel: textured cells, whose glyph
    /// already draws their structure, pass on little error.
    static let smooth: Float = 0.0001

    /// `raster` must be `symbols.rasterSize(cols:rows:)`. ASCII glyphs: spaces only (each cell
    /// one palette colour, still diffused).
    static func render(raster: RGBRaster, cols: Int, rows: Int, symbols: SymbolSet, glyphs: GlyphMode) -> CellGrid {
        let (cw, ch) = symbols.pixelsPerCell
        precondition(raster.width == cols * cw && raster.height == rows * ch, "XTermCellRenderer: raster does not fit the cells")
        let fitter = XTermCellFitter(symbols: symbols, glyphs: glyphs)
        var cells = [Cell](repeating: .solid(.black), count: cols * rows)
        // Error carried into each cell, per channel, for this row and the next (one cell of
        // margin on either side).
        let stride = (cols + 2) * 3
        var carry = [Float](repeating: 0, count: stride * 2)
        let k = diffusion / 16
        raster.pixels.withUnsafeBufferPointer { px in
            carry.withUnsafeMutableBufferPointer { carry in
                for cy in 0..<rows {
                    let here = (cy % 2) * stride, next = ((cy + 1) % 2) * stride
                    for i in next..<next + stride { carry[i] = 0 }
                    // Rows alternate direction so the error does not drift one way.
                    let leftToRight = cy % 2 == 0, ahead = leftToRight ? 3 : -3
                    for step in 0..<cols {
                        let cx = leftToRight ? step : cols - 1 - step
                        let at = here + (cx + 1) * 3, below = next + (cx + 1) * 3
                        let (cell, e) = fitter.fit(px, rasterWidth: raster.width, cellX: cx, cellY: cy,
                                                   carried: (carry[at], carry[at + 1], carry[at + 2]))
                        cells[cy * cols + cx] = cell
                        // Ahead 7, behind-below 3, below 5, ahead-below 1 (sixteenths).
                        let w = k * smooth / (smooth + fitter.variance)
                        for (c, v) in [(0, e.0 * w), (1, e.1 * w), (2, e.2 * w)] {
                            carry[at + ahead + c] += 7 * v
                            carry[below - ahead + c] += 3 * v
                            carry[below + c] += 5 * v
                            carry[below + ahead + c] += v
                        }
                    }
                }
            }
        }
        return CellGrid(cols: cols, rows: rows, cells: cells)
    }
}

/// The xterm palette (16...255) in tone values and its nearest-entry lookup.
final class XTermTonePalette {
    /// Entry i is palette index 16 + i: colour and tone per channel.
    let colors: [RGB8]
    let toneR: UnsafeMutableBufferPointer<Float>, toneG: UnsafeMutableBufferPointer<Float>, toneB: UnsafeMutableBufferPointer<Float>
    /// Cube levels in tone and the midpoints between neighbours; gray ramp in tone, and per
    /// tone bin the ramp step at or below the bin's start.
    let cube: UnsafeMutableBufferPointer<Float>, splits: UnsafeMutableBufferPointer<Float>
    let ramp: UnsafeMutableBufferPointer<Float>, rampBins: UnsafeMutableBufferPointer<Int>
    static let bins = 1024

    init(space: ToneSpace) {
        func table<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
            let b = UnsafeMutableBufferPointer<T>.allocate(capacity: values.count)
            _ = b.initialize(from: values)
            return b
        }
        let lut = space.fromCode
        colors = (16...255).map(XTerm256.color(ofIndex:))
        toneR = table(colors.map { lut[Int($0.r)] })
        toneG = table(colors.map { lut[Int($0.g)] })
        toneB = table(colors.map { lut[Int($0.b)] })
        let levels = [0, 95, 135, 175, 215, 255].map { lut[$0] }
        cube = table(levels)
        splits = table((0..<5).map { (levels[$0] + levels[$0 + 1]) / 2 })
        let grays = (0..<24).map { lut[8 + 10 * $0] }
        ramp = table(grays)
        rampBins = table((0..<Self.bins).map { b in grays.lastIndex { $0 <= Float(b) / Float(Self.bins) } ?? 0 })
    }

    deinit {
        for b in [toneR, toneG, toneB, cube, splits, ramp] { b.deallocate() }
        rampBins.deallocate()
    }

    /// The entry (index - 16) nearest (r, g, b), and its squared distance: the nearest cube
    /// level per channel, or the ramp gray nearest the channel mean, whichever is closer.
    @inline(__always)
    func nearest(_ r: Float, _ g: Float, _ b: Float) -> (Int, Float) {
        let s = splits
        @inline(__always) func level(_ v: Float) -> Int {
            (v > s[0] ? 1 : 0) + (v > s[1] ? 1 : 0) + (v > s[2] ? 1 : 0) + (v > s[3] ? 1 : 0) + (v > s[4] ? 1 : 0)
        }
        let lr = level(r), lg = level(g), lb = level(b)
        let dr = cube[lr] - r, dg = cube[lg] - g, db = cube[lb] - b
        let dc = dr * dr + dg * dg + db * db
        let m = (r + g + b) / 3
        var j = rampBins[min(max(Int(m * Float(Self.bins)), 0), Self.bins - 1)]
        if j < 23, ramp[j + 1] - m < m - ramp[j] { j += 1 }
        let gr = ramp[j] - r, gg = ramp[j] - g, gb = ramp[j] - b
        let dgray = gr * gr + gg * gg + gb * gb
        return dgray < dc ? (216 + j, dgray) : (lr * 36 + lg * 6 + lb, dc)
    }
}

/// The per-cell search, with its tables and scratch allocated once per frame.
private final class XTermCellFitter {
    let cellWidth: Int, cellHeight: Int, subCols: Int, subRows: Int, bandHeight: Int
    let palette = XTermTonePalette(space: .renderer)
    let lut: UnsafeMutableBufferPointer<Float>
    /// Candidates: sub-pixel patterns with the top-left off (index j: pattern 2j; a pattern and
    /// its complement are one picture with fg and bg swapped), then the lower eighths 1...7;
    /// ASCII: the space only.
    let patternCount: Int, candidateCount: Int
    let glyphs: [Unicode.Scalar], onPixels: [Int]
    // Scratch per channel: sums of sub-pixels, of pixel rows, of each candidate's on-pixels.
    let sub: UnsafeMutableBufferPointer<Float>, row: UnsafeMutableBufferPointer<Float>, on: UnsafeMutableBufferPointer<Float>
    /// The last fitted cell's tone variance (summed over channels).
    private(set) var variance: Float = 0

    init(symbols: SymbolSet, glyphs mode: GlyphMode) {
        (cellWidth, cellHeight) = symbols.pixelsPerCell
        (subCols, subRows) = (symbols.subCols, symbols.subRows)
        bandHeight = cellHeight / subRows
        let k = subCols * subRows, pixels = cellWidth * cellHeight
        let unicode = mode == .unicode
        patternCount = unicode ? 1 << (k - 1) : 1
        let eighths = unicode && symbols.lowerEighths ? Array(1...7) : []
        candidateCount = patternCount + eighths.count
        let patterns = (0..<patternCount).map { 2 * $0 }
        glyphs = patterns.map(symbols.glyph(pattern:)) + eighths.map(SymbolSet.lowerEighthGlyph)
        onPixels = patterns.map { $0.nonzeroBitCount * pixels / k } + eighths.map { $0 * pixels / 8 }
        lut = .allocate(capacity: 256)
        _ = lut.initialize(from: ToneSpace.renderer.fromCode)
        sub = .allocate(capacity: k * 3)
        row = .allocate(capacity: cellHeight * 3)
        on = .allocate(capacity: candidateCount * 3)
    }

    deinit {
        for b in [lut, sub, row, on] { b.deallocate() }
    }

    /// The best cell for cell (cellX, cellY) with `carried` added to every pixel's tone, and
    /// the error it leaves: the target mean (clamped to what can be shown) minus the drawn
    /// mean, per channel.
    func fit(_ px: UnsafeBufferPointer<UInt8>, rasterWidth: Int, cellX: Int, cellY: Int,
             carried: (Float, Float, Float)) -> (Cell, (Float, Float, Float)) {
        let n = cellWidth * cellHeight, k = subCols * subRows, perSub = Float(n / k), w = Float(cellWidth)
        for i in 0..<k * 3 { sub[i] = 0 }
        var total: (Float, Float, Float) = (0, 0, 0)
        var squares: Float = 0
        for y in 0..<cellHeight {
            var r: Float = 0, g: Float = 0, b: Float = 0
            let base = ((cellY * cellHeight + y) * rasterWidth + cellX * cellWidth) * 3, band = (y / bandHeight) * subCols
            for x in 0..<cellWidth {
                let i = base + x * 3, s = (band + x) * 3
                let pr = lut[Int(px[i])], pg = lut[Int(px[i + 1])], pb = lut[Int(px[i + 2])]
                sub[s] += pr; sub[s + 1] += pg; sub[s + 2] += pb
                r += pr; g += pg; b += pb
                squares += pr * pr + pg * pg + pb * pb
            }
            row[y * 3] = r + carried.0 * w; row[y * 3 + 1] = g + carried.1 * w; row[y * 3 + 2] = b + carried.2 * w
            total.0 += r; total.1 += g; total.2 += b
        }
        for s in 0..<k {
            sub[s * 3] += carried.0 * perSub; sub[s * 3 + 1] += carried.1 * perSub; sub[s * 3 + 2] += carried.2 * perSub
        }
        let nf = Float(n)
        variance = squares / nf - (total.0 * total.0 + total.1 * total.1 + total.2 * total.2) / (nf * nf)
        total = (total.0 + carried.0 * nf, total.1 + carried.1 * nf, total.2 + carried.2 * nf)
        // On-sums: pattern p = 2j adds its lowest sub-pixel to the pattern without it.
        on[0] = 0; on[1] = 0; on[2] = 0
        for j in 1..<patternCount {
            let p = 2 * j, prev = ((p & (p - 1)) >> 1) * 3, bit = p.trailingZeroBitCount * 3
            on[j * 3] = on[prev] + sub[bit]; on[j * 3 + 1] = on[prev + 1] + sub[bit + 1]; on[j * 3 + 2] = on[prev + 2] + sub[bit + 2]
        }
        var r: Float = 0, g: Float = 0, b: Float = 0
        let rowsPerEighth = cellHeight / 8
        for j in patternCount..<candidateCount { // the bottom (j - patternCount + 1) eighths
            let e = j - patternCount + 1
            for y in cellHeight - e * rowsPerEighth..<cellHeight - (e - 1) * rowsPerEighth {
                r += row[y * 3]; g += row[y * 3 + 1]; b += row[y * 3 + 2]
            }
            on[j * 3] = r; on[j * 3 + 1] = g; on[j * 3 + 2] = b
        }
        // Error up to the constant Σ|p|²: per group −|S|²/n, plus n·(distance of its mean to
        // the entry drawn)².
        var best = 0, bestError = Float.infinity, bestOn = 0, bestOff = 0
        for j in 0..<candidateCount {
            let nOn = Float(onPixels[j]), nOff = nf - nOn
            let oR = on[j * 3], oG = on[j * 3 + 1], oB = on[j * 3 + 2]
            let fR = total.0 - oR, fG = total.1 - oG, fB = total.2 - oB
            let (ib, db) = palette.nearest(fR / nOff, fG / nOff, fB / nOff)
            var e = nOff * db - (fR * fR + fG * fG + fB * fB) / nOff
            var ia = ib
            if nOn > 0 {
                let (i, d) = palette.nearest(oR / nOn, oG / nOn, oB / nOn)
                ia = i
                e += nOn * d - (oR * oR + oG * oG + oB * oB) / nOn
            }
            if e < bestError { (best, bestError, bestOn, bestOff) = (j, e, ia, ib) }
        }
        let fg = palette.colors[bestOn], bg = palette.colors[bestOff]
        let cell = fg == bg ? Cell.solid(bg) : Cell(glyph: glyphs[best], fg: fg, bg: bg)
        let a = Float(onPixels[best]) / nf, c = 1 - a
        func clamp(_ v: Float) -> Float { min(max(v, 0), 1) }
        let t = palette
        let e = (clamp(total.0 / nf) - (a * t.toneR[bestOn] + c * t.toneR[bestOff]),
                 clamp(total.1 / nf) - (a * t.toneG[bestOn] + c * t.toneG[bestOff]),
                 clamp(total.2 / nf) - (a * t.toneB[bestOn] + c * t.toneB[bestOff]))
        return (cell, e)
    }
}
