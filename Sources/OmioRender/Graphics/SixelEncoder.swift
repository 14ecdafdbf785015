import Foundation

/// DEC sixel: `ESC P 0;1;q`, raster attributes `"1;1;W;H` (square pixels, the image's size),
/// the palette as `#n;2;r;g;b` (percent), then bands of six pixel rows: per colour in the
/// band `#n` and one character per column (63 + six bits, runs as `!N`), `$` back to the band's
/// start for the next colour, `-` to the next band; `ESC \` ends it.
///
/// P2 = 1 (zero bits leave what is behind): every pixel of the image is painted by exactly one
/// colour, so transparency costs nothing inside it, while the rows of the last band below the
/// image's height are not painted over the text line beneath (P2 = 0 would fill them with the
/// background colour).
enum SixelEncoder {
    static func encode(_ raster: RGBRaster, options: GraphicsOptions) -> [UInt8] {
        guard raster.width > 0, raster.height > 0 else { return [] }
        let palette = SixelPalette.fit(raster, registers: min(256, max(2, options.colorRegisters)))
        return write(palette, width: raster.width, height: raster.height)
    }

    /// An upper bound of `encode`'s output for a `width` x `height` raster with `colors`
    /// registers: introducer, raster attributes, terminator and palette, then per band one
    /// `$#n` per colour and `-`, and per pixel at most one (colour, column) entry, which ends
    /// at most two runs (its empty sixels before it, its own character), each at most `!N` plus
    /// a character. The buffer is allocated at this size, never grown.
    static func maxBytes(width: Int, height: Int, colors: Int) -> Int {
        let digits = String(max(width, height)).count
        let bands = (height + 5) / 6
        return 7 + (6 + 2 * digits) + 2 + colors * 18 + bands * (1 + 5 * colors) + width * height * 2 * (2 + digits)
    }

    static func write(_ palette: SixelPalette, width w: Int, height h: Int) -> [UInt8] {
        let k = palette.colors.count
        let capacity = maxBytes(width: w, height: h, colors: k)
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var o = Output(p: buffer.baseAddress!)
            o.bytes([0x1B, 0x50]); o.ascii("0;1;q\"1;1;"); o.number(w); o.byte(0x3B); o.number(h)
            for (n, c) in palette.colors.enumerated() {
                o.byte(0x23); o.number(n); o.ascii(";2;"); o.number(Int(c.r)); o.byte(0x3B); o.number(Int(c.g)); o.byte(0x3B); o.number(Int(c.b))
            }
            // Per band: the (colour, column, bits) of every column's distinct colours (at
            // most six per column), then sorted by colour keeping column order.
            let cap = 6 * w
            let entryColor = UnsafeMutablePointer<UInt8>.allocate(capacity: cap), entryBits = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
            let entryX = UnsafeMutablePointer<Int32>.allocate(capacity: cap), sortedX = UnsafeMutablePointer<Int32>.allocate(capacity: cap)
            let sortedBits = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
            let perColor = UnsafeMutablePointer<Int>.allocate(capacity: 256), start = UnsafeMutablePointer<Int>.allocate(capacity: 257)
            let fill = UnsafeMutablePointer<Int>.allocate(capacity: 256)
            defer { for p in [entryColor, entryBits, sortedBits] as [UnsafeMutablePointer<UInt8>] { p.deallocate() }; entryX.deallocate(); sortedX.deallocate(); perColor.deallocate(); start.deallocate(); fill.deallocate() }
            palette.indices.withUnsafeBufferPointer { idx in
                for y0 in stride(from: 0, to: h, by: 6) {
                    let rowsInBand = min(6, h - y0)
                    var n = 0
                    perColor.initialize(repeating: 0, count: 256)
                    for x in 0..<w {
                        let first = n
                        var p = y0 * w + x
                        for r in 0..<rowsInBand {
                            let c = idx[p]
                            p += w
                            var j = first
                            while j < n && entryColor[j] != c { j += 1 }
                            if j == n {
                                entryColor[n] = c; entryX[n] = Int32(x); entryBits[n] = 0
                                perColor[Int(c)] += 1
                                n += 1
                            }
                            entryBits[j] |= UInt8(1 << r)
                        }
                    }
                    start[0] = 0
                    for c in 0..<256 { start[c + 1] = start[c] + perColor[c]; fill[c] = start[c] }
                    for j in 0..<n {
                        let c = Int(entryColor[j])
                        sortedX[fill[c]] = entryX[j]; sortedBits[fill[c]] = entryBits[j]
                        fill[c] += 1
                    }
                    var firstColor = true
                    for c in 0..<k where perColor[c] > 0 {
                        if !firstColor { o.byte(0x24) } // $
                        firstColor = false
                        o.byte(0x23); o.number(c)
                        var pos: Int32 = 0
                        for j in start[c]..<start[c + 1] {
                            let x = sortedX[j]
                            if x > pos { o.run(63, Int(x - pos)) }
                            o.run(63 + sortedBits[j], 1)
                            pos = x + 1
                        }
                        o.flush()
                    }
                    if y0 + 6 < h { o.byte(0x2D) } // -
                }
            }
            o.bytes([0x1B, 0x5C])
            count = o.p - buffer.baseAddress!
            precondition(count <= capacity, "sixel output past its bound")
        }
    }

    /// Appends to the preallocated buffer; equal characters in a row become one `!N` run.
    private struct Output {
        var p: UnsafeMutablePointer<UInt8>
        var runChar: UInt8 = 0
        var runLength = 0

        @inline(__always) mutating func byte(_ b: UInt8) { p.pointee = b; p += 1 }
        mutating func bytes(_ b: [UInt8]) { for x in b { byte(x) } }
        mutating func ascii(_ s: StaticString) { s.withUTF8Buffer { for x in $0 { byte(x) } } }
        mutating func number(_ v: Int) {
            if v >= 10 { number(v / 10) }
            byte(UInt8(48 + v % 10))
        }
        @inline(__always) mutating func run(_ ch: UInt8, _ length: Int) {
            if ch == runChar { runLength += length; return }
            flush()
            runChar = ch
            runLength = length
        }
        /// Three or fewer repeats are cheaper written out than as `!N`.
        mutating func flush() {
            if runLength > 3 {
                byte(0x21); number(runLength); byte(runChar)
            } else {
                for _ in 0..<runLength { byte(runChar) }
            }
            runChar = 0
            runLength = 0
        }
    }
}
