import Foundation
import OmioFormats

/// One thing omio-tui (or OMIO) left in a cache folder. Carries what a purge decides on: size,
/// state, when it was last used, and whether a build is writing it right now.
public struct CacheEntry: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// Finished and matching its source file.
        case complete
        /// A build that has not finished (running, killed or failed): never reused.
        case partial
        /// Its source changed since the build (size or mtime): the next build replaces it.
        case stale
        /// Its source file is gone.
        case orphan
        /// OMIO's own cache (`<stem>.zarr`, `<stem>_napari_squeezed.zarr`), not omio-tui's.
        case foreign
        /// A build holds its lock right now: never purged.
        case inUse = "in use"
    }

    public enum Kind: String, Sendable, CaseIterable {
        case store, launcher, log, foreign
        /// The chunk cache of remote stores (`$XDG_CACHE_HOME/omio-tui/http`), as one entry.
        case httpCache = "http"
    }

    public var path: String
    /// The file it was made from (from the manifest, or guessed from the name); nil if unknown.
    public var source: String?
    /// Size on disk.
    public var bytes: Int64
    public var state: State
    public var kind: Kind
    public var built: Date?
    /// Last access (atime) or modification, whichever is later.
    public var lastUsed: Date
    /// A build holds the store's lock: a purge must leave it alone.
    public var building: Bool
    /// A napari window shows the store (its launcher holds the lock shared). `state` keeps the
    /// store's own state, which a purge selects on; purge then asks before removing it.
    public var shownInNapari = false

    /// The state as `cache list` prints it: "in use (napari)" for a store a window shows.
    public var listedState: String { shownInNapari ? CachePurge.inUseReason : state.rawValue }

    public var json: JSONValue {
        let iso = StoreManifest.isoFormatter
        return .object([
            ("path", .string(path)),
            ("source", .optional(source)),
            ("bytes", .int(Int(bytes))),
            ("state", .string(listedState)),
            ("kind", .string(kind.rawValue)),
            ("built", .optional(built.map { iso.string(from: $0) })),
            ("last_used", .string(iso.string(from: lastUsed))),
            ("building", .bool(building)),
            ("in_napari", .bool(shownInNapari)),
        ])
    }
}

/// What a listing found, and what it could not look at.
public struct CacheListing: Sendable {
    public var entries: [CacheEntry] = []
    /// Why the walk stopped short (the depth bound), in words; empty when it saw everything.
    public var notes: [String] = []
    /// The first folder that exists but could not be read: the listing is not what is there.
    public var unreadable: OmioError?

    public init(entries: [CacheEntry] = [], notes: [String] = []) {
        self.entries = entries
        self.notes = notes
    }

    /// The entries, or the folder that could not be read: an empty table (or "nothing to purge")
    /// for a folder the user may not open would be a lie.
    public func checked() throws -> [CacheEntry] {
        if let unreadable { throw unreadable }
        return entries
    }
}

/// Lists the caches of a folder: its `.omio_cache/`, stores built into the folder itself with
/// `--cache-dir` (recognised by their omio manifest; other `.ome.zarr` data is not ours), and the
/// stores of its files that went to the user's cache because the folder was read-only.
public enum CacheInventory {
    /// A recursive walk goes at most this many folders deep (and says so when it stops).
    public static let maxDepth = 64

