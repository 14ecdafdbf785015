/// Which plane of a series: TZC indices, 0-based.
public struct PlaneIndex: Hashable, Sendable, CustomStringConvertible {
    public var t: Int, z: Int, c: Int
    public init(t: Int = 0, z: Int = 0, c: Int = 0) {
        self.t = t
        self.z = z
        self.c = c
    }

    public var description: String { "T\(t) Z\(z) C\(c)" }
}

/// A rectangle of a plane, optionally subsampled: rows `rows.lowerBound`, `+rowStep`, ...
public struct PixelRegion: Hashable, Sendable {
    public var rows: Range<Int>
    public var cols: Range<Int>
    public var rowStep: Int
    public var colStep: Int

    public init(rows: Range<Int>, cols: Range<Int>, rowStep: Int = 1, colStep: Int = 1) {
        self.rows = rows
        self.cols = cols
        self.rowStep = max(1, rowStep)
        self.colStep = max(1, colStep)
    }

    public static func full(width: Int, height: Int) -> PixelRegion {
        PixelRegion(rows: 0..<height, cols: 0..<width)
    }

    // Not `(count + step - 1) / step`: that overflows for a step near Int.max.
    public var outputHeight: Int { rows.isEmpty ? 0 : (rows.count - 1) / rowStep + 1 }
    public var outputWidth: Int { cols.isEmpty ? 0 : (cols.count - 1) / colStep + 1 }
}

/// A series index the file does not have. Every reader, the store builder and the tools that
/// open a series check it here, so the sentence is written once; the command line reports it
/// as a usage error of `--series`.
public struct NoSuchSeries: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let series: Int
    /// How many series the file has.
    public let count: Int

    public var description: String { "series \(series) does not exist (the file has \(count))" }

    /// Fails unless `series` is one of the `count` series of the file at `path`.
    public static func check(_ series: Int, path: String, count: Int) throws {
        guard series >= 0, series < count else { throw NoSuchSeries(path: path, series: series, count: count) }
    }
}

/// The argument checks every source's `read` starts with: a clear error, never a trap.
public enum ReadRequest {
    /// The one sentence for a level a file or store does not have (readers and StoreReader).
    public static func checkLevel(_ path: String, _ level: Int, count: Int) throws {
        guard level >= 0, level < count else {
            throw OmioError(path, "level \(level) does not exist (there \(count == 1 ? "is" : "are") \(EnglishCount.of(count, "level")))")
        }
    }

    public static func check(_ path: String, plane: PlaneIndex, region: PixelRegion, shape: Shape, width: Int, height: Int) throws {
        guard plane.t >= 0, plane.t < shape.t, plane.z >= 0, plane.z < shape.z, plane.c >= 0, plane.c < shape.c else {
            throw OmioError(path, "plane \(plane) is outside the shape \(shape)")
        }
        guard region.rows.lowerBound >= 0, region.rows.upperBound <= height, !region.rows.isEmpty,
              region.cols.lowerBound >= 0, region.cols.upperBound <= width, !region.cols.isEmpty
        else { throw OmioError(path, "region rows \(region.rows) cols \(region.cols) is outside the \(width)x\(height) plane") }
    }
}

/// The storage grid of a level: reading along it touches each stored chunk once.
public struct ChunkGrid: Equatable, Sendable {
    public var height: Int
    public var width: Int
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }
}

/// A node of the raw metadata tree the TUI shows beside the normalized model.
public struct MetaNode: Sendable {
    public var label: String
    public var value: String?
    public var children: [MetaNode]
    public init(_ label: String, _ value: String? = nil, _ children: [MetaNode] = []) {
        self.label = label
        self.value = value
        self.children = children
    }
}

/// Any file omio-tui can open: normalized metadata per series and lazy pixel access.
/// Opening reads headers only; `read` reads only the stored chunks a region touches.
/// Implementations are safe to call from several threads at once.
public protocol ImageSource: AnyObject, Sendable {
    var path: String { get }
    var format: FileFormat { get }
    var seriesCount: Int { get }
    func metadata(series: Int) -> ImageMetadata
    /// Level shapes (Y, X) of a series, level 0 first (SubIFD or subblock pyramids).
    func levelSizes(series: Int) -> [(height: Int, width: Int)]
    /// How level pixels are stored (whole planes, bands of strips, or tiles).
    func chunkGrid(series: Int, level: Int) -> ChunkGrid
    /// One plane's region at a level, as little-endian samples of the series' dtype.
    func read(series: Int, level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer
    /// The raw metadata: tags, descriptions, XML (built on demand; may be slow for big files).
    func rawTree() -> [MetaNode]
    /// Checks, without reading pixels, that every level-0 plane's storage (chunk tables) can
    /// hold the geometry the header claims. Whole-series work (a store build) calls it before
    /// sizing any buffer by that geometry; `read` checks the same per chunk anyway.
    func checkStorage(series: Int) throws
    /// Every file this source reads (itself, the members of a multi-file set, a metadata file
    /// beside it): what an output must never replace.
    var inputFiles: [String] { get }
}

extension ImageSource {
    /// Sources whose chunk index is checked while opening need nothing more.
    public func checkStorage(series: Int) throws {}
}

extension ImageSource {
    public var inputFiles: [String] { [path] }

    public func readPlane(series: Int = 0, plane: PlaneIndex) throws -> PixelBuffer {
        let m = metadata(series: series)
        return try read(series: series, level: 0, plane: plane, region: .full(width: m.shape.x, height: m.shape.y))
    }
}
