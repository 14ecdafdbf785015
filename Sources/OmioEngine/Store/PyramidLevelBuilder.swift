import OmioFormats

/// Builds one pyramid level while level-0 bands stream past: takes the finer level's rows in
/// order, averages each 2x2 block (a lone last row or column averages what it has), and hands
/// out full chunk bands. Holds one pending row and one band: memory is bounded by the chunk,
/// never by the plane or the file.
final class PyramidLevelBuilder {
    let array: ZarrArray
    private let inWidth: Int
    private let rowBytes: Int
    private let inRowBytes: Int
    private var pending: [UInt8]
    private var hasPending = false
    private var band: [UInt8]
    private var rowsInBand = 0
    private var bandIndex = 0

    init(array: ZarrArray, inWidth: Int) {
        self.array = array
        self.inWidth = inWidth
        rowBytes = array.shape.x * array.dtype.bytes
        inRowBytes = inWidth * array.dtype.bytes
        pending = [UInt8](repeating: 0, count: inRowBytes)
        band = [UInt8](repeating: 0, count: array.chunkBytes)
    }

    /// Starts a new plane (a plane always ends with `finish`).
    func reset() {
        hasPending = false
        rowsInBand = 0
        bandIndex = 0
    }

    /// Feeds `count` rows of the finer level; `emit(band, index, rows)` receives each full band
    /// (padded to the chunk size) and the number of real rows in it.
    func push(_ rows: UnsafeRawBufferPointer, count: Int, emit: (_ band: [UInt8], _ index: Int, _ rows: Int) throws -> Void) rethrows {
        var r = 0
        if hasPending, count > 0 {
            try pending.withUnsafeBytes { a in try reduce(a.baseAddress!, rows.baseAddress!, emit: emit) }
            hasPending = false
            r = 1
        }
        while r + 1 < count {
            try reduce(rows.baseAddress! + r * inRowBytes, rows.baseAddress! + (r + 1) * inRowBytes, emit: emit)
            r += 2
        }
        if r < count {
            pending.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: rows.baseAddress! + r * inRowBytes, byteCount: inRowBytes) }
            hasPending = true
        }
    }

    /// Ends the plane: the lone last row (odd heights) and the last, partly filled band.
    func finish(emit: (_ band: [UInt8], _ index: Int, _ rows: Int) throws -> Void) rethrows {
        if hasPending {
            try pending.withUnsafeBytes { a in try reduce(a.baseAddress!, nil, emit: emit) }
            hasPending = false
        }
        if rowsInBand > 0 {
            let used = rowsInBand * rowBytes
            band.withUnsafeMutableBytes { b in
                _ = (b.baseAddress! + used).initializeMemory(as: UInt8.self, repeating: 0, count: b.count - used)
            }
            try emit(band, bandIndex, rowsInBand)
            rowsInBand = 0
            bandIndex += 1
        }
    }

    private func reduce(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer?, emit: ([UInt8], Int, Int) throws -> Void) rethrows {
        band.withUnsafeMutableBytes { out in
            let dst = out.baseAddress! + rowsInBand * rowBytes
            switch array.dtype {
            case .uint8: PyramidLevelBuilder.mean(a, b, dst, inWidth, as: UInt8.self)
            case .int8: PyramidLevelBuilder.mean(a, b, dst, inWidth, as: Int8.self)
            case .uint16: PyramidLevelBuilder.mean(a, b, dst, inWidth, as: UInt16.self)
            case .int16: PyramidLevelBuilder.mean(a, b, dst, inWidth, as: Int16.self)
            case .uint32: PyramidLevelBuilder.mean(a, b, dst, inWidth, as: UInt32.self)
            case .int32: PyramidLevelBuilder.mean(a, b, dst, inWidth, as: Int32.self)
            case .float32: PyramidLevelBuilder.mean(a, b, dst, inWidth, as: Float.self)
            case .float64: PyramidLevelBuilder.mean(a, b, dst, inWidth, as: Double.self)
            }
        }
        rowsInBand += 1
        if rowsInBand == array.chunkRows {
            try emit(band, bandIndex, rowsInBand)
            rowsInBand = 0
            bandIndex += 1
        }
    }

    /// Integer means round half up in a 64-bit sum (exact for every 32-bit type): the arithmetic
    /// shift floors, so negative values round the same way as positive ones.
    @inline(__always)
    static func mean<T: FixedWidthInteger>(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer?, _ dst: UnsafeMutableRawPointer,
                                           _ inWidth: Int, as _: T.Type) {
        let p = a.assumingMemoryBound(to: T.self)
        let out = dst.assumingMemoryBound(to: T.self)
        let pairs = inWidth / 2
        if let b {
            let q = b.assumingMemoryBound(to: T.self)
            for x in 0..<pairs {
                let s = Int64(p[2 * x]) + Int64(p[2 * x + 1]) + Int64(q[2 * x]) + Int64(q[2 * x + 1])
                out[x] = T(truncatingIfNeeded: (s + 2) >> 2)
            }
            if inWidth % 2 == 1 { out[pairs] = T(truncatingIfNeeded: (Int64(p[inWidth - 1]) + Int64(q[inWidth - 1]) + 1) >> 1) }
        } else {
            for x in 0..<pairs {
                out[x] = T(truncatingIfNeeded: (Int64(p[2 * x]) + Int64(p[2 * x + 1]) + 1) >> 1)
            }
            if inWidth % 2 == 1 { out[pairs] = p[inWidth - 1] }
        }
    }

    /// Float means add in Double: the same result whatever order the samples come in. NaN and
    /// ±Inf samples are left out (one NaN must not blank a whole 2x2 block at every coarser
    /// level). A block with no finite sample keeps its infinity when it holds only one sign of
    /// it (an all-+Inf block is +Inf at every level, as the display draws it), else is NaN
    /// (+Inf with -Inf, or only NaN). Float64 sums near ±1.7e308 overflow, and
    /// are then taken as a sum of fractions instead.
    @inline(__always)
    static func mean<T: BinaryFloatingPoint>(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer?, _ dst: UnsafeMutableRawPointer,
                                             _ inWidth: Int, as _: T.Type) {
        let p = a.assumingMemoryBound(to: T.self)
        let out = dst.assumingMemoryBound(to: T.self)
        let pairs = inWidth / 2
        if let b {
            let q = b.assumingMemoryBound(to: T.self)
            for x in 0..<pairs {
                out[x] = T(finiteMean(Double(p[2 * x]), Double(p[2 * x + 1]), Double(q[2 * x]), Double(q[2 * x + 1])))
            }
            if inWidth % 2 == 1 { out[pairs] = T(finiteMean(Double(p[inWidth - 1]), Double(q[inWidth - 1]))) }
        } else {
            for x in 0..<pairs { out[x] = T(finiteMean(Double(p[2 * x]), Double(p[2 * x + 1]))) }
            if inWidth % 2 == 1 { out[pairs] = T(finiteMean(Double(p[inWidth - 1]))) }
        }
    }

    /// The mean of the finite values among up to four (NaN stands in for absent ones).
    @inline(__always)
    static func finiteMean(_ a: Double, _ b: Double = .nan, _ c: Double = .nan, _ d: Double = .nan) -> Double {
        var sum = 0.0, n = 0.0
        var positive = false, negative = false
        func take(_ v: Double) {
            if v.isFinite {
                sum += v
                n += 1
            } else if v.isInfinite {
                if v > 0 { positive = true } else { negative = true }
            }
        }
        take(a)
        take(b)
        take(c)
        take(d)
        guard n > 0 else { return positive == negative ? .nan : positive ? .infinity : -.infinity }
        if sum.isFinite { return sum / n }
        sum = 0
        for v in [a, b, c, d] where v.isFinite { sum += v / n }
        return sum
    }
}
