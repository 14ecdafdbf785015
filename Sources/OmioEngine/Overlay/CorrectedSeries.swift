import OmioFormats

/// One series of a file as every tool sees it: opened, its index checked, the user's
/// corrections (the sidecar overlay) applied. The commands, napari and the TUI's marked files
/// all start here, so "which series, with which corrections" is decided in one place.
public struct CorrectedSeries {
    public let source: ImageSource
    public let series: Int
    /// The metadata with the overlay applied.
    public let metadata: ImageMetadata
    public let overlay: MetadataOverlay

    /// Opens `path` (any supported format) and applies its overlay to `series`.
    public static func open(path: String, series: Int = 0) throws -> CorrectedSeries {
        try CorrectedSeries(source: ImageOpener.open(path: path), series: series)
    }

    /// `series` of an opened file; throws `NoSuchSeries` when the file has no such series.
    public init(source: ImageSource, series: Int) throws {
        try NoSuchSeries.check(series, path: source.path, count: source.seriesCount)
        self.source = source
        self.series = series
        overlay = OverlayStore.load(for: source.path)
        metadata = overlay.apply(to: source.metadata(series: series))
    }

    /// The metadata as the file has it, without the corrections.
    public var fileMetadata: ImageMetadata { source.metadata(series: series) }

    /// Recorded in stores built from this series: a later correction makes them stale.
    public var overlayHash: String? { overlay.hash(series: series) }
}
