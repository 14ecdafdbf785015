/// How one IFD stores its pixels: the geometry and the chunk (strip or tile) grid.
/// Built and validated once per IFD; offsets are loaded only when pixels are read.
public struct TIFFPageLayout: Sendable {
    public let ifdOffset: UInt64
    public let width: Int
    public let height: Int
    public let dtype: PixelType
    /// Bits per stored sample: the dtype's width, or fewer for samples the reader widens (see
    /// `SampleWidening`).
    public let bitsPerSample: Int
    public let samplesPerPixel: Int
    /// PlanarConfiguration 2: each sample in its own set of chunks.
    public let separatePlanes: Bool
    public let compression: Int
    public let photometric: Int
    public let predictor: Int
    /// FillOrder 2: the bits of each stored byte run least significant first. libtiff undoes
    /// it while decoding; uncompressed data the reader reverses itself.
    public let reversedBits: Bool
    /// Chunk size: tiles are tileWidth x tileHeight; strips are width x rowsPerStrip.
    public let chunkWidth: Int
    public let chunkHeight: Int
    public let tiled: Bool
    /// NewSubfileType bit 0: a reduced-resolution copy (thumbnail or pyramid level).
    public let reducedResolution: Bool

    public var bytesPerSample: Int { dtype.bytes }
    public var isPacked: Bool { bitsPerSample != dtype.bytes * 8 }
    public var widening: SampleWidening {
        !isPacked ? .none : dtype == .float32 ? .float16 : .bitStream
    }
    public var chunksAcross: Int { tiled ? (width + chunkWidth - 1) / chunkWidth : 1 }
    public var chunksDown: Int { (height + chunkHeight - 1) / chunkHeight }
    public var chunksPerPlane: Int { chunksAcross * chunksDown }
    /// Samples interleaved in one chunk row (1 when planes are separate).
    public var interleave: Int { separatePlanes ? 1 : samplesPerPixel }
    /// Stored bytes of one chunk row (packed rows start on a byte).
    public var chunkRowBytes: Int { (chunkWidth * interleave * bitsPerSample + 7) / 8 }
    /// Bytes of one chunk row once widened to the dtype.
    public var unpackedRowBytes: Int { chunkWidth * interleave * bytesPerSample }
    public var chunkBytes: Int { chunkRowBytes * chunkHeight }
    public var expectedChunkCount: Int { chunksPerPlane * (separatePlanes ? samplesPerPixel : 1) }

    /// Size of one single-sample plane in bytes (what a reader returns for one channel).
    public var planeBytes: Int { width * height * bytesPerSample }

