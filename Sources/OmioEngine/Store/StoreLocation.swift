import Foundation
import OmioFormats

/// Where the store of one series of a file lives: `<folder of the file>/.omio_cache/<file
/// name>.ome.zarr` (as OMIO keeps its caches beside the data; series N > 0 of a multi-series
/// file gets `<file name>.series-N.ome.zarr`, so viewing one series never replaces another's
/// store), an explicit cache dir instead of the folder, or, when the folder is read-only, the
/// user's cache dir with a name unique to the file's folder. The folder is the one of the path
/// as given (`LexicalPath`): a symlinked file's store sits beside the link, not the target.
public struct StoreLocation: Sendable, Equatable {
    /// The finished store.
    public let storePath: String
    /// Set when the store does not live beside the file; the CLI and the TUI show it.
    public let notice: String?

    /// Where the build writes; renamed to `storePath` once complete.
    public var partialPath: String { storePath + ".partial" }
    /// `flock`ed by the one process building this store.
    public var lockPath: String { storePath + ".lock" }
    public var directory: String { (storePath as NSString).deletingLastPathComponent }

    public static let cacheFolderName = ".omio_cache"
    public static let storeSuffix = ".ome.zarr"

    /// `<name>.ome.zarr.lock` of a store or of its `.partial` / `.old-` folders (nil for
    /// anything not named like a store): one rule for the inventory, purge and the builder.
    static func lockPath(of storePath: String) -> String? {
        let name = (storePath as NSString).lastPathComponent
        guard let r = name.range(of: storeSuffix) else { return nil }
        return ((storePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(String(name[..<r.upperBound]) + ".lock")
    }

    public init(storePath: String, notice: String? = nil) {
        self.storePath = storePath
        self.notice = notice
    }

    /// - Parameters:
    ///   - isWritable: whether a cache folder can be created or written (injectable: tests run
    ///     as root, whom permission bits do not stop).
    /// - Throws: when neither the folder beside the file nor the fallback can be written: one
    ///   line naming both.
    public static func resolve(source: String, series: Int = 0, cacheDir: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               isWritable: (String) -> Bool = UserFolders.canWrite) throws -> StoreLocation {
        if ZarrStorePlacement.isURL(source) {
            // A URL has no folder: its caches and launchers go to the user's cache.
            let url = ZarrStorePlacement.canonicalURL(source)
            let name = FNV1a.hex(url) + "-" + (url as NSString).lastPathComponent + (series > 0 ? ".series-\(series)" : "")
            return StoreLocation(storePath: (cacheDir.map { LexicalPath.absolute($0) } ?? UserFolders.fallbackStores(environment) + "/remote") + "/" + name + storeSuffix)
        }
        let absolute = placed(LexicalPath.absolute(source))
        let name = storeName(absolute, series: series)
        if let cacheDir {
            return StoreLocation(storePath: LexicalPath.absolute(cacheDir) + "/" + name + storeSuffix)
        }
        let folder = LexicalPath.folder(of: absolute)
        let beside = (folder as NSString).appendingPathComponent(cacheFolderName)
        if isWritable(beside) {
            return StoreLocation(storePath: (beside as NSString).appendingPathComponent(name + storeSuffix))
        }
        let path = fallbackPath(source: absolute, series: series, environment: environment)
        let root = UserFolders.fallbackStores(environment)
        guard isWritable(root) else {
            let why = [UserFolders.notAFolder(beside), UserFolders.notAFolder(root)].compactMap { $0 }
            throw OmioError(source, "cannot build its store: neither \(beside) nor \(root) is writable"
                + (why.isEmpty ? "" : " (\(why.joined(separator: "; ")))"))
        }
        // A `.omio_cache` that is a file is not the folder being read-only: say which.
        return StoreLocation(storePath: path, notice: "\(UserFolders.notAFolder(beside) ?? "\(folder) is not writable"); the store goes to \(path)")
    }

    /// The store's path in the user's cache when the file's folder is read-only. Two `ca.tif`
    /// in different read-only folders must not share a store: the folder's hash goes into the
    /// name (and the manifest's source path guards the rest).
    public static func fallbackPath(source: String, series: Int = 0,
                                    environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let absolute = placed(LexicalPath.absolute(source))
        let name = storeName(absolute, series: series)
        return UserFolders.fallbackStores(environment) + "/\(name).\(FNV1a.hex(LexicalPath.folder(of: absolute)))\(storeSuffix)"
    }

    /// An image inside an OME-Zarr store (a plate's field `plate.zarr/A/1/0`) is placed as if it
    /// were `plate.zarr.A.1.0` beside the store: its caches and launchers never go inside the
    /// store, which is the user's data.
    static func placed(_ absolute: String) -> String {
        guard let (root, inside) = ZarrStorePlacement.enclosingStore(of: absolute), !inside.isEmpty else { return absolute }
        return root + "." + inside.joined(separator: ".")
    }

    /// `<file name>` or `<file name>.series-N`.
    private static func storeName(_ absolute: String, series: Int) -> String {
        (absolute as NSString).lastPathComponent + (series > 0 ? ".series-\(series)" : "")
    }
}
