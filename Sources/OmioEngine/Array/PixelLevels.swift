import OmioFormats

/// The pixels of one series at every resolution level: what display code reads from, whether
/// the data come from the source file or from an OME-Zarr store built from it.
public protocol PixelLevels: AnyObject, Sendable {
    var shape: Shape { get }
    var dtype: PixelType { get }
    /// (height, width) per level, level 0 first.
    var levelSizes: [(height: Int, width: Int)] { get }
    /// The stored chunk grid of a level (reading along it touches each stored chunk once).
    func chunkGrid(level: Int) -> ChunkGrid
    func read(level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer
}

/// A series of an ImageSource as PixelLevels.
public final class SourceLevels: PixelLevels, @unchecked Sendable {
    public let source: ImageSource
    public let series: Int
    public let shape: Shape
    public let dtype: PixelType
    public let levelSizes: [(height: Int, width: Int)]

    public init(source: ImageSource, series: Int) {
        self.source = source
        self.series = series
        let m = source.metadata(series: series)
        shape = m.shape
        dtype = m.dtype
        levelSizes = source.levelSizes(series: series)
    }

    public func chunkGrid(level: Int) -> ChunkGrid { source.chunkGrid(series: series, level: level) }

    public func read(level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
        try source.read(series: series, level: level, plane: plane, region: region)
    }
}