    public init(container c: TIFFContainer, ifd: TIFFIFD) throws {
        ifdOffset = ifd.offset
        guard let w = try c.integer(ifd, TIFFTag.imageWidth), let h = try c.integer(ifd, TIFFTag.imageLength) else {
            throw FormatError("IFD at offset \(ifd.offset) has no image size")
        }
        guard w > 0, h > 0, w <= 1 << 24, h <= 1 << 24 else {
            throw FormatError("absurd image size \(w)x\(h)")
        }
        width = Int(w)
        height = Int(h)
        let spp = try c.integer(ifd, TIFFTag.samplesPerPixel) ?? 1
        guard spp >= 1, spp <= 64 else { throw FormatError("absurd SamplesPerPixel \(spp)") }
        samplesPerPixel = Int(spp)
        let bitsList = try ifd.entry(TIFFTag.bitsPerSample).map { try c.integers($0) } ?? [1]
        let bits = bitsList.first ?? 1
        guard bitsList.allSatisfy({ $0 == bits }) else {
            throw FormatError("unsupported: samples of different bit depths \(bitsList.map(String.init))")
        }
        let format = try ifd.entry(TIFFTag.sampleFormat).map { try c.integers($0).first ?? 1 } ?? 1
        guard let dtype = PixelType(tiffSampleFormat: Int(format == 4 ? 1 : format), bitsPerSample: Int(bits))
                ?? TIFFPageLayout.packedType(format: format, bits: bits) else {
            throw FormatError("unsupported sample type: \(bits)-bit \(["", "unsigned", "signed", "float", "undefined"][Int(min(format, 4))])")
        }
        self.dtype = dtype
        bitsPerSample = Int(bits)
        separatePlanes = (try c.integer(ifd, TIFFTag.planarConfig) ?? 1) == 2 && samplesPerPixel > 1
        compression = Int(try c.integer(ifd, TIFFTag.compression) ?? 1)
        photometric = Int(try c.integer(ifd, TIFFTag.photometric) ?? 1)
        predictor = Int(try c.integer(ifd, TIFFTag.predictor) ?? 1)
        reversedBits = (try c.integer(ifd, TIFFTag.fillOrder) ?? 1) == 2
        reducedResolution = ((try c.integer(ifd, TIFFTag.newSubfileType) ?? 0) & 1) == 1
        if ifd.has(TIFFTag.tileWidth) || ifd.has(TIFFTag.tileOffsets) {
            guard let tw = try c.integer(ifd, TIFFTag.tileWidth), let th = try c.integer(ifd, TIFFTag.tileLength),
                  tw > 0, th > 0, tw <= 1 << 16, th <= 1 << 16
            else { throw FormatError("tiled image without a valid tile size") }
            tiled = true
            chunkWidth = Int(tw)
            chunkHeight = Int(th)
        } else {
            tiled = false
            chunkWidth = width
            let rps = try c.integer(ifd, TIFFTag.rowsPerStrip) ?? UInt64(height)
            chunkHeight = Int(min(max(rps, 1), UInt64(height)))
        }
        let (rowBytes, o1) = chunkWidth.multipliedReportingOverflow(by: interleave * dtype.bytes) // unpacked: the most memory a chunk needs
        let (total, o2) = rowBytes.multipliedReportingOverflow(by: chunkHeight)
        guard !o1, !o2, total <= 1 << 31 else {
            throw FormatError("absurd chunk size \(chunkWidth)x\(chunkHeight)x\(interleave)")
        }
        // Nor can one chunk decode to more than the file holds (times the compression bound):
        // a 2 KB file claiming 2 GB strips made the store builder, which sizes its buffers by
        // the source's strips, allocate 2 GB before reading a byte.
        let repeatBound = compression == 1 ? TIFFChunkTable.maxUncompressedRepeat : TIFFChunkReader.maxCompressionRatio
        guard UInt64(total) <= c.file.size &* repeatBound &+ (1 << 20) else {
            throw FormatError("absurd chunk size \(chunkWidth)x\(chunkHeight)x\(interleave) for a \(c.file.size)-byte file")
        }
        let (plane, o3) = width.multipliedReportingOverflow(by: height * dtype.bytes * samplesPerPixel)
        guard !o3, plane < 1 << 40 else { throw FormatError("absurd image size \(width)x\(height)") }
        if !TIFFPageLayout.decodable(compression) {
            throw FormatError("unsupported compression: \(TIFFCompression.name(compression))")
        }
        if photometric == 6, compression != 7, compression != 6 {
            throw FormatError("unsupported: YCbCr pixels outside JPEG")
        }
        if compression == 7, photometric == 6, dtype != .uint8 {
            throw FormatError("unsupported: \(dtype.rawValue) JPEG")
        }
    }

    /// Samples without a dtype of their own, and the dtype they widen to (`SampleWidening`).
    static func packedType(format: UInt64, bits: UInt64) -> PixelType? {
        if format == 3, bits == 16 { return .float32 }
        guard format == 1 || format == 4 else { return nil }
        switch bits {
        case 1...7: return .uint8
        case 9...15: return .uint16
        case 17...31: return .uint32
        default: return nil
        }
    }

    /// Compressions the reader can decode: raw in Swift, the rest through libtiff, which on
    /// Debian carries CCITT (bilevel: RLE, G3, G4, RLEW), LZW, Deflate, PackBits, JPEG, LZMA,
    /// ZSTD and WebP codecs.
    static func decodable(_ compression: Int) -> Bool {
        [1, 2, 3, 4, 32771, 5, 6, 7, 8, 32946, 32773, 34925, 50000, 50001].contains(compression)
    }

    /// Chunk index for a tile/strip position and sample.
    public func chunkIndex(row: Int, col: Int, sample: Int) -> Int {
        (separatePlanes ? sample * chunksPerPlane : 0) + row * chunksAcross + col
    }

    /// Rows in the chunk at grid row `row` (the last one may be short for strips; tiles are padded).
    public func rowsInChunk(_ row: Int) -> Int {
        tiled ? chunkHeight : min(chunkHeight, height - row * chunkHeight)
    }
}

/// How the reader turns stored samples that have no dtype of their own into one.
public enum SampleWidening: Sendable {
    case none
    /// Unsigned 1-7, 9-15 and 17-31-bit samples: a bit stream, most significant bit first, each
    /// row starting on a byte; widened to uint8, uint16, uint32. 24-bit samples too: tifffile
    /// and image-tiff read them so in little-endian files as well (checked on the corpus).
    case bitStream
    /// IEEE half floats in the data's byte order; widened to float32.
    case float16
}
