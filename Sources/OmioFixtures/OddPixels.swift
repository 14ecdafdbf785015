import Foundation
import OmioFormats

/// Generated TIFFs of valid but awkward pixel data (issue 13): NaN and ±Inf, the ends of every
/// dtype's range, constant and all-NaN planes; and RGB images of known colours (issue 14).
public enum OddPixels {
    /// Samples of `dtype` as little-endian bytes, taken as they are (no scaling; integers
    /// clamp to the dtype's range).
    public static func bytes(_ v: [Double], dtype: PixelType) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(v.count * dtype.bytes)
        func append<T>(_ x: T) { withUnsafeBytes(of: x) { out += $0 } }
        func int<T: FixedWidthInteger>(_ x: Double, _: T.Type) -> T {
            x >= Double(T.max) ? T.max : x <= Double(T.min) ? T.min : T(x.rounded())
        }
        for x in v {
            switch dtype {
            case .uint8: out.append(int(x, UInt8.self))
            case .int8: append(int(x, Int8.self))
            case .uint16: append(int(x, UInt16.self).littleEndian)
            case .int16: append(int(x, Int16.self).littleEndian)
            case .uint32: append(int(x, UInt32.self).littleEndian)
            case .int32: append(int(x, Int32.self).littleEndian)
            case .float32: append(Float(x).bitPattern.littleEndian)
            case .float64: append(x.bitPattern.littleEndian)
            }
        }
        return out
    }

    /// A multi-page grey TIFF (pages become T), one page per element of `pages`.
    public static func write(_ path: String, width: Int, height: Int, dtype: PixelType, pages: [[Double]]) throws {
        try AtomicFile.write(to: path) { fd in
            let writer = try TIFFWriter(fd: fd)
            for p in pages {
                precondition(p.count == width * height, "page size")
                _ = try writer.addPage(TIFFPageSpec(width: width, height: height, dtype: dtype), pixels: bytes(p, dtype: dtype))
            }
        }
    }

    /// The extremes of a dtype, with NaN and ±Inf for floats: a page of width x height that
    /// repeats them (a ramp between the ends fills the rest so the plane is not flat).
    public static func extremes(_ dtype: PixelType, count: Int) -> [Double] {
        let ends: [Double]
        switch dtype {
        case .float32: ends = [-3.4e38, 3.4e38, .nan, .infinity, -.infinity, 1e-45, 0]
        case .float64: ends = [-1.7e308, 1.7e308, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, 0]
        case .int32: ends = [Double(Int32.min), Double(Int32.max), 0, -1]
        case .uint32: ends = [0, Double(UInt32.max), 1]
        case .int16: ends = [Double(Int16.min), Double(Int16.max), -1]
        case .int8: ends = [-128, 127, -1]
        default: ends = [0, 1]
        }
        return (0..<count).map { ends[$0 % ends.count] }
    }

    /// An 8-bit RGB TIFF (PhotometricInterpretation 2, 3 samples interleaved): R = 200 everywhere,
    /// G = 180 in the left half, 0 in the right; B = 160 in the top half, 0 in the bottom.
    public static func writeRGB(_ path: String, width: Int, height: Int) throws {
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width { pixels += [200, x < width / 2 ? 180 : 0, y < height / 2 ? 160 : 0] }
        }
        try AtomicFile.write(to: path) { fd in
            var spec = TIFFPageSpec(width: width, height: height, dtype: .uint8)
            spec.samplesPerPixel = 3
            spec.photometric = 2
            _ = try TIFFWriter(fd: fd).addPage(spec, pixels: pixels)
        }
    }
}
