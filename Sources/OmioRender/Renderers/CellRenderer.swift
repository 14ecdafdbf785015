/// Turns a raster into cells: per cell, the glyph and the two colours closest to its pixels.
///
/// For a split of a cell's N pixels into "on" and "off", the best colours are the means of each
/// group, and the squared error is `Σ|p|² − |S_on|²/n_on − |S_off|²/n_off` (S: sums, n: counts).
/// So the renderer maximizes `|S_on|²/n_on + |S_off|²/n_off` over the glyphs and needs only
/// region sums: sub-pixel sums build the on-sum of every pattern incrementally (one add each),
/// row sums build the eighth blocks. A pattern and its complement draw the same picture with
/// fg and bg swapped, so only glyphs with the top-left in the background are candidates: that
/// halves the work and makes every uniform cell a space. All sums are in ToneSpace.renderer.
/// 160x48 sextant cells take about 2 ms (release build, one core).
public enum CellRenderer {
    /// `raster` must be `symbols.rasterSize(cols:rows:)`.
    public static func render(raster: RGBRaster, cols: Int, rows: Int, symbols: SymbolSet) -> CellGrid {
        let size = symbols.rasterSize(cols: cols, rows: rows)
        precondition(raster.width == size.width && raster.height == size.height,
                     "CellRenderer: raster \(raster.width)x\(raster.height), \(symbols) needs \(size.width)x\(size.height)")
        let fitter = CellFitter(symbols: symbols)
        var cells = [Cell](repeating: .solid(.black), count: cols * rows)
        raster.pixels.withUnsafeBufferPointer { px in
            for cy in 0..<rows {
                for cx in 0..<cols {
                    cells[cy * cols + cx] = fitter.fit(px, rasterWidth: raster.width, cellX: cx, cellY: cy)
                }
            }
        }
        return CellGrid(cols: cols, rows: rows, cells: cells)
    }

    /// The renderer for a rung of the capability ladder: free colours with Unicode glyphs
    /// here, the xterm palette (256) in XTermCellRenderer, everything else (16, 8, no colours;
    /// truecolor with ASCII) in PaletteCellRenderer.
    public static func render(raster: RGBRaster, cols: Int, rows: Int, symbols: SymbolSet, style: RenderStyle) -> CellGrid {
        if style.colors == .ansi256 {
            return XTermCellRenderer.render(raster: raster, cols: cols, rows: rows, symbols: symbols, glyphs: style.glyphs)
        }
        if style.colors.fixedPalette == nil && style.glyphs == .unicode {
            return render(raster: raster, cols: cols, rows: rows, symbols: symbols)
        }
        return PaletteCellRenderer.render(raster: raster, cols: cols, rows: rows, symbols: symbols, style: style)
    }
}

/// The per-cell search, with its tables and scratch allocated once per frame. Sums are kept
/// per channel in separate arrays: plain scalar loops measured faster here than SIMD4 vectors,
/// whose horizontal sums cost shuffles (160x48 sextant cells: 2.6 vs 3.3 ms).
private final class CellFitter {
    let cellWidth: Int, cellHeight: Int, subCols: Int, subRows: Int, patternCount: Int
    let candidateCount: Int, rowsPerEighth: Int
    let lut: UnsafeMutableBufferPointer<Float>         // sRGB code -> tone value
    let startCode: UnsafeMutableBufferPointer<UInt8>   // ToneSpace.encode tables
    let boundaries: UnsafeMutableBufferPointer<Float>
    // Candidates: even patterns (index = pattern / 2), then lower eighths 1...7.
    let glyphs: UnsafeMutableBufferPointer<Unicode.Scalar>
    let onPixels: UnsafeMutableBufferPointer<Int>
    let onWeight: UnsafeMutableBufferPointer<Float>    // 1 / on pixels (0 for none)
    let offWeight: UnsafeMutableBufferPointer<Float>   // 1 / off pixels
    // Scratch, per channel: sums of sub-pixels, pixel rows and candidates' on-pixels; scores.
    let sub: [UnsafeMutableBufferPointer<Float>]
    let row: [UnsafeMutableBufferPointer<Float>]
    let on: [UnsafeMutableBufferPointer<Float>]
    let scores: UnsafeMutableBufferPointer<Float>

