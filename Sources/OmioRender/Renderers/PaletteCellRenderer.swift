/// Cells for the lower rungs of the ladder: 16 or 8 fixed ANSI colours, or none (monochrome),
/// and ASCII-only glyphs.
///
/// Per cell it tries every glyph the rung allows — the symbol set's sub-pixel patterns and
/// lower eighths (Unicode only), and "shades" (░▒▓, or the ASCII ramp ` .:-=+*#%@`), which
/// show a mix of their two colours — with every allowed fg/bg pair, and keeps the one with the
/// least squared error in ToneSpace.renderer. For a pattern the error splits into an on and an
/// off term, so each side's best colour is found alone (2·16 tries, not 16²). The raster is
/// first dithered to the palette (Floyd–Steinberg over pixels), so a gradient between two
/// palette colours reads as a gradient and thin mid-gray lines stay visible.
enum PaletteCellRenderer {
    /// Floyd–Steinberg weights are scaled by this. Measured on the bench's real cell plane
    /// (sextants, 96x48 cells): 0.85 is 0.5–0.6 dB ahead of full diffusion at 16, 8 and no
    /// colours, and keeps the membranes as visible; without dithering thin mid-gray lines vanish.
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
        let tones = fitter.free ? fitter.toneRaster(raster) : fitter.dithered(raster)
        var cells = [Cell](repeating: .solid(.black), count: cols * rows)
        tones.withUnsafeBufferPointer { t in
            for cy in 0..<rows {
                for cx in 0..<cols {
                    cells[cy * cols + cx] = fitter.fit(t, rasterWidth: raster.width, cellX: cx, cellY: cy)
                }
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
        let lut = self.lut
        let tone = { (c: RGB8) in (lut[Int(c.r)], lut[Int(c.g)], lut[Int(c.b)]) }
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

    /// The best cell for one cell of `tones` (the raster in tone values, 3 per pixel).
    func fit(_ tones: UnsafeBufferPointer<Float>, rasterWidth: Int, cellX: Int, cellY: Int) -> Cell {
        let n = cellWidth * cellHeight, bandHeight = cellHeight / subRows
        var sub = [Float](repeating: 0, count: subCols * subRows * 3)
        var row = [Float](repeating: 0, count: cellHeight * 3)
        for y in 0..<cellHeight {
            for x in 0..<cellWidth {
                let i = ((cellY * cellHeight + y) * rasterWidth + cellX * cellWidth + x) * 3
                let s = ((y / bandHeight) * subCols + x) * 3
                let v = (tones[i], tones[i + 1], tones[i + 2])
                sub[s] += v.0; sub[s + 1] += v.1; sub[s + 2] += v.2
                row[y * 3] += v.0; row[y * 3 + 1] += v.1; row[y * 3 + 2] += v.2
            }
        }
        var total: (Float, Float, Float) = (0, 0, 0)
        for y in 0..<cellHeight { total.0 += row[y * 3]; total.1 += row[y * 3 + 1]; total.2 += row[y * 3 + 2] }
        let nf = Float(n)
        if free {
            let space = ToneSpace.renderer
            let mean = RGB8(r: code(total.0 / nf, space), g: code(total.1 / nf, space), b: code(total.2 / nf, space))
            return .solid(mean)
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
                        chosen = Cell(glyph: s.glyph, fg: onColors[a], bg: offColors[b])
                    }
                }
            }
        }
        return chosen
    }

    /// The raster in tone values.
    func toneRaster(_ raster: RGBRaster) -> [Float] {
        raster.pixels.map { lut[Int($0)] }
    }

    /// The raster in tone values, dithered to the palette (Floyd–Steinberg over pixels, in
    /// tone space): a gray between two palette colours becomes a mix of the two at the pixel
    /// scale, which the glyph patterns then draw — thin mid-gray lines stay visible as dotted
    /// lines instead of vanishing into the nearer colour. Diffusion is damped (`diffusion`).
    func dithered(_ raster: RGBRaster) -> [Float] {
        var t = toneRaster(raster)
        let w = raster.width, h = raster.height
        let colors = Array(Set(onColors + offColors)).map { c in (lut[Int(c.r)], lut[Int(c.g)], lut[Int(c.b)]) }
        let k = PaletteCellRenderer.diffusion / 16
        for y in 0..<h {
            for x in 0..<w {
                let i = (y * w + x) * 3
                let v = (t[i], t[i + 1], t[i + 2])
                var best = colors[0], be = Float.infinity
                for c in colors {
                    let e = (v.0 - c.0) * (v.0 - c.0) + (v.1 - c.1) * (v.1 - c.1) + (v.2 - c.2) * (v.2 - c.2)
                    if e < be { (best, be) = (c, e) }
                }
                t[i] = best.0; t[i + 1] = best.1; t[i + 2] = best.2
                let err = [v.0 - best.0, v.1 - best.1, v.2 - best.2]
                for ch in 0..<3 {
                    let e = err[ch] * k
                    if x + 1 < w { t[i + 3 + ch] += 7 * e }
                    if y + 1 < h {
                        let j = i + w * 3
                        if x > 0 { t[j - 3 + ch] += 3 * e }
                        t[j + ch] += 5 * e
                        if x + 1 < w { t[j + 3 + ch] += e }
                    }
                }
            }
        }
        return t
    }

    private func code(_ tone: Float, _ space: ToneSpace) -> UInt8 {
        space.codeBoundaries.withUnsafeBufferPointer { b in
            space.startCode.withUnsafeBufferPointer { s in ToneSpace.encode(tone, start: s, boundaries: b) }
        }
    }
}
