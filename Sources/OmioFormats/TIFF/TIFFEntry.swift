/// One IFD entry, its value either inline or at an offset. Values are decoded on request, so
/// opening a file never reads an array (strip offsets, XML) that nobody asked for.
public struct TIFFEntry: Sendable {
    public let tag: UInt16
    public let type: UInt16
    public let count: UInt64
    /// Inline value bytes (already in the entry), or nil when the value lives at `valueOffset`.
    let inline: [UInt8]?
    let valueOffset: UInt64

    /// The first `n` values only: a preview of a long array (StripOffsets of a million strips)
    /// reads and formats 16 values, not all of them.
    func prefix(_ n: Int) -> TIFFEntry {
        guard count > UInt64(n) else { return self }
        let bytes = TIFFEntry.typeSize(type) * n
        return TIFFEntry(tag: tag, type: type, count: UInt64(n), inline: inline.map { Array($0.prefix(bytes)) }, valueOffset: valueOffset)
    }

    /// Bytes per value for TIFF field types; 0 for types this reader does not know.
    public static func typeSize(_ type: UInt16) -> Int {
        switch type {
        case 1, 2, 6, 7: return 1 // BYTE ASCII SBYTE UNDEFINED
        case 3, 8: return 2 // SHORT SSHORT
        case 4, 9, 11, 13: return 4 // LONG SLONG FLOAT IFD
        case 5, 10, 12, 16, 17, 18: return 8 // RATIONAL SRATIONAL DOUBLE LONG8 SLONG8 IFD8
        default: return 0
        }
    }

    public var typeName: String {
        switch type {
        case 1: return "BYTE"
        case 2: return "ASCII"
        case 3: return "SHORT"
        case 4: return "LONG"
        case 5: return "RATIONAL"
        case 6: return "SBYTE"
        case 7: return "UNDEFINED"
        case 8: return "SSHORT"
        case 9: return "SLONG"
        case 10: return "SRATIONAL"
        case 11: return "FLOAT"
        case 12: return "DOUBLE"
        case 13: return "IFD"
        case 16: return "LONG8"
        case 17: return "SLONG8"
        case 18: return "IFD8"
        default: return "type \(type)"
        }
    }

    public var byteCount: UInt64 { count &* UInt64(TIFFEntry.typeSize(type)) }
}

/// Known tag numbers (baseline, extension, and the private tags microscopy files use).
public enum TIFFTag {
    public static let newSubfileType: UInt16 = 254
    public static let imageWidth: UInt16 = 256
    public static let imageLength: UInt16 = 257
    public static let bitsPerSample: UInt16 = 258
    public static let compression: UInt16 = 259
    public static let photometric: UInt16 = 262
    public static let fillOrder: UInt16 = 266
    public static let imageDescription: UInt16 = 270
    public static let software: UInt16 = 305
    public static let stripOffsets: UInt16 = 273
    public static let samplesPerPixel: UInt16 = 277
    public static let rowsPerStrip: UInt16 = 278
    public static let stripByteCounts: UInt16 = 279
    public static let xResolution: UInt16 = 282
    public static let yResolution: UInt16 = 283
    public static let planarConfig: UInt16 = 284
    public static let resolutionUnit: UInt16 = 296
    public static let predictor: UInt16 = 317
    public static let colorMap: UInt16 = 320
    public static let tileWidth: UInt16 = 322
    public static let tileLength: UInt16 = 323
    public static let tileOffsets: UInt16 = 324
    public static let tileByteCounts: UInt16 = 325
    public static let subIFDs: UInt16 = 330
    public static let sampleFormat: UInt16 = 339
    public static let ijMetadataByteCounts: UInt16 = 50838
    public static let ijMetadata: UInt16 = 50839
    public static let lsmInfo: UInt16 = 34412

    public static func name(_ tag: UInt16) -> String {
        names[tag] ?? "Tag\(tag)"
    }

    static let names: [UInt16: String] = [
        254: "NewSubfileType", 255: "SubfileType", 256: "ImageWidth", 257: "ImageLength",
        258: "BitsPerSample", 259: "Compression", 262: "PhotometricInterpretation",
        263: "Thresholding", 266: "FillOrder", 269: "DocumentName", 270: "ImageDescription",
        271: "Make", 272: "Model", 273: "StripOffsets", 274: "Orientation",
        277: "SamplesPerPixel", 278: "RowsPerStrip", 279: "StripByteCounts",
        280: "MinSampleValue", 281: "MaxSampleValue", 282: "XResolution", 283: "YResolution",
        284: "PlanarConfiguration", 285: "PageName", 286: "XPosition", 287: "YPosition",
        296: "ResolutionUnit", 297: "PageNumber", 305: "Software", 306: "DateTime",
        315: "Artist", 316: "HostComputer", 317: "Predictor", 318: "WhitePoint",
        319: "PrimaryChromaticities", 320: "ColorMap", 322: "TileWidth", 323: "TileLength",
        324: "TileOffsets", 325: "TileByteCounts", 330: "SubIFDs", 338: "ExtraSamples",
        339: "SampleFormat", 340: "SMinSampleValue", 341: "SMaxSampleValue",
        347: "JPEGTables", 530: "YCbCrSubSampling", 532: "ReferenceBlackWhite",
        700: "XMP", 33432: "Copyright", 33723: "IPTC", 34377: "Photoshop",
        34412: "CZ_LSMINFO", 34665: "ExifIFD", 34675: "ICCProfile",
        50838: "IJMetadataByteCounts", 50839: "IJMetadata",
        32997: "ImageDepth", 32998: "TileDepth", 65000: "OlympusSIS",
    ]
}

/// TIFF Compression values this project names.
public enum TIFFCompression {
    public static func name(_ c: Int) -> String {
        switch c {
        case 1: return "none"
        case 2: return "CCITT RLE"
        case 3: return "CCITT G3"
        case 4: return "CCITT G4"
        case 32771: return "CCITT RLEW"
        case 5: return "LZW"
        case 6, 7: return "JPEG"
        case 8, 32946: return "Deflate"
        case 32773: return "PackBits"
        case 34925: return "LZMA"
        case 50000: return "ZSTD"
        case 50001: return "WebP"
        case 34887...34889: return "LERC"
        default: return "compression \(c)"
        }
    }
}
