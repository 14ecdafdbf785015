import Foundation
import OmioFormats

/// What `StoreBuilder.ensure` did.
public struct StoreBuildResult: Sendable {
    public let path: String
    /// True when a matching complete store was already there (nothing was read or written).
    public let reused: Bool
    /// Size of the store on disk.
    public let bytesOnDisk: Int64
    /// Uncompressed level-0 bytes of the series (what a build reads).
    public let sourceBytes: Int64
    public let seconds: Double
    /// Set when the store went somewhere other than beside the file (read-only folder).
    public let notice: String?
    /// Why a store that claimed to be up to date was rebuilt (its metadata was damaged).
    public let repaired: String?
}

/// Builds (or reuses) the OME-Zarr store of one series of a file, safely:
/// - a build writes into `<name>.ome.zarr.partial/`, renames the folder to `<name>.ome.zarr`
///   when every chunk is written, flushes the file system, and writes the group metadata with
///   `complete: true` last;
/// - an exclusive lock on `<name>.ome.zarr.lock` keeps a second builder waiting, after which it
///   finds the finished store and reuses it;
/// - a store is reused only when its manifest matches the source (size, mtime, series, overlay)
///   and the request (Zarr format, compression); otherwise it is stale and replaced.
public enum StoreBuilder {
    /// - Parameters:
    ///   - metadata: the metadata the store carries (with a metadata overlay applied; its hash
    ///     goes in `request.overlayHash`); defaults to the source's own. Only calibration is
    ///     taken from it: shape and dtype are the source's.
    ///   - progress: called from writer threads, one call at a time, after each level-0 chunk.
    ///   - readable: called with the store's path once a build has put every chunk in place,
    ///     before the data is made durable and the store marked complete (`StoreReader(path:
    ///     allowIncomplete: true)` reads it); not called when a store is reused. Its error is
    ///     thrown after the store is finished.
    public static func ensure(source: ImageSource, request: StoreRequest, metadata: ImageMetadata? = nil,
                              location: StoreLocation? = nil,
                              progress: ((StoreBuildProgress) -> Void)? = nil,
                              readable: ((String) throws -> Void)? = nil,
                              cancellation: StoreCancellation? = nil) throws -> StoreBuildResult {
        let started = Date()
        try NoSuchSeries.check(request.series, path: source.path, count: source.seriesCount)
        let location = try location ?? StoreLocation.resolve(source: source.path, series: request.series, cacheDir: request.cacheDir)
        // A store read as the source is the user's data: no cache or output is built inside it.
        try OutputTarget.refuseInsideInputFolders(location.storePath, inputs: source.inputFiles)
        let sourcePath = StoreManifest.sourcePath(source.path)
        let wanted = StoreManifest(sourcePath: sourcePath, source: try SourceFingerprint.of(path: source.path),
                                   request: request, complete: true)
        let own = source.metadata(series: request.series)
        let layout: StoreLayout
        do { layout = try StoreBuilder.layout(source: source, request: request) } catch { throw OmioError(source.path, error.omioReason) }
        var repair: String?
        func result(reused: Bool) -> StoreBuildResult {
            StoreBuildResult(path: location.storePath, reused: reused, bytesOnDisk: StoreFiles.diskUsage(location.storePath),
                             sourceBytes: Int64(own.shape.planeCount) * Int64(own.shape.y * own.shape.x * own.dtype.bytes),
                             seconds: Date().timeIntervalSince(started), notice: location.notice, repaired: reused ? nil : repair)
        }
        /// True when the store is complete, matches, and its metadata holds what it promises.
        func reusable() -> Bool {
            guard StoreManifest.read(storePath: location.storePath)?.satisfies(wanted) == true else { return false }
            repair = StoreIntegrity.problem(storePath: location.storePath, expected: layout)
            return repair == nil
        }
        if reusable() { return result(reused: true) }
        // Before a build sizes any buffer (or creates any folder) by the header's geometry:
        // the chunk tables must hold it. Reuse skips it: it parses every plane's table.
        try source.checkStorage(series: request.series)

        do {
            try StoreOwnership.checkCacheFolder(location.directory)
            let hadLockFile = StoreOwnership.hasLockFile(location)
            // A foreign folder is refused before any lock file is made beside it; checked again
            // under the lock, since another build may have changed the folder meanwhile.
            try StoreOwnership.checkReplaceable(location, hadLockFile: hadLockFile)
            try StoreFiles.makeDirectories(location.directory)
            let lock = try StoreLock.acquire(location.lockPath, cancellation: cancellation)
            defer { lock.release() }
            // Another process may have finished it while this one waited.
            if reusable() { return result(reused: true) }
            do { try StoreOwnership.checkReplaceable(location, hadLockFile: hadLockFile) } catch {
                if !hadLockFile { lock.removeFile() } // a refused build leaves no trace
                throw error
            }
            if StoreFiles.exists(location.storePath), StoreManifest.read(storePath: location.storePath) == nil {
                repair = "the group metadata is unreadable" // checkReplaceable proved it unparseable
            }
            try removeLeftovers(of: location) // from a killed or failed build

            var carried = metadata ?? own
            carried.shape = own.shape
            carried.dtype = own.dtype
            carried.series = request.series
            let name = (sourcePath as NSString).lastPathComponent
            var manifest = wanted
            manifest.complete = false
            let partial = location.partialPath
            do {
                try StoreFiles.makeDirectories(partial)
                try writeGroup(carried, layout: layout, name: name, manifest: manifest, into: partial)
                for (k, array) in layout.levels.enumerated() {
                    let folder = (partial as NSString).appendingPathComponent(String(k))
                    try StoreFiles.makeDirectories(folder)
                    try writeJSON(array.metadata, to: (folder as NSString).appendingPathComponent(array.metadataName))
                }
                try StoreBuildPipeline(source: source, series: request.series, layout: layout, root: partial,
                                       cancellation: cancellation, progress: progress).run()
                try replace(location.storePath, with: partial)
            } catch {
                try? StoreFiles.removeTree(partial)
                throw error
            }
            // In place but not yet `complete`: readable by `readable` (napari opens it now), not
            // reusable by anyone else until the data is durable. syncfs of 1 GB takes 1-2 s, which
            // a waiting napari window no longer spends idle. A crash before `complete` leaves an
            // incomplete store of ours, which the next build replaces.
            lock.downgrade()
            var handedOver: Error?
            do { try readable?(location.storePath) } catch { handedOver = error }
            StoreFiles.flushFileSystem(of: location.storePath)
            manifest.complete = true
            manifest.built = StoreManifest.isoFormatter.string(from: Date())
            try writeGroup(carried, layout: layout, name: name, manifest: manifest, into: location.storePath)
            if let handedOver { throw handedOver }
            return result(reused: false)
        } catch let error as CancellationError {
            throw error
        } catch let error as OmioError {
            throw error
        } catch {
            throw OmioError(location.storePath, error.omioReason)
        }
    }

