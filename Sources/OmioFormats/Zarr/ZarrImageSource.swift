import Dispatch
import Foundation

/// An OME-NGFF image (0.4 on Zarr v2, 0.5 on Zarr v3), a plain 2- to 5-D Zarr array (OMIO's
/// `.omio_cache/<stem>.zarr`, any other array) or our own store, in a folder or behind a URL.
/// Opening reads the group metadata and every level's array metadata (in parallel: over HTTP
/// that is two round trips, one when the store's metadata is consolidated); `read` fetches
/// only the chunks a region touches. The levels of the
/// multiscales are the pyramid the display slicer chooses from.
public final class ZarrImageSource: ImageSource, @unchecked Sendable {
    /// The folder or URL as given.
    public let path: String
    public let store: ZarrKeyStore
    /// The image's group (or array) inside the store: "" for the store itself, "A/1/0" for the
    /// first field of a plate opened at its root.
    public let imagePath: String
    public var format: FileFormat { .omeZarr }
    public var seriesCount: Int { 1 }

    let levels: [ZarrArrayReader]
    let axes: NGFFAxes
    let model: ImageMetadata
    /// The group's (or the array's) attributes, for the raw tree.
    let attributes: JSONValue
    let kind: String

    /// What `open` found before the pixels: the node's attributes and how to read them.
    struct Plan {
        var imagePath: String
        var attributes: JSONValue
        var zarrFormat: Int
        var multiscales: NGFFMultiscales?
        var warnings: [String] = []
        /// A remote store's consolidated metadata, which answers for the levels.
        var consolidated: ConsolidatedKeys?
    }

    /// Opens the image at the root of `store` (or, for a plate or well, its first field).
    public static func open(store: ZarrKeyStore) throws -> ZarrImageSource {
        do {
            return try ZarrImageSource(store: store, plan: plan(store: store))
        } catch let e as OmioError {
            throw e
        } catch {
            throw OmioError(store.location, error.omioReason)
        }
    }

    /// The one sentence for a folder or URL without Zarr metadata.
    public static func notAnImage(_ location: String) -> String {
        "not an OME-Zarr image (no zarr.json or .zattrs at \(location))"
    }

    /// Follows plates, wells and bioformats2raw layouts down to one image.
    static func plan(store: ZarrKeyStore) throws -> Plan {
        // .zmetadata in the same wave: a v2 store's consolidated metadata (only remote stores read it).
        let rootKeys = try PrefetchedKeys.wrap(store, ["zarr.json", ".zattrs", ".zarray", ".zgroup", ".zmetadata"])
        guard let root = try ZarrNode.open(store: rootKeys, path: "") else {
            throw FormatError(notAnImage(store.location))
        }
        let consolidated = ConsolidatedKeys.wrap(store, root: rootKeys)
        if root.isArray { return Plan(imagePath: "", attributes: root.attributes, zarrFormat: root.zarrFormat) }
        if let m = try NGFFMultiscales(attributes: root.attributes) {
            return Plan(imagePath: "", attributes: root.attributes, zarrFormat: root.zarrFormat, multiscales: m, consolidated: consolidated)
        }
        // A collection: the first image inside it, with a warning saying what else is there.
        let lookup = consolidated ?? store
        guard let (path, note) = try ZarrHierarchy.firstImage(store: lookup, attributes: root.attributes) else {
            throw FormatError("not an OME-Zarr image (the Zarr group at \(store.location) has no multiscales, plate or well)")
        }
        guard let node = try (try? ZarrNode.open(store: lookup, path: path)) ?? ZarrNode.open(store: store, path: path),
              let m = try NGFFMultiscales(attributes: node.attributes) else {
            throw FormatError("\(note), but \(path) is not an OME-NGFF image")
        }
        return Plan(imagePath: path, attributes: node.attributes, zarrFormat: node.zarrFormat, multiscales: m, warnings: [note],
                    consolidated: consolidated)
    }

