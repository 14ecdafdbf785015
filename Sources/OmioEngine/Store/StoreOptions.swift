import OmioFormats
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
    /// A cache entry, or a file the user asked for (`slice -o x.ome.zarr`), which no cache
    /// listing shows and no purge deletes.
    public var role: StoreRole

    public init(series: Int = 0, zarrFormat: ZarrFormat = .v3, compression: StoreCompression = .default,
                cacheDir: String? = nil, overlayHash: String? = nil, toolVersion: String = OmioVersion.string,
                role: StoreRole = .cache) {
        self.role = role
        self.series = series
        self.zarrFormat = zarrFormat
        self.compression = compression
        self.cacheDir = cacheDir
        self.overlayHash = overlayHash
        self.toolVersion = toolVersion
    }
}

/// What a store is for, written into its manifest: the cache code (`cache list`, `cache purge`,
/// the TUI's cache menu) deals with `.cache` stores only; an `.output` is the user's file.
public enum StoreRole: String, Sendable, CaseIterable {
    case cache, output
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

    /// zstd level 1. Measured with `omio-tui cache build` (release, both cores, files in the
    /// page cache, syncfs before the rename included) on the `make bench-data` files, on this
    /// 2-core machine while other jobs kept its load average at 5-8: wall times (best of 2-3) are
    /// upper bounds, CPU = user + sys seconds. Peak RSS 37 MB (movie), 51 MB (stack). OMIO 0.3.0 needs 34.0 s for the movie; the goal is <= 3.4 s.
    ///
    ///                calcium movie 497 MB (2000 chunks)   structural stack 1.09 GB + level 1
    ///     codec      wall      CPU     store              wall       CPU     store
    ///     none       1.4 s     0.6 s   497 MB             6.8 s      4.2 s   1363 MB
    ///     zstd-1     2.0 s     1.4 s   356 MB (72%)       7.3 s      3.3 s    960 MB (70%)
    ///     zstd-3     4.8 s     6.0 s   356 MB             18.3 s    14.6 s    953 MB
    ///     gzip-1    14.4 s    13.3 s   364 MB             57.2 s    40.2 s    981 MB
    ///
    /// Noisy 16-bit data leaves little to squeeze: every codec saves ~28%, and zstd-3 no more
    /// than zstd-1 for 4x the CPU, which misses the goal; gzip-1 (deflate, ~28 MB/s per core)
    /// misses it 4x. zstd-1 meets it with room to spare and keeps the cache 28% smaller than
    /// `none`, whose speed is bound by writing to the page cache anyway.
    public static let `default`: StoreCompression = .zstd

    /// Fast levels only: the store is a cache, rebuilt at will, so speed beats the last percent.
    public var level: Int {
        switch self {
        case .none: return 0
        case .gzip, .zstd: return 1
        }
    }
}
