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

    public var json: JSONValue {
        let iso = StoreManifest.isoFormatter
        return .object([
            ("path", .string(path)),
            ("source", .optional(source)),
            ("bytes", .int(Int(bytes))),
            ("state", .string(state.rawValue)),
            ("kind", .string(kind.rawValue)),
            ("built", .optional(built.map { iso.string(from: $0) })),
            ("last_used", .string(iso.string(from: lastUsed))),
            ("building", .bool(building)),
        ])
    }
}

/// Lists the caches of a folder: its `.omio_cache/`, and stores built into the folder itself
/// with `--cache-dir` (recognised by their omio manifest; other `.ome.zarr` data is not ours).
public enum CacheInventory {
    /// - Parameter recursive: also every subfolder (hidden folders and Zarr stores excluded).
    public static func list(folder: String, recursive: Bool = false) -> [CacheEntry] {
        let folder = StoreLocation.absolutePath(folder)
        var entries: [CacheEntry] = []
        if (folder as NSString).lastPathComponent == StoreLocation.cacheFolderName {
            entries += scanCacheFolder(folder, dataFolder: (folder as NSString).deletingLastPathComponent)
        } else {
            entries += scanExplicitFolder(folder)
            let cache = (folder as NSString).appendingPathComponent(StoreLocation.cacheFolderName)
            if isDirectory(cache) { entries += scanCacheFolder(cache, dataFolder: folder) }
            if recursive {
                for name in children(folder) where !name.hasPrefix(".") && !name.hasSuffix(".zarr") && !name.contains(".zarr.") {
                    let sub = (folder as NSString).appendingPathComponent(name)
                    if isDirectory(sub) { entries += list(folder: sub, recursive: true) }
                }
            }
        }
        return entries.sorted { $0.path < $1.path }
    }

    private static func scanCacheFolder(_ dir: String, dataFolder: String) -> [CacheEntry] {
        children(dir).compactMap { name -> CacheEntry? in
            let path = (dir as NSString).appendingPathComponent(name)
            if name.hasPrefix(".") || name.hasSuffix(".lock") { return nil } // temp files; locks must stay (see StoreLock)
            if isOurStoreName(name) { return storeEntry(path) ?? brokenStore(path) }
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

    private static func scanExplicitFolder(_ dir: String) -> [CacheEntry] {
        children(dir).filter(isOurStoreName).compactMap { storeEntry((dir as NSString).appendingPathComponent($0)) }
    }

    private static func isOurStoreName(_ name: String) -> Bool {
        name.hasSuffix(StoreLocation.storeSuffix) || name.hasSuffix(StoreLocation.storeSuffix + ".partial")
            || name.contains(StoreLocation.storeSuffix + ".old-")
    }

    /// A store with a manifest: its state from the manifest and the source as it is now.
    private static func storeEntry(_ path: String) -> CacheEntry? {
        guard let manifest = StoreManifest.read(storePath: path) else { return nil }
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

    /// A store-named folder without a manifest: killed before its first metadata was written.
    private static func brokenStore(_ path: String) -> CacheEntry {
        entry(path, kind: .store, state: .partial, source: nil)
    }

    private static func entry(_ path: String, kind: CacheEntry.Kind, state: CacheEntry.State, source: String?) -> CacheEntry {
        let name = (path as NSString).lastPathComponent
        var lockPath: String?
        if let r = name.range(of: StoreLocation.storeSuffix) {
            lockPath = ((path as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent(String(name[..<r.upperBound]) + ".lock")
        }
        let building = kind == .store && lockPath.map(StoreLock.isHeld) == true
        return CacheEntry(path: path, source: source, bytes: StoreFiles.diskUsage(path), state: building ? .inUse : state, kind: kind,
                          built: nil, lastUsed: lastUsed(path), building: building)
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
            if StoreFiles.exists(path), !isDirectory(path) { return path }
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
}
