/// Cells for the lower rungs of the ladder: 16 or 8 fixed ANSI colours, or none (monochrome),
/// and ASCII-only glyphs.
///
/// Per cell it tries every glyph the rung allows — the symbol set's sub-pixel patterns and
/// lower eighths (Unicode only), and "shades" (░▒▓, or the ASCII ramp ` .:-=+*#%@`), which
/// show a mix of their two colours — with every allowed fg/bg pair, and keeps the one with the
/// least squared error in ToneSpace.renderer. For a pattern the error splits into an on and an
/// off term, so each side's best colour is found alone (2·16 tries, not 16²). What a cell cannot
/// show (its mean minus the mean it draws) is carried to the next cells (Floyd–Steinberg over
/// cells), so a gradient between two palette colours reads as a gradient.
enum PaletteCellRenderer {
    /// Floyd–Steinberg weights are scaled by this: full diffusion (1) adds visible worms on
    /// flat areas without changing their mean any better.
    static let diffusion: Float = 0.85

    static let unicodeShades: [(Unicode.Scalar, Float)] = [("\u{2591}", 0.25), ("\u{2592}", 0.5), ("\u{2593}", 0.75)]
    /// The ASCII ramp, by ink: ` .:-=+*#%@`, read as a mix of fg over bg in that proportion.
    static let asciiRamp: [(Unicode.Scalar, Float)] = Array(" .:-=+*#%@".unicodeScalars.enumerated().dropFirst().map { ($0.element, Float($0.offset) / 9) })

    /// `raster` must be `symbols.rasterSize(cols:rows:)`; `colors` one of 16, 8 or none
    /// (truecolor/256 with ASCII glyphs: each cell is a space in the cell's mean colour).
    static func render(raster: RGBRaster, cols: Int, rows: Int, symbols: SymbolSet, style: RenderStyle) -> CellGrid {
        let (cw, ch) = symbols.pixelsPerCell
        precondition(raster.width == cols * cw && raster.height == rows * ch, "PaletteCellRenderer: raster does not fit the cells")
        let fitter = PaletteFitter(symbols: symbols, style: style, palette: style.colors.fixedPalette.map { rampPalette($0, for: raster) })
        var cells = [Cell](repeating: .solid(.black), count: cols * rows)
        // Error carried per cell and channel: this row and the next.
        var carry = [Float](repeating: 0, count: (cols + 2) * 3), next = carry
        raster.pixels.withUnsafeBufferPointer { px in
            for cy in 0..<rows {
                for cx in 0..<cols {
                    let e = (cx + 1) * 3
                    let (cell, residual) = fitter.fit(px, rasterWidth: raster.width, cellX: cx, cellY: cy,
                                                      offset: (carry[e], carry[e + 1], carry[e + 2]))
                    cells[cy * cols + cx] = cell
                    for k in 0..<3 {
                        let r = residual[k] * diffusion / 16
                        carry[e + 3 + k] += 7 * r
                        next[e - 3 + k] += 3 * r
                        next[e + k] += 5 * r
                        next[e + 3 + k] += r
                    }
                }
                carry = next
                for i in next.indices { next[i] = 0 }
            }
        }
        return CellGrid(cols: cols, rows: rows, cells: cells)
    }

    /// For a raster of one hue (a single channel: gray, or a LUT's colour), the palette colours
    /// near that ramp (black to the brightest pixel's colour): mixing distant colours to hit a
    /// gray on average scatters red, cyan and magenta dots over a gray image. Other rasters
    /// keep the whole palette.
    static func rampPalette(_ palette: [RGB8], for raster: RGBRaster) -> [RGB8] {
        guard !palette.isEmpty else { return palette }
        var end = (0, 0, 0), brightest = -1
        let px = raster.pixels
        for i in stride(from: 0, to: px.count, by: 3) where Int(px[i]) + Int(px[i + 1]) + Int(px[i + 2]) > brightest {
            end = (Int(px[i]), Int(px[i + 1]), Int(px[i + 2]))
            brightest = end.0 + end.1 + end.2
        }
        guard brightest > 0 else { return palette }
        let d = (Float(end.0), Float(end.1), Float(end.2)), dd = d.0 * d.0 + d.1 * d.1 + d.2 * d.2
        // Squared distance of a colour from the line through black and `end`.
        func offRamp(_ r: Float, _ g: Float, _ b: Float) -> Float {
            let t = (r * d.0 + g * d.1 + b * d.2) / dd
            let (x, y, z) = (r - t * d.0, g - t * d.1, b - t * d.2)
            return x * x + y * y + z * z
        }
        for i in stride(from: 0, to: px.count, by: 3) where offRamp(Float(px[i]), Float(px[i + 1]), Float(px[i + 2])) > 12 * 12 {
            return palette
        }
        let near = palette.filter { offRamp(Float($0.r), Float($0.g), Float($0.b)) <= 60 * 60 }
        return near.count >= 2 ? near : palette
    }
}

