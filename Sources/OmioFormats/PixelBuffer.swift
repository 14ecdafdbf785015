/// Samples of one plane region, row-major, little-endian, in the source's dtype.
public struct PixelBuffer: Sendable {
    public let dtype: PixelType
    public let width: Int
    public let height: Int
    public var bytes: [UInt8]

    public init(dtype: PixelType, width: Int, height: Int, bytes: [UInt8]) {
        precondition(bytes.count == width * height * dtype.bytes, "buffer size does not match its shape")
        self.dtype = dtype
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    public init(zeros dtype: PixelType, width: Int, height: Int) {
        self.init(dtype: dtype, width: width, height: height, bytes: [UInt8](repeating: 0, count: width * height * dtype.bytes))
    }

    public var count: Int { width * height }

    /// Every sample as a Double (for statistics and display mapping).
    public func doubles() -> [Double] {
        var out = [Double](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { dst in forEachValue { i, v in dst[i] = v } }
        return out
    }

    /// Every sample as a Float, which display code uses (exact for all integers up to 2^24).
    public func floats() -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { dst in forEachValue { i, v in dst[i] = PixelBuffer.displayFloat(v) } }
        return out
    }

    /// A float64 sample as a Float for display: finite values beyond ±3.4e38 saturate at
    /// Float's largest instead of becoming infinite (which display code treats as "no value").
    @inline(__always)
    public static func displayFloat(_ v: Double) -> Float {
        let m = Double(Float.greatestFiniteMagnitude)
        guard v.isFinite else { return Float(v) } // NaN and ±Inf stay what they are
        return Float(Swift.min(Swift.max(v, -m), m))
    }

    /// Row `y` as Floats into `out` (at least `width` long): display code converts a row at a
    /// time instead of the whole plane.
    @inline(__always)
    public func loadRow(_ y: Int, into out: UnsafeMutableBufferPointer<Float>) {
        let w = width, start = y * w
        bytes.withUnsafeBytes { raw in
            switch dtype {
            case .uint8: let p = raw.bindMemory(to: UInt8.self); for x in 0..<w { out[x] = Float(p[start + x]) }
            case .int8: let p = raw.bindMemory(to: Int8.self); for x in 0..<w { out[x] = Float(p[start + x]) }
            case .uint16: let p = raw.bindMemory(to: UInt16.self); for x in 0..<w { out[x] = Float(p[start + x]) }
            case .int16: let p = raw.bindMemory(to: Int16.self); for x in 0..<w { out[x] = Float(p[start + x]) }
            case .uint32: let p = raw.bindMemory(to: UInt32.self); for x in 0..<w { out[x] = Float(p[start + x]) }
            case .int32: let p = raw.bindMemory(to: Int32.self); for x in 0..<w { out[x] = Float(p[start + x]) }
            case .float32: let p = raw.bindMemory(to: Float.self); for x in 0..<w { out[x] = p[start + x] }
            case .float64: let p = raw.bindMemory(to: Double.self); for x in 0..<w { out[x] = PixelBuffer.displayFloat(p[start + x]) }
            }
        }
    }

    public func value(at i: Int) -> Double {
        bytes.withUnsafeBytes { raw in PixelBuffer.load(raw, dtype, i) }
    }

    /// Calls `body(index, value)` for each sample, decoding the dtype once per call.
    @inline(__always)
    public func forEachValue(_ body: (Int, Double) -> Void) {
        bytes.withUnsafeBytes { raw in
            let n = count
            switch dtype {
            case .uint8: let p = raw.bindMemory(to: UInt8.self); for i in 0..<n { body(i, Double(p[i])) }
            case .int8: let p = raw.bindMemory(to: Int8.self); for i in 0..<n { body(i, Double(p[i])) }
            case .uint16: let p = raw.bindMemory(to: UInt16.self); for i in 0..<n { body(i, Double(p[i])) }
            case .int16: let p = raw.bindMemory(to: Int16.self); for i in 0..<n { body(i, Double(p[i])) }
            case .uint32: let p = raw.bindMemory(to: UInt32.self); for i in 0..<n { body(i, Double(p[i])) }
            case .int32: let p = raw.bindMemory(to: Int32.self); for i in 0..<n { body(i, Double(p[i])) }
            case .float32: let p = raw.bindMemory(to: Float.self); for i in 0..<n { body(i, Double(p[i])) }
            case .float64: let p = raw.bindMemory(to: Double.self); for i in 0..<n { body(i, p[i]) }
            }
        }
    }

    @inline(__always)
    static func load(_ raw: UnsafeRawBufferPointer, _ dtype: PixelType, _ i: Int) -> Double {
        let o = i * dtype.bytes
        switch dtype {
        case .uint8: return Double(raw[o])
        case .int8: return Double(Int8(bitPattern: raw[o]))
        case .uint16: return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self))
        case .int16: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int16.self))
        case .uint32: return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt32.self))
        case .int32: return Double(raw.loadUnaligned(fromByteOffset: o, as: Int32.self))
        case .float32: return Double(raw.loadUnaligned(fromByteOffset: o, as: Float.self))
        case .float64: return raw.loadUnaligned(fromByteOffset: o, as: Double.self)
        }
    }
}

/// Reverses the byte order of every `width`-byte sample in place (big-endian files).
@inline(__always)
func swapBytes(_ buffer: UnsafeMutableRawBufferPointer, width: Int) {
    guard width > 1, let base = buffer.baseAddress else { return }
    let n = buffer.count / width
    let aligned = Int(bitPattern: base) % width == 0
    switch (width, aligned) {
    case (2, true):
        let p = base.assumingMemoryBound(to: UInt16.self)
        for i in 0..<n { p[i] = p[i].byteSwapped }
    case (4, true):
        let p = base.assumingMemoryBound(to: UInt32.self)
        for i in 0..<n { p[i] = p[i].byteSwapped }
    case (8, true):
        let p = base.assumingMemoryBound(to: UInt64.self)
        for i in 0..<n { p[i] = p[i].byteSwapped }
    default:
        for i in 0..<n {
            let lo = i * width
            var hi = lo + width - 1
            var l = lo
            while l < hi {
                buffer.swapAt(l, hi)
                l += 1
                hi -= 1
            }
        }
    }
}
