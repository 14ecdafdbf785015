import Foundation
import OmioFormats

/// A lazy TZCYX array over PixelLevels: regions are assembled from chunks aligned to what
/// the source stores (whole planes, bands of strips, tiles), each chunk read once and kept in
/// a shared LRU. Nothing is read until a region is asked for.
public final class LazyArray: @unchecked Sendable {
    public let levels: PixelLevels
    public let cache: ChunkCache
    /// Distinguishes this array's chunks from other arrays' in a shared cache.
    public let id: Int

    private static let counter = NSLock()
    nonisolated(unsafe) private static var lastID = 0

    /// Bands are merged up to this many bytes: files with RowsPerStrip=1 (Bio-Formats) would
    /// otherwise make one chunk per row.
    static let targetChunkBytes = 1 << 20
    /// Stored chunks taller than this are read in bands of rows (a whole-plane strip of a
    /// 20000 x 20000 image would otherwise be one 400 MB cache entry for a zoomed-in view).
    static let maxChunkBytes = 16 << 20

    public init(levels: PixelLevels, cache: ChunkCache = ChunkCache()) {
        self.levels = levels
        self.cache = cache
        LazyArray.counter.lock()
        LazyArray.lastID += 1
        id = LazyArray.lastID
        LazyArray.counter.unlock()
    }

    public var shape: Shape { levels.shape }
    public var dtype: PixelType { levels.dtype }

    /// The chunk shape used at a level: the stored grid, bands merged to ~1 MiB.
    public func chunkShape(level: Int) -> ChunkGrid {
        let size = levels.levelSizes[level]
        var g = levels.chunkGrid(level: level)
        g.width = max(1, min(g.width, size.width))
        g.height = max(1, min(g.height, size.height))
        let rowBytes = g.width * dtype.bytes
        if g.height * rowBytes < LazyArray.targetChunkBytes {
            let factor = max(1, LazyArray.targetChunkBytes / max(1, g.height * rowBytes))
            g.height = min(size.height, g.height * factor)
        }
        if g.height * rowBytes > LazyArray.maxChunkBytes {
            g.height = max(1, LazyArray.maxChunkBytes / rowBytes)
        }
        return g
    }

    public func chunk(_ key: ChunkKey) throws -> PixelBuffer {
        if let hit = cache.get(key) { return hit }
        let size = levels.levelSizes[key.level]
        let g = chunkShape(level: key.level)
        let rows = (key.row * g.height)..<min(size.height, (key.row + 1) * g.height)
        let cols = (key.col * g.width)..<min(size.width, (key.col + 1) * g.width)
        let buffer = try levels.read(level: key.level, plane: key.plane, region: PixelRegion(rows: rows, cols: cols))
        cache.put(key, buffer)
        return buffer
    }

    /// Every `rowStep`-th row and `colStep`-th column of a region at a level, read once per
    /// region and kept in the cache like a chunk: redrawing the same view under new limits or
    /// colours reads nothing. Step 1 regions go through `region` (stored chunks).
    public func sampled(level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
        let key = ChunkKey(array: id, level: level, plane: plane, row: 0, col: 0, sampled: region)
        if let hit = cache.get(key) { return hit }
        let buffer = try levels.read(level: level, plane: plane, region: region)
        cache.put(key, buffer)
        return buffer
    }

    /// A full-resolution (step 1) region of a plane at a level, from cached chunks.
    public func region(level: Int, plane: PlaneIndex, rows: Range<Int>, cols: Range<Int>) throws -> PixelBuffer {
        let g = chunkShape(level: level)
        let size = levels.levelSizes[level]
        // Exactly one whole chunk (a whole plane, often): hand it over without a copy.
        if rows.lowerBound % g.height == 0, cols.lowerBound % g.width == 0,
           rows.upperBound == min(size.height, rows.lowerBound + g.height), cols.upperBound == min(size.width, cols.lowerBound + g.width) {
            return try chunk(ChunkKey(array: id, level: level, plane: plane, row: rows.lowerBound / g.height, col: cols.lowerBound / g.width))
        }
        let bps = dtype.bytes
        // The first chunk is read before the output is sized: its read checks the source's
        // chunk table against the geometry, so a header claiming a huge plane fails here
        // instead of after allocating a region that size.
        _ = try chunk(ChunkKey(array: id, level: level, plane: plane, row: rows.lowerBound / g.height, col: cols.lowerBound / g.width))
        var out = [UInt8](repeating: 0, count: rows.count * cols.count * bps)
        for cr in (rows.lowerBound / g.height)...((rows.upperBound - 1) / g.height) {
            for cc in (cols.lowerBound / g.width)...((cols.upperBound - 1) / g.width) {
                let chunk = try self.chunk(ChunkKey(array: id, level: level, plane: plane, row: cr, col: cc))
                let y0 = cr * g.height, x0 = cc * g.width
                let ys = max(rows.lowerBound, y0)..<min(rows.upperBound, y0 + chunk.height)
                let xs = max(cols.lowerBound, x0)..<min(cols.upperBound, x0 + chunk.width)
                if ys.isEmpty || xs.isEmpty { continue }
                chunk.bytes.withUnsafeBytes { src in
                    out.withUnsafeMutableBytes { dst in
                        for y in ys {
                            let s = ((y - y0) * chunk.width + (xs.lowerBound - x0)) * bps
                            let d = ((y - rows.lowerBound) * cols.count + (xs.lowerBound - cols.lowerBound)) * bps
                            (dst.baseAddress! + d).copyMemory(from: src.baseAddress! + s, byteCount: xs.count * bps)
                        }
                    }
                }
            }
        }
        return PixelBuffer(dtype: dtype, width: cols.count, height: rows.count, bytes: out)
    }
}