    init(symbols: SymbolSet) {
        let (cellWidth, cellHeight) = symbols.pixelsPerCell
        let subCols = symbols.subCols, subRows = symbols.subRows
        precondition(cellWidth == subCols && subCols <= 2 && cellHeight % subRows == 0)
        (self.cellWidth, self.cellHeight, self.subCols, self.subRows) = (cellWidth, cellHeight, subCols, subRows)
        let k = subCols * subRows, pixels = cellWidth * cellHeight
        let patternCount = 1 << (k - 1), candidateCount = patternCount + (symbols.lowerEighths ? 7 : 0)
        (self.patternCount, self.candidateCount, rowsPerEighth) = (patternCount, candidateCount, cellHeight / 8)
        func table<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
            let b = UnsafeMutableBufferPointer<T>.allocate(capacity: values.count)
            _ = b.initialize(from: values)
            return b
        }
        let space = ToneSpace.renderer
        lut = table(space.fromCode)
        startCode = table(space.startCode)
        boundaries = table(space.codeBoundaries)
        let patterns = (0..<patternCount).map { 2 * $0 }
        let eighths = symbols.lowerEighths ? Array(1...7) : []
        glyphs = table(patterns.map(symbols.glyph(pattern:)) + eighths.map(SymbolSet.lowerEighthGlyph))
        let counts = patterns.map { $0.nonzeroBitCount * pixels / k } + eighths.map { $0 * pixels / 8 }
        onPixels = table(counts)
        onWeight = table(counts.map { $0 == 0 ? 0 : 1 / Float($0) })
        offWeight = table(counts.map { 1 / Float(pixels - $0) })
        sub = (0..<3).map { _ in table([Float](repeating: 0, count: k)) }
        row = (0..<3).map { _ in table([Float](repeating: 0, count: cellHeight)) }
        on = (0..<3).map { _ in table([Float](repeating: 0, count: candidateCount)) }
        scores = table([Float](repeating: 0, count: candidateCount))
    }

    deinit {
        for b in [lut, boundaries, onWeight, offWeight, scores] + sub + row + on { b.deallocate() }
        startCode.deallocate()
        glyphs.deallocate()
        onPixels.deallocate()
    }

    func fit(_ px: UnsafeBufferPointer<UInt8>, rasterWidth: Int, cellX: Int, cellY: Int) -> Cell {
        let (subR, subG, subB) = (sub[0], sub[1], sub[2])
        let (rowR, rowG, rowB) = (row[0], row[1], row[2])
        let (onR, onG, onB) = (on[0], on[1], on[2])
        // Every set has one pixel column per sub-pixel column, at most two (SymbolSet), and
        // bands of whole pixel rows per sub-pixel row: so the sums of one band's left and right
        // sub-pixels accumulate in registers, along with each pixel row's sum for the eighths.
        let bandHeight = cellHeight / subRows, twoColumns = cellWidth == 2
        var totalR: Float = 0, totalG: Float = 0, totalB: Float = 0
        for band in 0..<subRows {
            var lr: Float = 0, lg: Float = 0, lb: Float = 0, rr: Float = 0, rg: Float = 0, rb: Float = 0
            for y in band * bandHeight..<(band + 1) * bandHeight {
                let i = ((cellY * cellHeight + y) * rasterWidth + cellX * cellWidth) * 3
                let pr = lut[Int(px[i])], pg = lut[Int(px[i + 1])], pb = lut[Int(px[i + 2])]
                var r = pr, g = pg, b = pb
                lr += pr; lg += pg; lb += pb
                if twoColumns {
                    let qr = lut[Int(px[i + 3])], qg = lut[Int(px[i + 4])], qb = lut[Int(px[i + 5])]
                    rr += qr; rg += qg; rb += qb
                    r += qr; g += qg; b += qb
                }
                rowR[y] = r; rowG[y] = g; rowB[y] = b
            }
            let s = band * subCols
            subR[s] = lr; subG[s] = lg; subB[s] = lb
            if twoColumns { subR[s + 1] = rr; subG[s + 1] = rg; subB[s + 1] = rb }
            totalR += lr + rr; totalG += lg + rg; totalB += lb + rb
        }
        // On-sums: pattern p = 2j adds its lowest sub-pixel to the pattern without it.
        onR[0] = 0; onG[0] = 0; onB[0] = 0
        for j in 1..<patternCount {
            let p = 2 * j, prev = (p & (p - 1)) >> 1, bit = p.trailingZeroBitCount
            onR[j] = onR[prev] + subR[bit]; onG[j] = onG[prev] + subG[bit]; onB[j] = onB[prev] + subB[bit]
        }
        var r: Float = 0, g: Float = 0, b: Float = 0
        for j in patternCount..<candidateCount { // the bottom (j - patternCount + 1) eighths
            let e = j - patternCount + 1
            for y in cellHeight - e * rowsPerEighth..<cellHeight - (e - 1) * rowsPerEighth {
                r += rowR[y]; g += rowG[y]; b += rowB[y]
            }
            onR[j] = r; onG[j] = g; onB[j] = b
        }
        for j in 0..<candidateCount {
            let offR = totalR - onR[j], offG = totalG - onG[j], offB = totalB - onB[j]
            scores[j] = (onR[j] * onR[j] + onG[j] * onG[j] + onB[j] * onB[j]) * onWeight[j]
                + (offR * offR + offG * offG + offB * offB) * offWeight[j]
        }
        var best = 0
        for j in 1..<candidateCount where scores[j] > scores[best] { best = j }
        let start = UnsafeBufferPointer(startCode), bounds = UnsafeBufferPointer(boundaries)
        func encode(_ r: Float, _ g: Float, _ b: Float, _ w: Float) -> RGB8 {
            RGB8(r: ToneSpace.encode(r * w, start: start, boundaries: bounds),
                 g: ToneSpace.encode(g * w, start: start, boundaries: bounds),
                 b: ToneSpace.encode(b * w, start: start, boundaries: bounds))
        }
        let bg = encode(totalR - onR[best], totalG - onG[best], totalB - onB[best], offWeight[best])
        let fg = onPixels[best] == 0 ? bg : encode(onR[best], onG[best], onB[best], onWeight[best])
        // Two groups that round to one colour are a uniform cell: draw a space.
        return fg == bg ? .solid(bg) : Cell(glyph: glyphs[best], fg: fg, bg: bg)
    }
}
