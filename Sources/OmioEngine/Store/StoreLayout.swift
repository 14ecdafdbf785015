import OmioFormats

/// The geometry of a store: one array per pyramid level and how each is chunked.
struct StoreLayout {
    /// A whole plane is one chunk up to this size; larger planes are cut into bands of rows
    /// no larger than this (unless one source strip or tile row is larger still).
    static let maxChunkBytes = 4 << 20
    /// The most a band may take to follow the source's strips or tiles. Beyond it, bands are
    /// cut to `maxChunkBytes` and a tall strip or tile row is read once per band: slower, but a
    /// build holds a few bands at a time (queue, writers, pyramid), and a header that claims
    /// 2^24-pixel rows over 1024-row tiles asked for 16 GB bands.
    static let maxBandBytes = 16 << 20
    /// One row is the smallest band; wider rows than this cannot be stored within the bound.
    static let maxRowBytes = maxBandBytes
    /// Levels halve Y and X until the largest side fits this, so a preview reads a small level.
    static let pyramidLimit = 512

    var levels: [ZarrArray]

    /// Band rows are a multiple of the source's chunk height, so every source strip or tile
    /// row is read exactly once (while that fits `maxBandBytes`); every level keeps the same
    /// rows per chunk (capped to its height).
    init(shape: Shape, dtype: PixelType, sourceGrid: ChunkGrid, format: ZarrFormat, compression: StoreCompression) throws {
        let (rowBytes, overflow) = shape.x.multipliedReportingOverflow(by: dtype.bytes)
        guard !overflow, rowBytes <= StoreLayout.maxRowBytes else {
            throw FormatError("rows of \(shape.x) \(dtype.rawValue) samples are too wide for a store (at most \(StoreLayout.maxRowBytes >> 20) MB a row)")
        }
        let rows: Int
        let grid = max(1, min(sourceGrid.height, shape.y))
        if shape.y * rowBytes <= StoreLayout.maxChunkBytes {
            rows = shape.y
        } else if grid * rowBytes <= StoreLayout.maxBandBytes {
            rows = min(shape.y, max(1, StoreLayout.maxChunkBytes / (rowBytes * grid)) * grid)
        } else {
            rows = max(1, StoreLayout.maxChunkBytes / rowBytes)
        }
        levels = StoreLayout.levelSizes(height: shape.y, width: shape.x).map { size in
            var s = shape
            s.y = size.height
            s.x = size.width
            return ZarrArray(format: format, dtype: dtype, compression: compression, shape: s, chunkRows: min(rows, size.height))
        }
    }

    /// (height, width) of level 0, then halved (rounding up: the last odd row or column is
    /// averaged alone rather than dropped) while the largest side exceeds the limit.
    static func levelSizes(height: Int, width: Int) -> [(height: Int, width: Int)] {
        var sizes = [(height: height, width: width)]
        while let last = sizes.last, max(last.height, last.width) > pyramidLimit {
            sizes.append((height: (last.height + 1) / 2, width: (last.width + 1) / 2))
        }
        return sizes
    }
}