    init(store: ZarrKeyStore, plan: Plan) throws {
        path = store.location
        self.store = store
        imagePath = plan.imagePath
        attributes = plan.attributes
        if let ms = plan.multiscales {
            axes = ms.axes
            let paths = ms.datasets.map { ZarrImageSource.join(plan.imagePath, $0.path) }
            levels = try ZarrImageSource.openLevels(store, paths, zarrFormat: plan.zarrFormat, consolidated: plan.consolidated)
            let isOurs = plan.attributes["omio"]?["manifest"] != nil
            kind = isOurs ? "omio-tui store (OME-NGFF \(ms.version ?? "?"))" : "OME-NGFF \(ms.version ?? "(no version)")"
        } else {
            let a = try ZarrArrayReader(store: store, path: plan.imagePath)
            let omio = plan.attributes["omio_metadata"]
            // OMIO's cache says its axes ("TZCYX"); xarray-style v2 arrays name theirs.
            let names = omio?["axes"]?.stringValue.map { $0.map { String($0).lowercased() } }
                ?? a.metadata.dimensionNames
                ?? plan.attributes["_ARRAY_DIMENSIONS"]?.arrayValue?.compactMap(\.stringValue)
            axes = try NGFFAxes(rank: a.metadata.shape.count, dimensionNames: names)
            levels = [a]
            kind = omio != nil ? "OMIO cache (Zarr v\(a.metadata.zarrFormat) array)" : "Zarr v\(a.metadata.zarrFormat) array"
        }
        try ZarrImageSource.checkLevels(levels, axes: axes)
        model = ZarrMetadataModel.build(path: store.location, plan: plan, axes: axes, level0: levels[0].metadata, levelCount: levels.count)
    }