    /// The complete store `request` would reuse for `source`, if there is one (no building).
    public static func existingStore(source: ImageSource, request: StoreRequest) -> String? {
        guard let location = try? StoreLocation.resolve(source: source.path, series: request.series, cacheDir: request.cacheDir),
              let fingerprint = try? SourceFingerprint.of(path: source.path),
              let layout = try? layout(source: source, request: request) else { return nil }
        let wanted = StoreManifest(sourcePath: StoreManifest.sourcePath(source.path), source: fingerprint, request: request, complete: true)
        guard StoreManifest.read(storePath: location.storePath)?.satisfies(wanted) == true,
              StoreIntegrity.problem(storePath: location.storePath, expected: layout) == nil else { return nil }
        return location.storePath
    }

    /// The arrays a store of this series has: level shapes and chunking from the source.
    static func layout(source: ImageSource, request: StoreRequest) throws -> StoreLayout {
        let own = source.metadata(series: request.series)
        return try StoreLayout(shape: own.shape, dtype: own.dtype, sourceGrid: source.chunkGrid(series: request.series, level: 0),
                               format: request.zarrFormat, compression: request.compression)
    }

    private static func writeGroup(_ m: ImageMetadata, layout: StoreLayout, name: String, manifest: StoreManifest, into folder: String) throws {
        for (file, json) in OMEZarrMetadata.groupFiles(m, levels: layout.levels.count, name: name, manifest: manifest) {
            try writeJSON(json, to: (folder as NSString).appendingPathComponent(file))
        }
    }

    private static func writeJSON(_ json: JSONValue, to path: String) throws {
        try AtomicFile.write(Data(json.serialized(pretty: true).utf8), to: path)
    }

    /// Partial folders, and old stores a killed build had moved aside; the caller holds the
    /// lock. Only what is provably ours goes (see StoreOwnership).
    private static func removeLeftovers(of location: StoreLocation) throws {
        try StoreOwnership.checkPartialRemovable(location)
        try StoreFiles.removeTree(location.partialPath)
        let prefix = (location.storePath as NSString).lastPathComponent + ".old-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: location.directory)) ?? [] where name.hasPrefix(prefix) {
            let path = (location.directory as NSString).appendingPathComponent(name)
            if StoreOwnership.isOurStore(path) { try StoreFiles.removeTree(path) }
        }
    }

    /// Renames the finished partial folder onto the store. An old store is first moved aside
    /// (rename cannot replace a non-empty folder), so at every instant the store name holds
    /// either a complete old store, nothing, or the complete new one.
    private static func replace(_ store: String, with partial: String) throws {
        let dir = (store as NSString).deletingLastPathComponent
        var aside: String?
        if StoreFiles.exists(store) {
            let name = "\(store).old-\(getpid())"
            guard rename(store, name) == 0 else { throw FormatError("cannot move the stale store aside: \(SystemErrorReason.of(errno: errno))") }
            aside = name
        }
        guard rename(partial, store) == 0 else { throw FormatError("cannot rename \(partial): \(SystemErrorReason.of(errno: errno))") }
        AtomicFile.syncDirectory(dir)
        if let aside { try StoreFiles.removeTree(aside) }
    }
}