/// The candidates of one rung and the per-cell search.
private final class PaletteFitter {
    struct Pattern { let glyph: Unicode.Scalar; let subMask: Int; let eighths: Int; let onPixels: Int }
    struct Shade { let glyph: Unicode.Scalar; let fraction: Float }
    let cellWidth: Int, cellHeight: Int, subCols: Int, subRows: Int
    let patterns: [Pattern]
    let shades: [Shade]
    /// Colours a glyph's covered part (on) and the rest (off) may take, in sRGB and in tone.
    let onColors: [RGB8], offColors: [RGB8]
    let onTones: [(Float, Float, Float)], offTones: [(Float, Float, Float)]
    /// Truecolor/256 with ASCII: no palette, each cell its mean colour.
    let free: Bool
    let lut = ToneSpace.renderer.fromCode

    /// `palette`: the colours to fit from (nil: free colours; empty: monochrome).
    init(symbols: SymbolSet, style: RenderStyle, palette: [RGB8]?) {
        (cellWidth, cellHeight) = symbols.pixelsPerCell
        (subCols, subRows) = (symbols.subCols, symbols.subRows)
        let k = subCols * subRows, pixels = cellWidth * cellHeight
        free = palette == nil
        let mono = palette?.isEmpty == true
        // Monochrome: glyphs draw the terminal's foreground (taken as white) on its background.
        onColors = mono ? [.white] : (palette ?? [])
        offColors = mono ? [.black] : (palette ?? [])
        let tone = { (c: RGB8) in (ToneSpace.renderer.fromCode[Int(c.r)], ToneSpace.renderer.fromCode[Int(c.g)], ToneSpace.renderer.fromCode[Int(c.b)]) }
        onTones = onColors.map(tone)
        offTones = offColors.map(tone)
        var patterns = [Pattern(glyph: " ", subMask: 0, eighths: 0, onPixels: 0)]
        if style.glyphs == .unicode {
            // With free colours a pattern and its complement are one picture; monochrome
            // needs both (its colours cannot swap).
            for p in 1..<(1 << k) where mono || p & 1 == 0 {
                patterns.append(Pattern(glyph: symbols.glyph(pattern: p), subMask: p, eighths: 0, onPixels: p.nonzeroBitCount * pixels / k))
            }
            if symbols.lowerEighths {
                for e in 1...7 { patterns.append(Pattern(glyph: SymbolSet.lowerEighthGlyph(e), subMask: 0, eighths: e, onPixels: e * pixels / 8)) }
            }
        }
        self.patterns = patterns
        let ramp = style.glyphs == .unicode ? PaletteCellRenderer.unicodeShades : PaletteCellRenderer.asciiRamp
        shades = ramp.map { Shade(glyph: $0.0, fraction: $0.1) }
    }

