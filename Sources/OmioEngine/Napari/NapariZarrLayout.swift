import Foundation
import OmioFormats

/// How napari reads an OME-Zarr source in place: no copy is built, the launcher opens the
/// store's own level arrays (local folder or URL) with `dask.array.from_zarr` and maps their
/// axes onto t, c, z, y, x. Read from the store's metadata (the group's `multiscales`, each
/// level's array shape), the way OME-NGFF names them.
public struct NapariZarrLayout: Equatable, Sendable {
    /// The store's root as the launcher opens it: a folder or a URL.
    public var location: String
    public var isRemote: Bool
    /// Per level: the array's path below `location` ("" when the image is the array itself).
    public var levelPaths: [String]
    /// Per level: the array's shape in its own axis order.
    public var levelShapes: [[Int]]
    /// The array's axes as t, c, z, y, x letters, in the array's order (OMIO's cache arrays are
    /// t, z, c, y, x; NGFF images any subset of t, c, z, y, x).
    public var axes: [String]

    /// The layout of the image at `path` of `store` (a multiscales group, or a plain array).
    public static func read(store: ZarrKeyStore, path: String = "") throws -> NapariZarrLayout {
        func json(_ key: String) throws -> JSONValue? {
            guard let bytes = try store.get(ZarrStorePlacementKeys.join(path, key)) else { return nil }
            do { return try JSONValue.parse(Data(bytes)) } catch { throw FormatError("\(key) is not valid JSON") }
        }
        let location = ZarrStorePlacementKeys.join(store.location, path)
        let v3 = try json("zarr.json")
        let attributes: JSONValue
        if let v3 { attributes = v3["attributes"] ?? .null } else { attributes = try json(".zattrs") ?? .null }
        let ome = attributes["ome"] ?? attributes
        if let multiscale = ome["multiscales"]?.arrayValue?.first {
            let datasets = (multiscale["datasets"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
            guard !datasets.isEmpty else { throw FormatError("multiscales has no datasets") }
            let shapes = try datasets.map { try arrayShape(store: store, path: ZarrStorePlacementKeys.join(path, $0)) }
            let axes = try letters(multiscale["axes"]?.arrayValue ?? [], rank: shapes[0].count)
            return NapariZarrLayout(location: location, isRemote: store.isRemote, levelPaths: datasets, levelShapes: shapes, axes: axes)
        }
        // A plain array: OMIO's cache (t, z, c, y, x, with `omio_metadata`) or any 2-5-D array.
        let shape = try arrayShape(store: store, path: path)
        let axes = attributes["omio_metadata"] != nil && shape.count == 5 ? ["t", "z", "c", "y", "x"] : try letters([], rank: shape.count)
        return NapariZarrLayout(location: location, isRemote: store.isRemote, levelPaths: [""], levelShapes: [shape], axes: axes)
    }

    /// An array's shape from its `zarr.json` (v3) or `.zarray` (v2).
    static func arrayShape(store: ZarrKeyStore, path: String) throws -> [Int] {
        for key in ["zarr.json", ".zarray"] {
            guard let bytes = try store.get(ZarrStorePlacementKeys.join(path, key)) else { continue }
            guard let meta = try? JSONValue.parse(Data(bytes)), let shape = meta["shape"]?.arrayValue?.compactMap(\.intValue),
                  !shape.isEmpty else { throw FormatError("\(ZarrStorePlacementKeys.join(path, key)) has no shape") }
            return shape
        }
        throw FormatError("no array at \(path.isEmpty ? "the store's root" : path)")
    }

    /// NGFF axes as letters: by type (time → t, channel → c; space: the last two y and x, a
    /// third z), else by name. Without axes (0.1-0.3, plain arrays): the last `rank` of t, c, z, y, x.
    static func letters(_ axes: [JSONValue], rank: Int) throws -> [String] {
        guard !axes.isEmpty else {
            guard (2...5).contains(rank) else { throw FormatError("a \(rank)-D array has no axes napari can place") }
            return Array(["t", "c", "z", "y", "x"].suffix(rank))
        }
        guard axes.count == rank else { throw FormatError("\(axes.count) axes for a \(rank)-D array") }
        let types = axes.map { a -> String in
            (a["type"]?.stringValue ?? a.stringValue.map { ["t": "time", "c": "channel"][$0] ?? "space" } ?? "space").lowercased()
        }
        let spaceIndices = types.indices.filter { types[$0] == "space" }
        var out = types.map { $0 == "time" ? "t" : $0 == "channel" ? "c" : "?" }
        for (k, i) in spaceIndices.reversed().enumerated() { out[i] = k == 0 ? "x" : k == 1 ? "y" : "z" }
        guard Set(out).count == out.count, !out.contains("?"), out.contains("y"), out.contains("x") else {
            throw FormatError("axes \(axes.map { $0["name"]?.stringValue ?? $0.stringValue ?? "?" }) cannot be mapped onto t, c, z, y, x")
        }
        return out
    }

    /// A local folder as a key store, for reading the layout of a store opened by its path.
    public static func read(folder: String) throws -> NapariZarrLayout {
        try read(store: LocalZarrStore(folder: LexicalPath.absolute(folder)))
    }
}

/// `prefix/key` as Zarr keys and URLs join.
enum ZarrStorePlacementKeys {
    static func join(_ prefix: String, _ key: String) -> String {
        if key.isEmpty { return prefix }
        if prefix.isEmpty { return key }
        return prefix.hasSuffix("/") ? prefix + key : prefix + "/" + key
    }
}

extension NapariZarrLayout {
    /// The layout of an OME-Zarr source: its folder (the path it was opened by).
    public static func read(source: ImageSource) throws -> NapariZarrLayout {
        guard !ZarrStorePlacement.isURL(source.path) else {
            throw OmioError(source.path, "napari cannot open a remote store in place yet")
        }
        do { return try read(folder: source.path) } catch let e as OmioError { throw e } catch {
            throw OmioError(source.path, error.omioReason)
        }
    }
}
