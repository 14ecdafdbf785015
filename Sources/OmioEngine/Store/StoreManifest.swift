import Foundation
import OmioFormats

/// Identifies the bytes a store was built from: a changed size or mtime means a new file.
public struct SourceFingerprint: Equatable, Sendable {
    public var size: UInt64
    public var mtimeNs: Int64

    public init(size: UInt64, mtimeNs: Int64) {
        self.size = size
        self.mtimeNs = mtimeNs
    }

    public static func of(path: String) throws -> SourceFingerprint {
        // A URL is taken as given: there is nothing to stat (a remote store counts as unchanged).
        if RemoteStores.isRemote(path) { return SourceFingerprint(size: 0, mtimeNs: 0) }
        var st = stat()
        guard stat(path, &st) == 0 else { throw OmioError(path, SystemErrorReason.of(errno: errno)) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return ofStoreFolder(path) }
        return SourceFingerprint(size: UInt64(max(0, st.st_size)), mtimeNs: mtimeNs(st))
    }

    private static func mtimeNs(_ st: stat) -> Int64 { Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec) }

    /// A Zarr store read as an image: its group and array metadata files (at the top and one
    /// folder down, where the levels are), summed sizes and the latest mtime. Rewriting a store
    /// rewrites them; statting every chunk of a big store would cost more than reading it.
    static func ofStoreFolder(_ folder: String) -> SourceFingerprint {
        var size: UInt64 = 0, mtime: Int64 = 0
        let subfolders = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        for dir in [folder] + subfolders.map({ folder + "/" + $0 }) {
            for name in ["zarr.json", ".zattrs", ".zgroup", ".zarray"] {
                var st = stat()
                guard stat(dir + "/" + name, &st) == 0 else { continue }
                size += UInt64(max(0, st.st_size))
                mtime = max(mtime, mtimeNs(st))
            }
        }
        return SourceFingerprint(size: size, mtimeNs: mtime)
    }
}

/// The `omio.manifest` of a store: what it was built from and how, and whether it is finished.
public struct StoreManifest: Equatable, Sendable {
    /// The source as the manifest records it: a path made absolute by its text, a URL as given.
    public static func sourcePath(_ source: String) -> String {
        RemoteStores.isRemote(source) ? source : LexicalPath.absolute(source)
    }

    /// Bumped when the writer's output changes, so stores from older builds count as stale.
    public static let layoutVersion = 1

    public var sourcePath: String
    public var source: SourceFingerprint
    public var series: Int
    public var overlayHash: String?
    public var zarrFormat: ZarrFormat
    public var compression: StoreCompression
    public var layoutVersion: Int
    public var toolVersion: String
    public var complete: Bool
    /// `.output` for a user's extraction: never listed or purged as a cache entry. Stores
    /// written before the field existed were all caches.
    public var role: StoreRole
    /// ISO-8601 time the build started (with `complete`, when it finished).
    public var built: String

    public init(sourcePath: String, source: SourceFingerprint, request: StoreRequest, complete: Bool, built: Date = Date()) {
        self.sourcePath = sourcePath
        self.source = source
        series = request.series
        overlayHash = request.overlayHash
        zarrFormat = request.zarrFormat
        compression = request.compression
        layoutVersion = StoreManifest.layoutVersion
        toolVersion = request.toolVersion
        role = request.role
        self.complete = complete
        self.built = StoreManifest.isoFormatter.string(from: built)
    }

    /// The reuse rule: a complete store of the same bytes, series and overlay, in the format
    /// and compression asked for.
    public func satisfies(_ wanted: StoreManifest) -> Bool {
        complete && sourcePath == wanted.sourcePath && source == wanted.source && series == wanted.series
            && overlayHash == wanted.overlayHash && zarrFormat == wanted.zarrFormat
            && compression == wanted.compression && layoutVersion == wanted.layoutVersion && role == wanted.role
    }

    public var builtDate: Date? { StoreManifest.isoFormatter.date(from: built) }

    // mtime_ns is written as a decimal string: JSON numbers here are doubles (53 bits) and
    // today's nanosecond times need 61.
    public var json: JSONValue {
        .object([
            ("source_path", .string(sourcePath)),
            ("source_size", .int(Int(source.size))),
            ("source_mtime_ns", .string(String(source.mtimeNs))),
            ("series", .int(series)),
            ("overlay_hash", .optional(overlayHash)),
            ("zarr_format", .int(zarrFormat.rawValue)),
            ("compression", .string(compression.rawValue)),
            ("compression_level", .int(compression.level)),
            ("layout_version", .int(layoutVersion)),
            ("tool_version", .string(toolVersion)),
            ("complete", .bool(complete)),
            ("role", .string(role.rawValue)),
            ("built", .string(built)),
        ])
    }

    public init?(json: JSONValue) {
        guard let path = json["source_path"]?.stringValue,
              let size = json["source_size"]?.intValue,
              let mtime = json["source_mtime_ns"]?.stringValue.flatMap({ Int64($0) }),
              let series = json["series"]?.intValue,
              let format = json["zarr_format"]?.intValue.flatMap(ZarrFormat.init(rawValue:)),
              let compression = json["compression"]?.stringValue.flatMap(StoreCompression.init(rawValue:)),
              let complete = json["complete"]?.boolValue
        else { return nil }
        sourcePath = path
        source = SourceFingerprint(size: UInt64(max(0, size)), mtimeNs: mtime)
        self.series = series
        overlayHash = json["overlay_hash"]?.stringValue
        zarrFormat = format
        self.compression = compression
        layoutVersion = json["layout_version"]?.intValue ?? 0
        toolVersion = json["tool_version"]?.stringValue ?? ""
        self.complete = complete
        // A role this version does not know is not a cache: left alone rather than purged.
        role = json["role"].map { $0.stringValue.flatMap(StoreRole.init(rawValue:)) ?? .output } ?? .cache
        built = json["built"]?.stringValue ?? ""
    }

    /// The manifest of the store (or partial store) at `path`, from either Zarr version's
    /// group attributes; nil when there is none (not ours, or killed before it was written).
    public static func read(storePath path: String) -> StoreManifest? {
        for name in ["zarr.json", ".zattrs"] {
            let file = (path as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: file), let root = try? JSONValue.parse(data) else { continue }
            let attributes = name == "zarr.json" ? root["attributes"] : root
            if let m = attributes?["omio"]?["manifest"] { return StoreManifest(json: m) }
        }
        return nil
    }

    /// The manifest of a cache store at `path` (nil for an `.output` store, or none): what the
    /// cache listing and purge go by.
    public static func readCache(storePath path: String) -> StoreManifest? {
        read(storePath: path).flatMap { $0.role == .cache ? $0 : nil }
    }

    /// A new formatter per use: formatters are not safe to share across build threads.
    static var isoFormatter: ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f
    }
}
