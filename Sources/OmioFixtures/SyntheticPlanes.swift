import OmioFormats

/// Deterministic test images: a smooth pattern that differs per plane (a disc that moves with
/// Z and T, brightness by channel), mild noise from a fixed seed, and the plane's "T1 Z3 C0"
/// label burned in at the top left, so every plane is distinguishable by eye and by value.
public struct SyntheticPlanes {
    public let width: Int
    public let height: Int
    public let dtype: PixelType
    public var labelled = true
    public var noise = 0.02
    public var seed: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init(width: Int, height: Int, dtype: PixelType) {
        self.width = width
        self.height = height
        self.dtype = dtype
    }

    /// Samples in [0, 1] for plane (t, z, c), row-major.
    public func values(t: Int, z: Int, c: Int) -> [Double] {
        var rng = SplitMix64(seed: seed &+ UInt64(t * 1_000_003 + z * 1009 + c * 7))
        let cx = Double(width) * (0.3 + 0.08 * Double(z % 5)) + Double(t * 6)
        let cy = Double(height) * (0.55 + 0.05 * Double(c % 3))
        let r = Double(min(width, height)) * 0.22
        var out = [Double](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let ramp = 0.15 + 0.25 * Double(x) / Double(width) + 0.1 * Double(y) / Double(height)
                let dx = Double(x) - cx, dy = Double(y) - cy
                let disc = (dx * dx + dy * dy) < r * r ? 0.35 + 0.1 * Double(c) : 0
                out[y * width + x] = min(0.9, ramp + disc + noise * (rng.unit() - 0.5))
            }
        }
        if labelled {
            let label = "T\(t) Z\(z) C\(c)"
            let scale = BitmapFont.textWidth(label, scale: 2) + 4 <= width ? 2 : 1
            BitmapFont.draw(label, x0: 2, y0: 2, scale: scale) { x, y in
                if x < width, y < height { out[y * width + x] = 1 }
            }
        }
        return out
    }

    /// Plane (t, z, c) as little-endian samples of `dtype`.
    public func bytes(t: Int, z: Int, c: Int) -> [UInt8] {
        encode(values(t: t, z: z, c: c), dtype: dtype)
    }
}

/// Scales [0, 1] values into a dtype's natural range (floats stay in [0, 1]) as LE bytes.
public func encode(_ v: [Double], dtype: PixelType) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(v.count * dtype.bytes)
    func append<T>(_ x: T) { withUnsafeBytes(of: x) { out += $0 } }
    for x in v {
        switch dtype {
        case .uint8: out.append(UInt8(x * 255))
        case .int8: out.append(UInt8(bitPattern: Int8(x * 127)))
        case .uint16: append(UInt16(x * 65535).littleEndian)
        case .int16: append(Int16(x * 32767).littleEndian)
        case .uint32: append(UInt32(x * 4_000_000_000).littleEndian)
        case .int32: append(Int32(x * 2_000_000_000).littleEndian)
        case .float32: append(Float(x).bitPattern.littleEndian)
        case .float64: append(x.bitPattern.littleEndian)
        }
    }
    return out
}

/// A small, fast, seedable generator (deterministic across platforms, unlike the system RNG).
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
