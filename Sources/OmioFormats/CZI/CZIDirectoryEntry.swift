/// One dimension of a CZI subblock (DimensionEntryDV1): where the subblock sits along an axis.
/// X and Y are pixel coordinates (possibly negative); C, Z, T, S, M, ... are indices.
struct CZIDimension: Equatable, Sendable {
    let name: String
    let start: Int
    let size: Int
    /// Pixels stored along X/Y; smaller than `size` in pyramid (downscaled) subblocks.
    let storedSize: Int
}

/// A subblock's directory entry (DirectoryEntryDV), as stored both in the subblock directory
/// and at the head of the subblock itself. Little-endian, 32 bytes plus 20 per dimension.
struct CZIDirectoryEntry: Sendable {
    let pixelType: Int
    let filePosition: UInt64
    let filePart: Int
    let compression: Int
    let pyramidType: Int
    let dimensions: [CZIDimension]

    static let fixedSize = 32
    static let dimensionSize = 20
    /// Real files use at most a dozen axes (XYCZTRIHVBSM); more means a corrupt entry.
    static let maxDimensions = 32

    var byteCount: Int { CZIDirectoryEntry.fixedSize + CZIDirectoryEntry.dimensionSize * dimensions.count }

    func dimension(_ name: String) -> CZIDimension? { dimensions.first { $0.name == name } }

    /// The axes slowest first, as czifile names them ("HTCZYX"); entries store X first.
    var axes: String { dimensions.reversed().map(\.name).joined() }

    /// Parses the entry at `offset` of `bytes`; every field is checked against the buffer.
    static func parse(_ bytes: [UInt8], at offset: Int) throws -> CZIDirectoryEntry {
        let le = ByteOrderReader(bigEndian: false)
        guard offset >= 0, offset + fixedSize <= bytes.count else { throw FormatError("CZI directory entry is cut short") }
        guard bytes[offset] == UInt8(ascii: "D"), bytes[offset + 1] == UInt8(ascii: "V") else {
            throw FormatError("CZI directory entry has schema \"\(ascii(bytes[offset..<offset + 2]))\", expected \"DV\"")
        }
        func i32(_ o: Int) -> Int { Int(Int32(bitPattern: le.u32(bytes, offset + o))) }
        let count = i32(28)
        guard count >= 2, count <= maxDimensions else { throw FormatError("CZI directory entry has \(count) dimensions") }
        guard offset + fixedSize + dimensionSize * count <= bytes.count else { throw FormatError("CZI directory entry is cut short") }
        var dims: [CZIDimension] = []
        for k in 0..<count {
            let o = offset + fixedSize + dimensionSize * k
            let nameBytes = bytes[o..<o + 4].prefix { $0 != 0 }
            guard !nameBytes.isEmpty, nameBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw FormatError("CZI directory entry has an invalid dimension name")
            }
            let start = Int(Int32(bitPattern: le.u32(bytes, o + 4)))
            let size = Int(Int32(bitPattern: le.u32(bytes, o + 8)))
            var stored = Int(Int32(bitPattern: le.u32(bytes, o + 16)))
            guard size >= 0, stored >= 0 else { throw FormatError("CZI dimension \(ascii(nameBytes)) has a negative size") }
            // Some writers leave StoredSize 0 for axes that are not downscaled.
            if stored == 0 { stored = size }
            dims.append(CZIDimension(name: ascii(nameBytes), start: start, size: size, storedSize: stored))
        }
        return CZIDirectoryEntry(pixelType: i32(2), filePosition: le.u64(bytes, offset + 6), filePart: i32(14),
                                 compression: i32(18), pyramidType: Int(bytes[offset + 22]), dimensions: dims)
    }

    static func ascii<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// How a CZI pixel type maps onto a dtype: gray types are one sample, BGR types three
/// (stored blue first), which the reader folds into C.
struct CZIPixelFormat: Equatable, Sendable {
    let code: Int
    let dtype: PixelType
    let samples: Int

    var bytesPerPixel: Int { dtype.bytes * samples }
    var name: String { CZIPixelFormat.name(code) }

    init(code: Int) throws {
        self.code = code
        switch code {
        case 0: (dtype, samples) = (.uint8, 1)  // Gray8
        case 1: (dtype, samples) = (.uint16, 1) // Gray16
        case 2: (dtype, samples) = (.float32, 1) // Gray32Float
        case 3: (dtype, samples) = (.uint8, 3)  // Bgr24
        case 4: (dtype, samples) = (.uint16, 3) // Bgr48
        case 8: (dtype, samples) = (.float32, 3) // Bgr96Float
        case 12: (dtype, samples) = (.int32, 1) // Gray32
        case 13: (dtype, samples) = (.float64, 1) // Gray64Float
        default: throw FormatError("CZI pixel type \(CZIPixelFormat.name(code)) is not supported")
        }
    }

    static func name(_ code: Int) -> String {
        let names = [0: "Gray8", 1: "Gray16", 2: "Gray32Float", 3: "Bgr24", 4: "Bgr48", 8: "Bgr96Float", 9: "Bgra32",
                     10: "Gray64ComplexFloat", 11: "Bgr192ComplexFloat", 12: "Gray32", 13: "Gray64Float"]
        return names[code] ?? "\(code)"
    }
}

/// CZI subblock compression codes (libCZI's CompressionMode).
enum CZICompression {
    static let uncompressed = 0, zstd0 = 5, zstd1 = 6

    static func isSupported(_ code: Int) -> Bool { code == uncompressed || code == zstd0 || code == zstd1 }

    static func name(_ code: Int) -> String {
        switch code {
        case 0: return "uncompressed"
        case 1: return "JPEG"
        case 2: return "LZW"
        case 4: return "JPEG-XR"
        case 5: return "zstd0"
        case 6: return "zstd1"
        case 100...: return "camera-specific (\(code))"
        default: return "\(code)"
        }
    }
}
