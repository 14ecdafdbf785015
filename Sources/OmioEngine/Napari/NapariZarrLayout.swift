import Foundation
import OmioFormats

/// How napari reads an OME-Zarr source in place: no copy is built, the launcher opens the
/// store's own level arrays (local folder or URL) with `dask.array.from_zarr` and maps their
/// dimensions onto t, c, z, y, x as the reader does (`ZarrImageSource.dimensionRoles`).
public struct NapariZarrLayout: Equatable, Sendable {
    /// The store's root as the launcher opens it: a folder or a URL.
    public var location: String
    public var isRemote: Bool
    /// Per level: the array's path below `location` ("" when the image is the array itself).
    public var levelPaths: [String]
    /// Per level: the array's shape in its own dimension order.
    public var levelShapes: [[Int]]
    /// Per array dimension: "t", "c", "z", "y" or "x" ("_" for a dimension with no role, read
    /// at index 0), in the array's order (OMIO's cache arrays are t, z, c, y, x; NGFF images
    /// any subset of t, c, z, y, x).
    public var axes: [String]

    public init(location: String, isRemote: Bool, levelPaths: [String], levelShapes: [[Int]], axes: [String]) {
        self.location = location
        self.isRemote = isRemote
        self.levelPaths = levelPaths
        self.levelShapes = levelShapes
        self.axes = axes
    }

    /// The layout of an OME-Zarr source (a folder or a URL).
    public static func read(source: ImageSource) throws -> NapariZarrLayout {
        guard let z = source as? ZarrImageSource else { throw OmioError(source.path, "is not an OME-Zarr store") }
        let arrays = z.levelArrays
        // A remote store as fetched (an s3:// location as its HTTPS endpoint URL): zarr's
        // fsspec store then needs only fsspec and aiohttp, not s3fs.
        let location = (z.store as? HTTPKeyStore).map { $0.base.absoluteString } ?? z.store.location
        return NapariZarrLayout(location: location, isRemote: z.store.isRemote, levelPaths: arrays.map(\.path),
                                levelShapes: arrays.map(\.shape), axes: z.dimensionRoles.map { $0 ?? "_" })
    }

    /// The layout of the store folder at `folder`.
    public static func read(folder: String) throws -> NapariZarrLayout {
        try read(source: ZarrImageSource.open(store: LocalZarrStore(folder: LexicalPath.absolute(folder))))
    }

    /// The level shapes as TZCYX (a missing axis is 1).
    public var shapes: [Shape] {
        levelShapes.map { s in
            func n(_ a: String) -> Int { axes.firstIndex(of: a).map { s[$0] } ?? 1 }
            return Shape(t: n("t"), z: n("z"), c: n("c"), y: n("y"), x: n("x"))
        }
    }
}