    /// - Parameter recursive: also every subfolder (hidden folders and Zarr stores excluded;
    ///   symbolic links to folders are not followed, so a link loop ends the walk, not the program).
    public static func list(folder: String, recursive: Bool = false,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> [CacheEntry] {
        walk(folder: folder, recursive: recursive, environment: environment).entries
    }

    /// `list`, with notes on what the depth bound left out.
    public static func walk(folder: String, recursive: Bool = false,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> CacheListing {
        let root = LexicalPath.absolute(folder)
        var listing = CacheListing()
        if (root as NSString).lastPathComponent == StoreLocation.cacheFolderName {
            listing.unreadable = unreadable(root)
            listing.entries = scanCacheFolder(root, dataFolder: LexicalPath.folder(of: root)).sorted { $0.path < $1.path }
            return listing
        }
        // Breadth first with an explicit queue (a deep or looping tree cannot exhaust the
        // stack); a folder reached twice (bind mounts) is listed once.
        var queue = [(path: root, depth: 0)]
        var next = 0
        var seen = Set<FileIdentity>()
        var folders: [String] = []
        var cut: [String] = []
        var entries: [CacheEntry] = []
        while next < queue.count {
            let (dir, depth) = queue[next]
            next += 1
            guard let id = FileIdentity(path: dir), seen.insert(id).inserted else { continue }
            folders.append(dir)
            let cache = (dir as NSString).appendingPathComponent(StoreLocation.cacheFolderName)
            listing.unreadable = listing.unreadable ?? unreadable(dir) ?? (isDirectory(cache) ? unreadable(cache) : nil)
            entries += scanExplicitFolder(dir)
            if isDirectory(cache) { entries += scanCacheFolder(cache, dataFolder: dir) }
            guard recursive else { continue }
            for name in children(dir) where !name.hasPrefix(".") && !name.hasSuffix(".zarr") && !name.contains(".zarr.") {
                let sub = (dir as NSString).appendingPathComponent(name)
                guard isRealDirectory(sub) else { continue }
                if depth + 1 > maxDepth { cut.append(sub) } else { queue.append((sub, depth + 1)) }
            }
        }
        entries += fallbackEntries(forFolders: folders, environment: environment)
        // The user cache is only a second place here (HOME may be another user's, e.g. under
        // sudo or setpriv): a note, not a failure of the folder's own listing.
        if let blocked = unreadable(UserFolders.fallbackStores(environment)) {
            listing.notes.append("the user cache \(blocked.path) could not be read (\(blocked.reason)); its stores for these files are not listed")
        }
        var paths = Set<String>()
        listing.entries = entries.filter { paths.insert($0.path).inserted }.sorted { $0.path < $1.path }
        if let first = cut.first {
            listing.notes.append("stopped \(maxDepth) folders deep below \(root): \(cut.count) deeper folder\(cut.count == 1 ? "" : "s") not listed (first: \(first))")
        }
        return listing
    }

    /// The chunk cache remote stores fill (`$XDG_CACHE_HOME/omio-tui/http`).
    public static func httpCachePath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        UserFolders.cacheHome(environment) + "/omio-tui/http"
    }

    /// The HTTP chunk cache as one entry (its size, when last used); nil when there is none.
    /// The `p` menu lists it; purging it only costs the next view of a remote store its download.
    public static func httpCacheEntry(environment: [String: String] = ProcessInfo.processInfo.environment) -> CacheEntry? {
        let path = httpCachePath(environment: environment)
        guard isRealDirectory(path) else { return nil }
        return CacheEntry(path: path, source: nil, bytes: StoreFiles.diskUsage(path), state: .complete, kind: .httpCache,
                          built: nil, lastUsed: lastUsed(path), building: false)
    }

    /// Everything in the user's cache for files in read-only folders (`cache list --fallback`).
    public static func listFallback(environment: [String: String] = ProcessInfo.processInfo.environment) -> CacheListing {
        let root = UserFolders.fallbackStores(environment)
        var listing = CacheListing(entries: scanExplicitFolder(root).sorted { $0.path < $1.path })
        listing.unreadable = unreadable(root)
        return listing
    }

    /// Why an existing folder cannot be listed (nil when it can, or is not there: nothing to list).
    private static func unreadable(_ dir: String) -> OmioError? {
        guard let handle = opendir(dir) else { return errno == ENOENT || errno == ENOTDIR ? nil : OmioError(dir, SystemErrorReason.of(errno: errno)) }
        closedir(handle)
        return nil
    }

    /// The fallback stores (and their launchers and logs) of files in `folders`: their names
    /// carry the hash of the file's folder (`StoreLocation.fallbackPath`).
    private static func fallbackEntries(forFolders folders: [String], environment: [String: String]) -> [CacheEntry] {
        let hashes = Set(folders.map { "." + FNV1a.hex($0) + StoreLocation.storeSuffix })
        let root = UserFolders.fallbackStores(environment)
        guard !folders.contains(root) else { return [] } // listed as a folder already
        return scanExplicitFolder(root).filter { e in
            let store = companionStore(of: e.path)
            return hashes.contains { store.hasSuffix($0) }
        }
    }

    private static func scanCacheFolder(_ dir: String, dataFolder: String) -> [CacheEntry] {
        children(dir).compactMap { name -> CacheEntry? in
            let path = (dir as NSString).appendingPathComponent(name)
            if name.hasPrefix(".") || name.hasSuffix(".lock") { return nil } // temp files; locks must stay (see StoreLock)
            if isOurStoreName(name) {
                // A user's `slice -o` output written here is still the user's file, not a cache;
                // so is an OME-Zarr copied in by hand (no manifest, not a build's trace).
                guard StoreOwnership.isPurgeableStore(path) else { return nil }
                guard let manifest = StoreManifest.read(storePath: path) else { return brokenStore(path) }
                return storeEntry(path, manifest: manifest)
            }
            if name.hasSuffix(".zarr") {
                var stem = String(name.dropLast(".zarr".count))
                if stem.hasSuffix("_napari_squeezed") { stem = String(stem.dropLast("_napari_squeezed".count)) }
                return entry(path, kind: .foreign, state: .foreign, source: sourceWithStem(stem, in: dataFolder))
            }
            let kind: CacheEntry.Kind
            switch (name as NSString).pathExtension {
            case "log": kind = .log
            case "py", "sh": kind = .launcher
            default: return nil
            }
            let source = sourcePrefix(of: name, in: dataFolder)
            return entry(path, kind: kind, state: source == nil ? .orphan : .complete, source: source)
        }
    }

    /// A folder that is not a `.omio_cache` (a `--cache-dir`, the user's fallback cache): only
    /// what is provably ours, cache stores by their manifest and launchers and logs by `isOurs`.
    private static func scanExplicitFolder(_ dir: String) -> [CacheEntry] {
        children(dir).compactMap { name -> CacheEntry? in
            let path = (dir as NSString).appendingPathComponent(name)
            if isOurStoreName(name) { return StoreManifest.readCache(storePath: path).map { storeEntry(path, manifest: $0) } }
            guard let kind = launcherKind(name), isOurs(path, kind: kind) else { return nil }
            let source = StoreManifest.readCache(storePath: companionStore(of: path))?.sourcePath
            let alive = source.map { StoreFiles.exists($0) } ?? false
            return entry(path, kind: kind, state: alive ? .complete : .orphan, source: source)
        }
    }

    /// `.napari.py` / `.napari.log`: a launcher or its log (NapariScript's names).
    private static func launcherKind(_ name: String) -> CacheEntry.Kind? {
        if name.hasSuffix(NapariScript.scriptSuffix) { return .launcher }
        if name.hasSuffix(NapariScript.logSuffix) { return .log }
        return nil
    }

    /// The store a store folder (`.partial`, `.old-N` too), launcher or log belongs to.
    static func companionStore(of path: String) -> String {
        for suffix in [NapariScript.scriptSuffix, NapariScript.logSuffix] where path.hasSuffix(suffix) {
            return String(path.dropLast(suffix.count)) + StoreLocation.storeSuffix
        }
        // The last `.ome.zarr`: a file may be named `a.ome.zarr.tif`.
        if let r = path.range(of: StoreLocation.storeSuffix, options: .backwards) { return String(path[..<r.upperBound]) }
        return path
    }

    /// Whether omio-tui made `path` (outside a `.omio_cache`, where a purge may delete only
    /// this): a store with our manifest as a cache (a `slice -o` output is the user's); a
    /// launcher or log beside such a store, or that names omio-tui in its first lines (the
    /// launcher's docstring, the log's `=== omio-tui` headers).
    static func isOurs(_ path: String, kind: CacheEntry.Kind) -> Bool {
        switch kind {
        case .store:
            return StoreManifest.readCache(storePath: path) != nil
        case .launcher, .log:
            if StoreManifest.readCache(storePath: companionStore(of: path)) != nil { return true }
            // Only a regular file's head is read: a FIFO named like a log would block the open.
            guard let head = try? FileReader(path: path), let bytes = try? head.read(at: 0, count: Int(min(512, head.size))) else { return false }
            let text = String(decoding: bytes, as: UTF8.self)
            return text.contains(kind == .log ? "=== omio-tui " : "Written by omio-tui")
        case .foreign:
            return false
        case .httpCache:
            return path == httpCachePath()
        }
    }

    private static func isOurStoreName(_ name: String) -> Bool {
        name.hasSuffix(StoreLocation.storeSuffix) || name.hasSuffix(StoreLocation.storeSuffix + ".partial")
            || name.contains(StoreLocation.storeSuffix + ".old-")
    }

    /// A store with a manifest: its state from the manifest and the source as it is now.
    private static func storeEntry(_ path: String, manifest: StoreManifest) -> CacheEntry {
        let finished = (path as NSString).lastPathComponent.hasSuffix(StoreLocation.storeSuffix)
        let state: CacheEntry.State
        if !finished || !manifest.complete {
            state = .partial
        } else if let now = try? SourceFingerprint.of(path: manifest.sourcePath) {
            // A correction made after the build leaves the store's scale and metadata stale too.
            let overlay = OverlayStore.load(for: manifest.sourcePath).hash(series: manifest.series)
            state = now == manifest.source && overlay == manifest.overlayHash ? .complete : .stale
        } else {
            state = .orphan
        }
        var e = entry(path, kind: .store, state: state, source: manifest.sourcePath)
        e.built = manifest.builtDate
        let metadataFile = (path as NSString).appendingPathComponent(manifest.zarrFormat == .v3 ? "zarr.json" : ".zattrs")
        e.lastUsed = lastUsed(metadataFile)
        return e
    }

    /// A store-named folder without a manifest that a build left (`StoreOwnership.isPurgeableStore`).
    private static func brokenStore(_ path: String) -> CacheEntry {
        entry(path, kind: .store, state: .partial, source: nil)
    }

    private static func entry(_ path: String, kind: CacheEntry.Kind, state: CacheEntry.State, source: String?) -> CacheEntry {
        let lockPath = StoreLocation.lockPath(of: path)
        let building = kind == .store && lockPath.map(StoreLock.isHeld) == true
        let shown = kind == .store && !building && lockPath.map(StoreLock.isShared) == true
        return CacheEntry(path: path, source: source, bytes: StoreFiles.diskUsage(path), state: building ? .inUse : state, kind: kind,
                          built: nil, lastUsed: lastUsed(path), building: building, shownInNapari: shown)
    }

    /// OMIO names its caches after the file's stem: the file in the folder with that stem.
    private static func sourceWithStem(_ stem: String, in folder: String) -> String? {
        children(folder).first { ($0 as NSString).deletingPathExtension == stem && !isDirectory((folder as NSString).appendingPathComponent($0)) }
            .map { (folder as NSString).appendingPathComponent($0) }
    }

    /// Launchers and logs are named `<file name>.<something>`: the longest existing prefix.
    private static func sourcePrefix(of name: String, in folder: String) -> String? {
        var candidate = (name as NSString).deletingPathExtension
        while !candidate.isEmpty {
            let path = (folder as NSString).appendingPathComponent(candidate)
            // An OME-Zarr store is a folder that is an image (its launcher sits in .omio_cache).
            if StoreFiles.exists(path), !isDirectory(path) || ZarrStorePlacement.zarrFormat(ofFolder: path) != nil { return path }
            let shorter = (candidate as NSString).deletingPathExtension
            if shorter == candidate { break }
            candidate = shorter
        }
        return nil
    }

    private static func lastUsed(_ path: String) -> Date {
        var st = stat()
        guard stat(path, &st) == 0 else { return Date(timeIntervalSince1970: 0) }
        let a = Double(st.st_atim.tv_sec) + Double(st.st_atim.tv_nsec) / 1e9
        let m = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        return Date(timeIntervalSince1970: max(a, m))
    }

    private static func children(_ dir: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dir))?.sorted() ?? []
    }

    private static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// A folder that is not a symbolic link (the walk never follows links to folders).
    private static func isRealDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}

/// A file's (device, inode): the same folder reached by two paths is one folder.
struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}
