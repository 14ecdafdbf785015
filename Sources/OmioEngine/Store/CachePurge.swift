import Foundation
import OmioFormats

/// What a purge would remove and what it must leave, decided before anything is deleted, so
/// the confirmation can state the bytes it frees.
public struct PurgePlan: Sendable {
    public var entries: [CacheEntry] = []
    /// Entries left alone, with the reason (in use by a build, outside a .omio_cache folder...).
    public var skipped: [(entry: CacheEntry, reason: String)] = []
    /// For a full cleanup: the .omio_cache folders to remove once empty.
    public var folders: [String] = []
    /// The user confirmed removing stores an open napari window shows.
    public var force = false

    public var bytes: Int64 { entries.reduce(0) { $0 + $1.bytes } }

    /// Skipped only because a napari window shows them (`CachePurge.inUseReason`).
    public var inUse: [CacheEntry] { skipped.filter { $0.reason == CachePurge.inUseReason }.map(\.entry) }

    /// This plan with the stores napari shows moved into `entries` (after a second confirm or
    /// `--force`); their windows lose the layers.
    public func forcingInUse() -> PurgePlan {
        var p = self
        p.entries += inUse
        p.skipped.removeAll { $0.reason == CachePurge.inUseReason }
        p.force = true
        return p
    }
}

/// What a purge did: every path removed, every path that could not be, and the bytes freed.
public struct PurgeReport: Sendable {
    public var removed: [String] = []
    /// Emptied .omio_cache folders removed after a full cleanup: not entries of the list shown,
    /// so not counted with them.
    public var removedFolders: [String] = []
    public var failed: [(path: String, reason: String)] = []
    public var skipped: [(path: String, reason: String)] = []
    public var bytesFreed: Int64 = 0

    public var summary: String {
        var s = "removed \(EnglishCount.of(removed.count, "entry", plural: "entries")), freed \(PurgeReport.size(bytesFreed))"
        if !skipped.isEmpty { s += "; skipped \(skipped.count) (\(skipped.map(\.reason).first!))" }
        if !failed.isEmpty { s += "; FAILED \(failed.count): \(failed.map { "\($0.path): \($0.reason)" }.joined(separator: "; "))" }
        return s
    }

    /// "1.2 MB"; nothing at all is "0 bytes" (the formatter's own word for it is "Zero KB").
    public static func size(_ bytes: Int64) -> String {
        bytes == 0 ? "0 bytes" : ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file)
    }
}

/// OMIO's `cleanup_omio_cache`, made safe: only entries inside a folder named `.omio_cache`
/// are deleted, and elsewhere (a `--cache-dir`, the user's fallback cache) only what is provably
/// omio-tui's (`CacheInventory.isOurs`: a cache store with our manifest, our launchers and
/// logs); a store whose manifest says it is an output (`slice -o`) is never deleted anywhere;
/// symbolic links are removed as links (never followed), a `.omio_cache` that is itself a link
/// is refused, stores a running build holds are skipped, stores an open napari window shows are
/// skipped unless the plan is forced (`forcingInUse`), and sidecar edits (`*.omio.json`) and
/// source images are never touched.
public enum CachePurge {
    /// One entry (the menu's `d`).
    public static func plan(_ entries: [CacheEntry]) -> PurgePlan {
        var p = PurgePlan()
        for e in entries {
            if let reason = refusal(e) { p.skipped.append((e, reason)) } else { p.entries.append(e) }
        }
        return p
    }