    static func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : a + "/" + b }

    /// Every level's array metadata: from the consolidated metadata when the store has it (no
    /// request), else fetched at the same time (one round trip over HTTP). A level whose
    /// consolidated entry does not parse is fetched from its own files.
    static func openLevels(_ store: ZarrKeyStore, _ paths: [String], zarrFormat: Int,
                           consolidated: ConsolidatedKeys?) throws -> [ZarrArrayReader] {
        let names = zarrFormat == 3 ? ["zarr.json"] : ["zarr.json", ".zarray", ".zattrs"]
        func ownFiles(_ ps: [String]) throws -> ZarrKeyStore {
            try PrefetchedKeys.wrap(store, ps.flatMap { p in names.map { p + "/" + $0 } })
        }
        guard let consolidated else { return try openLevels(ownFiles(paths), paths) }
        // A level the consolidation does not list (added since) is fetched like a malformed one.
        var readers = paths.map { p in consolidated.lists(p) ? try? ZarrArrayReader(store: consolidated, path: p) : nil }
        let stale = paths.indices.filter { readers[$0] == nil }
        guard !stale.isEmpty else { return readers.map { $0! } }
        let fetched = try openLevels(ownFiles(stale.map { paths[$0] }), stale.map { paths[$0] })
        for (i, r) in zip(stale, fetched) { readers[i] = r }
        return readers.map { $0! }
    }

    /// On threads of their own (ZarrParallel): concurrentPerform runs as many at once as there
    /// are cores, so 3 levels on 2 cores took two round trips.
    static func openLevels(_ store: ZarrKeyStore, _ paths: [String]) throws -> [ZarrArrayReader] {
        final class Box: @unchecked Sendable {
            var results: [Result<ZarrArrayReader, Error>?]
            let lock = NSLock()
            init(_ n: Int) { results = Array(repeating: nil, count: n) }
        }
        let box = Box(paths.count)
        try ZarrParallel.forEach(paths.count, width: paths.count) { i in
            let r = Result { try ZarrArrayReader(store: store, path: paths[i]) }
            box.lock.withLock { box.results[i] = r }
        }
        return try zip(paths, box.results).map { p, r in
            do { return try r!.get() } catch { throw FormatError("level \(p): \(error.omioReason)") }
        }
    }

    /// The most channels an image may claim, as for CZI: the metadata model keeps a record per
    /// channel, so a header's claim must not size it.
    static let maxChannels = CZILayout.maxChannels

    static func checkLevels(_ levels: [ZarrArrayReader], axes: NGFFAxes) throws {
        let first = levels[0].metadata
        if let c = axes.c, first.shape[c] > maxChannels {
            throw FormatError("the image claims \(first.shape[c]) channels (at most \(maxChannels) are read)")
        }
        for a in levels {
            guard a.metadata.shape.count == axes.count else {
                throw FormatError("the array \(a.path) has \(a.metadata.shape.count) dimensions but the axes name \(axes.count)")
            }
            guard a.metadata.dtype == first.dtype else {
                throw FormatError("the array \(a.path) is \(a.metadata.dtype.rawValue) but level 0 is \(first.dtype.rawValue)")
            }
            guard a.metadata.shape.allSatisfy({ $0 > 0 }) else { throw FormatError("the array \(a.path) is empty (shape \(a.metadata.shape))") }
        }
    }

    public func metadata(series: Int) -> ImageMetadata { model }

    public func levelSizes(series: Int) -> [(height: Int, width: Int)] {
        levels.map { (height: $0.metadata.shape[axes.y], width: $0.metadata.shape[axes.x]) }
    }

    /// The stored chunks; over the network, whole multiples of them up to ~1024 px a side, so a
    /// view's tiles are a few reads whose chunks are fetched together (display code reads tile
    /// after tile, and each read of one small chunk would cost a round trip).
    public func chunkGrid(series: Int, level: Int) -> ChunkGrid {
        let chunks = levels[level].metadata.chunkShape
        let h = chunks[axes.y], w = chunks[axes.x]
        guard store.isRemote else { return ChunkGrid(height: h, width: w) }
        return ChunkGrid(height: h * max(1, ZarrImageSource.remoteTile / h), width: w * max(1, ZarrImageSource.remoteTile / w))
    }

    static let remoteTile = 1024

    /// The local store folder (what an output must never be written into); nothing for a URL.
    public var inputFiles: [String] { store.isRemote ? [] : [path] }

    public func read(series: Int, level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
        try NoSuchSeries.check(series, path: path, count: 1)
        try ReadRequest.checkLevel(path, level, count: levels.count)
        let a = levels[level]
        let shape = a.metadata.shape
        try ReadRequest.check(path, plane: plane, region: region, shape: model.shape, width: shape[axes.x], height: shape[axes.y])
        let full = levels[0].metadata.shape
        var ranges = shape.map { _ in ZarrRange(lower: 0, upper: 1, step: 1) }
        // A level may be downsampled along Z (or T, C) too: index it in proportion.
        for (dim, index) in [(axes.t, plane.t), (axes.c, plane.c), (axes.z, plane.z)] {
            guard let dim else { continue }
            let i = min(shape[dim] - 1, index * shape[dim] / full[dim])
            ranges[dim] = ZarrRange(lower: i, upper: i + 1, step: 1)
        }
        ranges[axes.y] = ZarrRange(lower: region.rows.lowerBound, upper: region.rows.upperBound, step: region.rowStep)
        ranges[axes.x] = ZarrRange(lower: region.cols.lowerBound, upper: region.cols.upperBound, step: region.colStep)
        let h = region.outputHeight, w = region.outputWidth
        var bytes: [UInt8]
        do {
            bytes = try a.read(ranges)
        } catch {
            throw OmioError(path, "\(a.path.isEmpty ? "the array" : a.path): \(error.omioReason)")
        }
        guard bytes.count == h * w * a.metadata.dtype.bytes else {
            throw OmioError(path, "internal: the reader returned \(bytes.count) bytes for a \(w)x\(h) region")
        }
        if axes.x < axes.y { bytes = ZarrImageSource.transpose(bytes, rows: w, cols: h, sampleBytes: a.metadata.dtype.bytes) }
        return PixelBuffer(dtype: a.metadata.dtype, width: w, height: h, bytes: bytes)
    }

    /// An X-before-Y array's region (w rows of h) as rows of Y.
    static func transpose(_ src: [UInt8], rows: Int, cols: Int, sampleBytes b: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: src.count)
        for r in 0..<rows {
            for c in 0..<cols {
                for k in 0..<b { out[(c * rows + r) * b + k] = src[(r * cols + c) * b + k] }
            }
        }
        return out
    }

    public func rawTree() -> [MetaNode] {
        ZarrRawTree.nodes(self)
    }
}
