/// The sample types omio-tui reads, named as NumPy names them (the model's "dtype").
public enum PixelType: String, Sendable, CaseIterable, Codable {
    case uint8, uint16, uint32, int8, int16, int32, float32, float64

    public var bytes: Int {
        switch self {
        case .uint8, .int8: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .float64: return 8
        }
    }

    public var isFloat: Bool { self == .float32 || self == .float64 }
    public var isSigned: Bool { self == .int8 || self == .int16 || self == .int32 || isFloat }

    /// NumPy's little-endian type string, as written in .npy headers and Zarr v2 metadata.
    public var numpyDescr: String {
        switch self {
        case .uint8: return "|u1"
        case .int8: return "|i1"
        case .uint16: return "<u2"
        case .int16: return "<i2"
        case .uint32: return "<u4"
        case .int32: return "<i4"
        case .float32: return "<f4"
        case .float64: return "<f8"
        }
    }

    /// The value range a display maps by default (full range of integers; floats have none).
    public var naturalRange: (Double, Double)? {
        switch self {
        case .uint8: return (0, 255)
        case .uint16: return (0, 65535)
        case .uint32: return (0, 4_294_967_295)
        case .int8: return (-128, 127)
        case .int16: return (-32768, 32767)
        case .int32: return (-2_147_483_648, 2_147_483_647)
        case .float32, .float64: return nil
        }
    }

    /// From TIFF's SampleFormat (1 uint, 2 int, 3 float) and BitsPerSample.
    public init?(tiffSampleFormat format: Int, bitsPerSample bits: Int) {
        switch (format, bits) {
        case (1, 8): self = .uint8
        case (1, 16): self = .uint16
        case (1, 32): self = .uint32
        case (2, 8): self = .int8
        case (2, 16): self = .int16
        case (2, 32): self = .int32
        case (3, 32): self = .float32
        case (3, 64): self = .float64
        default: return nil
        }
    }

    public var tiffSampleFormat: Int { isFloat ? 3 : (isSigned ? 2 : 1) }
}