    /// Everything made for one file (the menu's `f`, OMIO's `cleanup_omio_cache(fname)`): its
    /// stores and partial builds, launchers and logs, and OMIO's `<stem>.zarr` side stores.
    public static func plan(forFile file: String, in entries: [CacheEntry]) -> PurgePlan {
        let target = LexicalPath.absolute(file)
        let stem = ((target as NSString).lastPathComponent as NSString).deletingPathExtension
        let folder = LexicalPath.folder(of: target)
        return plan(entries.filter { e in
            if e.source.map({ LexicalPath.absolute($0) }) == target { return true }
            // OMIO's stores are named by stem and sit in the file's own folder's cache.
            guard e.kind == .foreign else { return false }
            let name = ((e.path as NSString).lastPathComponent as NSString).deletingPathExtension
            let cacheParent = ((e.path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
            return cacheParent == folder && (name == stem || name == stem + "_napari_squeezed")
        })
    }

    /// Stale, partial and orphan entries (the menu's `s`).
    public static func planStale(_ entries: [CacheEntry]) -> PurgePlan {
        plan(entries.filter { [.stale, .partial, .orphan].contains($0.state) })
    }

    /// A folder's whole `.omio_cache` (the menu's `A`, OMIO's `full_cleanup=True`), the stores,
    /// launchers and logs omio-tui put in the folder itself (a `--cache-dir`, the fallback
    /// cache; the folder itself stays), and the fallback stores of the folder's files.
    public static func planFullCleanup(folder: String) throws -> PurgePlan {
        let dir = LexicalPath.absolute(folder)
        let cache = (dir as NSString).appendingPathComponent(StoreLocation.cacheFolderName)
        var st = stat()
        let hasCache = lstat(cache, &st) == 0
        if hasCache {
            guard (st.st_mode & S_IFMT) != S_IFLNK else { throw OmioError(cache, "is a symbolic link; refusing to clean it") }
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw OmioError(cache, "is not a folder") }
        }
        // Everything `cache list DIR` shows, the fallback stores of its files included.
        var p = plan(try CacheInventory.walk(folder: dir).checked())
        if hasCache { p.folders = [cache] }
        return p
    }

    /// Deletes what the plan lists, reporting bytes freed as it goes.
    public static func execute(_ plan: PurgePlan, progress: (_ freed: Int64, _ total: Int64) -> Void = { _, _ in }) -> PurgeReport {
        var report = PurgeReport()
        report.skipped = plan.skipped.map { ($0.entry.path, $0.reason) }
        let total = plan.bytes
        for e in plan.entries {
            // Checked again now: a build may have started since the plan was made.
            if let reason = refusal(e, force: plan.force) {
                report.skipped.append((e.path, reason))
                continue
            }
            // A store is removed under its lock (a build cannot start on it meanwhile), and the
            // lock file goes too once neither the store nor a partial build is left.
            let lockPath = e.kind == .store ? StoreLocation.lockPath(of: e.path) : nil
            var lock: StoreLock?
            if let lockPath {
                do {
                    if let held = try StoreLock.tryAcquire(lockPath) {
                        lock = held
                    } else if !(plan.force && StoreLock.isShared(lockPath)) {
                        // A forced purge removes a store a napari window shows (the window
                        // keeps its lock file); a running build always wins.
                        report.skipped.append((e.path, "in use by a running build"))
                        continue
                    }
                } catch {} // a lock that is not a plain file: remove the store, leave the lock alone
            }
            do {
                try StoreFiles.removeTree(e.path) { freed in
                    report.bytesFreed += freed
                    progress(report.bytesFreed, total)
                }
                report.removed.append(e.path)
            } catch {
                report.failed.append((e.path, error.omioReason))
            }
            if let lock, let lockPath {
                let store = String(lockPath.dropLast(".lock".count))
                if !StoreFiles.exists(store), !StoreFiles.exists(store + ".partial") { lock.removeFile() } else { lock.release() }
            }
        }
        for folder in plan.folders {
            removeLeftovers(in: folder, force: plan.force, report: &report)
        }
        return report
    }

    /// Why a store an open napari window shows is left alone.
    public static let inUseReason = "in use (napari)"

    /// Why an entry must not be deleted, or nil when it may.
    static func refusal(_ e: CacheEntry, force: Bool = false) -> String? {
        let parent = (e.path as NSString).deletingLastPathComponent
        if e.path.hasSuffix(OverlayStore.suffix) { return "sidecar edits are never purged" }
        // Checked wherever it lies: an entry listed before a `slice -o` wrote over it, or a
        // plan made by hand, still never deletes a user's output.
        if e.kind == .store, StoreManifest.read(storePath: e.path).map({ $0.role != .cache }) == true {
            return "a file written as output (slice -o), not a cache"
        }
        if (parent as NSString).lastPathComponent == StoreLocation.cacheFolderName {
            var st = stat()
            if lstat(parent, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK { return "its .omio_cache is a symbolic link" }
            // Checked again here: a plan made by hand, or a folder replaced since the listing.
            if e.kind == .store, StoreFiles.exists(e.path), !StoreOwnership.isPurgeableStore(e.path) {
                return "not made by omio-tui (no omio manifest)"
            }
        } else if !CacheInventory.isOurs(e.path, kind: e.kind) {
            return "not inside a .omio_cache folder and not made by omio-tui"
        }
        if e.kind == .store, let lock = StoreLocation.lockPath(of: e.path) {
            if StoreLock.isHeld(lock) { return "in use by a running build" }
            if !force, StoreLock.isShared(lock) { return inUseReason }
        }
        return nil
    }

    /// After a full cleanup: unheld lock files, temporary files, then the folder itself when
    /// nothing in use is left in it.
    static func removeLeftovers(in folder: String, force: Bool, report: inout PurgeReport) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            let path = (folder as NSString).appendingPathComponent(name)
            if name.hasSuffix(".lock") {
                if StoreLock.isHeld(path) || (!force && StoreLock.isShared(path)) { continue }
                unlink(path)
            } else if name.hasPrefix(".") {
                try? StoreFiles.removeTree(path)
            }
        }
        if ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).isEmpty {
            if rmdir(folder) == 0 { report.removedFolders.append(folder) } else {
                report.failed.append((folder, SystemErrorReason.of(errno: errno)))
            }
        }
    }
}
