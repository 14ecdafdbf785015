import Foundation

/// Where the store of one series of a file lives: `<folder of the file>/.omio_cache/<file
/// name>.ome.zarr` (as OMIO keeps its caches beside the data; series N > 0 of a multi-series
/// file gets `<file name>.series-N.ome.zarr`, so viewing one series never replaces another's
/// store), an explicit cache dir instead of the folder, or, when the folder is read-only, the
/// user's cache dir with a name unique to the file's folder.
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

    public init(storePath: String, notice: String? = nil) {
        self.storePath = storePath
        self.notice = notice
    }

    /// - Parameters:
    ///   - isWritable: whether a cache folder can be created or written (injectable: tests run
    ///     as root, whom permission bits do not stop).
    public static func resolve(source: String, series: Int = 0, cacheDir: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               isWritable: (String) -> Bool = StoreLocation.canWrite) -> StoreLocation {
        let absolute = absolutePath(source)
        let name = (absolute as NSString).lastPathComponent + (series > 0 ? ".series-\(series)" : "")
        if let cacheDir {
            return StoreLocation(storePath: (absolutePath(cacheDir) as NSString).appendingPathComponent(name + storeSuffix))
        }
        let folder = (absolute as NSString).deletingLastPathComponent
        let beside = (folder as NSString).appendingPathComponent(cacheFolderName)
        if isWritable(beside) {
            return StoreLocation(storePath: (beside as NSString).appendingPathComponent(name + storeSuffix))
        }
        // Two `ca.tif` in different read-only folders must not share a store: the folder's hash
        // goes into the name (and the manifest's source path guards the rest).
        let root = (userCacheRoot(environment) as NSString).appendingPathComponent("omio-tui")
        let unique = "\(name).\(folderHash(folder))\(storeSuffix)"
        let path = (root as NSString).appendingPathComponent(unique)
        return StoreLocation(storePath: path, notice: "\(folder) is not writable; the store goes to \(path)")
    }

    /// True when `cacheFolder` exists and is writable, or does not exist and its parent is.
    public static func canWrite(_ cacheFolder: String) -> Bool {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: cacheFolder, isDirectory: &isDir) {
            return isDir.boolValue && access(cacheFolder, W_OK | X_OK) == 0
        }
        return access((cacheFolder as NSString).deletingLastPathComponent, W_OK | X_OK) == 0
    }

    /// `$XDG_CACHE_HOME` when set to an absolute path (the XDG rule), else `~/.cache`.
    static func userCacheRoot(_ environment: [String: String]) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".cache")
    }

    /// 64-bit FNV-1a of the folder path, as 16 hex digits: stable across runs and machines.
    static func folderHash(_ folder: String) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in folder.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func absolutePath(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        return (full as NSString).standardizingPath
    }
}
