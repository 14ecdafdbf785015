import Foundation
import OmioFormats

/// What a build may delete or replace: only folders omio-tui provably made. A `--cache-dir`
/// can hold a user's own `<name>.ome.zarr` (a conversion made with another tool), and a
/// `.omio_cache` can be a link into someone else's folder; neither is ours to replace.
enum StoreOwnership {
    /// Refuses to build through a `.omio_cache` that is a symbolic link: the store (and its
    /// deletions of stale stores) would land in the link's target. Purge refuses it too.
    static func checkCacheFolder(_ directory: String) throws {
        var st = stat()
        guard (directory as NSString).lastPathComponent == StoreLocation.cacheFolderName,
              lstat(directory, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return }
        throw OmioError(directory, "is a symbolic link; refusing to build a store through it (use --cache-dir for another place)")
    }

    /// Whether `<name>.ome.zarr.lock` is there as a plain file: the trace every build leaves
    /// (and purge removes with the store). Taken before this build creates its own.
    static func hasLockFile(_ location: StoreLocation) -> Bool {
        var st = stat()
        return lstat(location.lockPath, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Throws unless the store folder is absent or ours: its group attributes carry our
    /// manifest, or (a store damaged by a crash or a full disk) its group metadata is there but
    /// unparseable, a build left its lock file beside it, and it holds only what we write.
    /// A group that parses but carries no manifest is someone else's (zarr-python writes the
    /// same `zarr.json` and `0/` we do), whatever lock file sits beside it: a refused build
    /// leaves none, but an older version or a user may have.
    static func checkReplaceable(_ location: StoreLocation, hadLockFile: Bool) throws {
        let path = location.storePath
        guard let isFolder = kind(path) else { return }
        let ours = isFolder && (StoreManifest.read(storePath: path) != nil
            || (hadLockFile && groupMetadataUnparseable(path) && onlyStoreEntries(path)))
        guard ours else { throw OmioError(path, "exists and was not made by omio-tui; refusing to replace it (move it away or use another --cache-dir)") }
    }

    /// True when the folder has group metadata files and none of them parses as JSON: the
    /// trace of a write cut short. A folder without any group file is not "damaged", it is unknown.
    static func groupMetadataUnparseable(_ path: String) -> Bool {
        let files = ["zarr.json", ".zgroup", ".zattrs"].compactMap {
            FileManager.default.contents(atPath: (path as NSString).appendingPathComponent($0))
        }
        return !files.isEmpty && files.allSatisfy { (try? JSONValue.parse($0)) == nil }
    }

    /// A `.partial` folder found under our lock is a killed build's when it carries our
    /// manifest or holds only what a build writes (it may have died before the manifest).
    static func checkPartialRemovable(_ location: StoreLocation) throws {
        let path = location.partialPath
        guard let isFolder = kind(path) else { return }
        guard isFolder, StoreManifest.read(storePath: path) != nil || onlyStoreEntries(path) else {
            throw OmioError(path, "exists and was not made by omio-tui; refusing to remove it")
        }
    }

    /// A folder moved aside by a killed build (`<name>.ome.zarr.old-<pid>`) is removed only
    /// when it is a store of ours.
    static func isOurStore(_ path: String) -> Bool {
        kind(path) == true && StoreManifest.read(storePath: path) != nil
    }

    /// Whether a purge may list and remove the store-named folder at `path` (in a `.omio_cache`):
    /// a cache store with our manifest, a killed build's `.partial` holding only what a build
    /// writes, or a store damaged under our lock (`checkReplaceable`'s rule). A complete
    /// OME-Zarr a user copied in, even one named `x.tif.ome.zarr` beside `x.tif`, is not.
    /// A symbolic link with a store's name may go too: it is removed as a link, never followed,
    /// so no data behind it is lost.
    static func isPurgeableStore(_ path: String) -> Bool {
        var link = stat()
        if lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK { return true }
        guard kind(path) == true else { return false }
        if let manifest = StoreManifest.read(storePath: path) { return manifest.role == .cache }
        if path.hasSuffix(".partial") { return onlyStoreEntries(path) }
        guard path.hasSuffix(StoreLocation.storeSuffix), let lock = StoreLocation.lockPath(of: path) else { return false }
        var st = stat()
        let hasLock = lstat(lock, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
        return hasLock && groupMetadataUnparseable(path) && onlyStoreEntries(path)
    }

    /// nil when nothing is there; true for a real folder, false for anything else (links too).
    private static func kind(_ path: String) -> Bool? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Group metadata, level folders (`0`, `1`, ...) and our temporary files: nothing else.
    private static func onlyStoreEntries(_ path: String) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return false }
        return names.allSatisfy { name in
            ["zarr.json", ".zgroup", ".zattrs"].contains(name) || (!name.isEmpty && name.allSatisfy(\.isNumber))
                || (name.hasPrefix(".") && name.contains(".tmp-"))
        }
    }
}
