/// Fill values: numbers, the strings "NaN", "Infinity", "-Infinity", and v3's raw-bits hex
/// strings ("0x7fc00000"); v2's null (chunks never written) reads as 0, as zarr-python does.
enum ZarrFillValue {
    static func parse(_ json: JSONValue?, dtype: PixelType) throws -> Double {
        guard let json else { return 0 }
        switch json {
        case .null: return 0
        case let .number(n):
            // Integers must fit the type (a -1 for uint16 would wrap silently otherwise).
            if !dtype.isFloat, let range = dtype.naturalRange, !(n >= range.0 && n <= range.1 && n == n.rounded()) {
                throw FormatError("fill value \(JSONValue.format(n)) does not fit \(dtype.rawValue)")
            }
            return n
        case let .bool(b): return b ? 1 : 0
        case let .string(s):
            switch s {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: break
            }
            if s.hasPrefix("0x"), let bits = UInt64(s.dropFirst(2), radix: 16) {
                switch dtype {
                case .float32 where bits <= UInt64(UInt32.max): return Double(Float(bitPattern: UInt32(bits)))
                case .float64: return Double(bitPattern: bits)
                default: break
                }
            }
            throw FormatError("fill value '\(s)' is not understood for \(dtype.rawValue)")
        default:
            throw FormatError("fill value is not a number")
        }
    }

    /// One sample of `value` in `dtype`, little-endian.
    static func sample(_ value: Double, dtype: PixelType) -> [UInt8] {
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        switch dtype {
        case .uint8: return [UInt8(value)]
        case .int8: return le(Int8(value))
        case .uint16: return le(UInt16(value))
        case .int16: return le(Int16(value))
        case .uint32: return le(UInt32(value))
        case .int32: return le(Int32(value))
        case .float32: return le(Float(value).bitPattern)
        case .float64: return le(value.bitPattern)
        }
    }
}