    /// The best cell for one cell of the raster plus `offset` (error carried in, per pixel),
    /// and what it leaves undrawn per pixel (target mean minus drawn mean).
    func fit(_ px: UnsafeBufferPointer<UInt8>, rasterWidth: Int, cellX: Int, cellY: Int,
             offset: (Float, Float, Float)) -> (Cell, [Float]) {
        let n = cellWidth * cellHeight, bandHeight = cellHeight / subRows
        var sub = [Float](repeating: 0, count: subCols * subRows * 3)
        var row = [Float](repeating: 0, count: cellHeight * 3)
        for y in 0..<cellHeight {
            for x in 0..<cellWidth {
                let i = ((cellY * cellHeight + y) * rasterWidth + cellX * cellWidth + x) * 3
                let s = ((y / bandHeight) * subCols + x) * 3
                let v = (lut[Int(px[i])] + offset.0, lut[Int(px[i + 1])] + offset.1, lut[Int(px[i + 2])] + offset.2)
                sub[s] += v.0; sub[s + 1] += v.1; sub[s + 2] += v.2
                row[y * 3] += v.0; row[y * 3 + 1] += v.1; row[y * 3 + 2] += v.2
            }
        }
        var total: (Float, Float, Float) = (0, 0, 0)
        for y in 0..<cellHeight { total.0 += row[y * 3]; total.1 += row[y * 3 + 1]; total.2 += row[y * 3 + 2] }
        let nf = Float(n)
        if free {
            let lutStart = ToneSpace.renderer
            let mean = RGB8(r: code(total.0 / nf, lutStart), g: code(total.1 / nf, lutStart), b: code(total.2 / nf, lutStart))
            return (.solid(mean), [0, 0, 0])
        }
        // Squared error up to the constant Σ|p|²: count·|c|² − 2 c·S for a region drawn in c.
        func best(_ tones: [(Float, Float, Float)], count: Int, sum: (Float, Float, Float)) -> (Int, Float) {
            var bi = 0, be = Float.infinity
            let w = Float(count)
            for (i, c) in tones.enumerated() {
                let e = w * (c.0 * c.0 + c.1 * c.1 + c.2 * c.2) - 2 * (c.0 * sum.0 + c.1 * sum.1 + c.2 * sum.2)
                if e < be { (bi, be) = (i, e) }
            }
            return (bi, be)
        }
        var bestError = Float.infinity
        var chosen = Cell.solid(.black)
        var drawn: (Float, Float, Float) = (0, 0, 0)
        for p in patterns {
            var on: (Float, Float, Float) = (0, 0, 0)
            if p.eighths > 0 {
                for y in cellHeight - p.eighths * cellHeight / 8..<cellHeight { on.0 += row[y * 3]; on.1 += row[y * 3 + 1]; on.2 += row[y * 3 + 2] }
            } else {
                var m = p.subMask, s = 0
                while m != 0 {
                    if m & 1 != 0 { on.0 += sub[s * 3]; on.1 += sub[s * 3 + 1]; on.2 += sub[s * 3 + 2] }
                    m >>= 1
                    s += 1
                }
            }
            let off = (total.0 - on.0, total.1 - on.1, total.2 - on.2)
            let (a, ea) = p.onPixels == 0 ? (0, 0) : best(onTones, count: p.onPixels, sum: on)
            let (b, eb) = p.onPixels == n ? (0, 0) : best(offTones, count: n - p.onPixels, sum: off)
            if ea + eb < bestError {
                bestError = ea + eb
                let fa = Float(p.onPixels), fb = nf - fa
                let ta = onTones[a], tb = p.onPixels == n ? onTones[a] : offTones[b]
                drawn = ((fa * ta.0 + fb * tb.0) / nf, (fa * ta.1 + fb * tb.1) / nf, (fa * ta.2 + fb * tb.2) / nf)
                if p.onPixels == 0 { chosen = .solid(offColors[b]) } else if p.onPixels == n { chosen = Cell(glyph: p.glyph, fg: onColors[a], bg: onColors[a]) } else { chosen = Cell(glyph: p.glyph, fg: onColors[a], bg: offColors[b]) }
            }
        }
        for s in shades {
            for (a, ta) in onTones.enumerated() {
                for (b, tb) in offTones.enumerated() where onColors[a] != offColors[b] {
                    let m = (s.fraction * ta.0 + (1 - s.fraction) * tb.0, s.fraction * ta.1 + (1 - s.fraction) * tb.1, s.fraction * ta.2 + (1 - s.fraction) * tb.2)
                    let e = nf * (m.0 * m.0 + m.1 * m.1 + m.2 * m.2) - 2 * (m.0 * total.0 + m.1 * total.1 + m.2 * total.2)
                    if e < bestError {
                        bestError = e
                        drawn = m
                        chosen = Cell(glyph: s.glyph, fg: onColors[a], bg: offColors[b])
                    }
                }
            }
        }
        return (chosen, [total.0 / nf - drawn.0, total.1 / nf - drawn.1, total.2 / nf - drawn.2])
    }

    private func code(_ tone: Float, _ space: ToneSpace) -> UInt8 {
        space.codeBoundaries.withUnsafeBufferPointer { b in
            space.startCode.withUnsafeBufferPointer { s in ToneSpace.encode(tone, start: s, boundaries: b) }
        }
    }
}
