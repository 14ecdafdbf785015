import Foundation
import OmioFormats

/// A sub-stack seen as an image of its own: one series, one level, the sub-stack's shape and
/// metadata. Reads map to the parent's plane and window at the chosen level, so every writer
/// that streams an ImageSource (the store pipeline, the OME-TIFF writer, `BandStream`) writes a
/// sub-stack without a copy and reads only what it covers.
public final class SubStackSource: ImageSource, @unchecked Sendable {
    public let parent: ImageSource
    public let parentSeries: Int
    public let stack: SubStack
    /// The hash of the corrections `metadata` carries (recorded in a store built from it, so a
    /// later correction makes the store stale); nil when uncorrected.
    public let overlayHash: String?
    private let meta: ImageMetadata

    /// `metadata`: the parent series' metadata as the output should carry it (corrected by an
    /// overlay, say, whose hash is `overlayHash`); its shape, channels and sizes are adapted
    /// to the sub-stack.
    public init(parent: ImageSource, series: Int, stack: SubStack, metadata: ImageMetadata? = nil, overlayHash: String? = nil) {
        self.parent = parent
        parentSeries = series
        self.stack = stack
        self.overlayHash = overlayHash
        var m = stack.metadata(from: metadata ?? parent.metadata(series: series), levelSizes: parent.levelSizes(series: series))
        m.series = 0
        m.seriesCount = 1
        meta = m
    }

    /// A sub-stack of a corrected series, carrying its corrections.
    public convenience init(_ s: CorrectedSeries, stack: SubStack) {
        self.init(parent: s.source, series: s.series, stack: stack, metadata: s.metadata, overlayHash: s.overlayHash)
    }

    public var path: String { parent.path }
    public var format: FileFormat { parent.format }
    public var seriesCount: Int { 1 }
    public var inputFiles: [String] { parent.inputFiles }
    public func metadata(series: Int) -> ImageMetadata { meta }
    public func levelSizes(series: Int) -> [(height: Int, width: Int)] { [(stack.y.count, stack.x.count)] }
    public func rawTree() -> [MetaNode] { [] }
    public func checkStorage(series: Int) throws { try parent.checkStorage(series: parentSeries) }

    /// The parent's stored bands, counted in output rows (a strided window reads fewer).
    public func chunkGrid(series: Int, level: Int) -> ChunkGrid {
        let g = parent.chunkGrid(series: parentSeries, level: stack.level)
        let rows = g.height >= stack.y.step ? g.height / stack.y.step : 1
        return ChunkGrid(height: max(1, min(rows, stack.y.count)), width: stack.x.count)
    }

    public func read(series: Int, level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
        try ReadRequest.check(path, plane: plane, region: region, shape: meta.shape, width: stack.x.count, height: stack.y.count)
        let y = stack.y.first + region.rows.lowerBound * stack.y.step
        let x = stack.x.first + region.cols.lowerBound * stack.x.step
        // A single row or column needs no step: the product of two steps (a huge `--y` step
        // times a reader's own) would overflow, and it stays inside the window otherwise.
        let rowStep = region.outputHeight > 1 ? region.rowStep * stack.y.step : 1
        let colStep = region.outputWidth > 1 ? region.colStep * stack.x.step : 1
        let parentRegion = PixelRegion(rows: y..<(y + (region.outputHeight - 1) * rowStep + 1),
                                       cols: x..<(x + (region.outputWidth - 1) * colStep + 1), rowStep: rowStep, colStep: colStep)
        return try parent.read(series: parentSeries, level: stack.level, plane: stack.sourcePlane(plane), region: parentRegion)
    }
}

/// Reads a series plane by plane in TZC order (T slowest, C fastest: the order of a C-ordered
/// TZCYX array), each plane in bands of rows along its stored grid, so memory holds one band
/// whatever the size of the whole.
public enum BandStream {
    /// Bands are about this size (whole stored bands, at least one row).
    public static let bandBytes = 8 << 20

    public static func forEach(_ source: ImageSource, series: Int = 0,
                               _ body: (_ plane: PlaneIndex, _ rows: Range<Int>, _ band: PixelBuffer) throws -> Void) throws {
        let m = source.metadata(series: series)
        let s = m.shape
        let rows = bandRows(source, series: series)
        for t in 0..<s.t {
            for z in 0..<s.z {
                for c in 0..<s.c {
                    let plane = PlaneIndex(t: t, z: z, c: c)
                    for y in stride(from: 0, to: s.y, by: rows) {
                        let band = y..<min(s.y, y + rows)
                        try body(plane, band, source.read(series: series, level: 0, plane: plane,
                                                          region: PixelRegion(rows: band, cols: 0..<s.x)))
                    }
                }
            }
        }
    }

    /// Rows per band: whole stored bands adding up to about `bandBytes` (a stored band larger
    /// than that is cut; the reader decodes only what a band needs).
    static func bandRows(_ source: ImageSource, series: Int) -> Int {
        let m = source.metadata(series: series)
        let rowBytes = max(1, m.shape.x * m.dtype.bytes)
        let stored = max(1, source.chunkGrid(series: series, level: 0).height)
        let wanted = max(1, bandBytes / rowBytes)
        return max(1, min(m.shape.y, wanted >= stored ? wanted / stored * stored : wanted))
    }
}
