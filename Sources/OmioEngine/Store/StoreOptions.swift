/// What to build: which series, on which Zarr version, with which compressor, and where.
public struct StoreRequest: Sendable, Equatable {
    public var series: Int
    public var zarrFormat: ZarrFormat
    public var compression: StoreCompression
    /// Overrides `<folder of the file>/.omio_cache`.
    public var cacheDir: String?
    /// Hash of the metadata overlay applied to the metadata the store carries (nil: none).
    public var overlayHash: String?
    /// Written into the manifest for the record; not part of the reuse rule.
    public var toolVersion: String

    public init(series: Int = 0, zarrFormat: ZarrFormat = .v3, compression: StoreCompression = .default,
                cacheDir: String? = nil, overlayHash: String? = nil, toolVersion: String = "unknown") {
        self.series = series
        self.zarrFormat = zarrFormat
        self.compression = compression
        self.cacheDir = cacheDir
        self.overlayHash = overlayHash
        self.toolVersion = toolVersion
    }
}

/// OME-Zarr 0.5 on Zarr v3 (the default), or OME-Zarr 0.4 on Zarr v2 for older tools.
public enum ZarrFormat: Int, Sendable, CaseIterable {
    case v2 = 2
    case v3 = 3

    public var omeVersion: String { self == .v3 ? "0.5" : "0.4" }
}

/// The one compressor after the `bytes` codec (or none).
public enum StoreCompression: String, Sendable, CaseIterable {
    case none, gzip, zstd

    /// zstd level 1. Measured on this machine kind (2 cores, files in the page cache, release
    /// build, chunks written but not fsynced; OMIO 0.3.0 needs 34.0 s for the movie):
    ///
    ///     compressor   calcium movie 0.5 GB         structural stack 1.1 GB
    ///                  time    MB/s   on disk       time    MB/s   on disk
    ///     none         0.53 s   940   497 MB        1.24 s   880   1.09 GB
    ///     zstd-1       0.97 s   510   357 MB        2.05 s   530   0.79 GB
    ///     zstd-3       3.46 s   144   351 MB        7.10 s   154   0.78 GB
    ///     gzip-1      10.8  s    46   358 MB       23.0  s    47   0.80 GB
    ///
    /// zstd-1 keeps the movie 35x faster than OMIO while saving ~28% of the disk; zstd-3 saves
    /// only 1-2% more yet misses the 3.4 s goal; gzip-1 (deflate at ~25 MB/s per core) misses it
    /// by 3x. `none` is faster still but a cache 40% larger on every folder it lands in.
    public static let `default`: StoreCompression = .zstd

    /// Fast levels only: the store is a cache, rebuilt at will, so speed beats the last percent.
    public var level: Int {
        switch self {
        case .none: return 0
        case .gzip, .zstd: return 1
        }
    }
}
