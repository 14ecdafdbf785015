import Foundation

/// How the front door recognizes a Zarr store: a folder holding Zarr metadata (whatever its
/// name), a folder named `.zarr` without it (refused with the reason), or an http(s):// or
/// s3:// location. Other folders are left to the file readers, which call them folders.
extension ImageOpener {
    /// The metadata files that make a folder a Zarr node: v3, v2 group (with or without
    /// attributes), v2 array.
    static let zarrMetadataNames = ["zarr.json", ".zattrs", ".zgroup", ".zarray"]

    /// True when `path` is a folder with Zarr metadata at its top (cheap: a few stats; for the
    /// browser's badge and for the opener).
    public static func isZarrFolder(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return false }
        return zarrMetadataNames.contains { access(path + "/" + $0, F_OK) == 0 }
    }

    /// A remote store (http://, https://, s3://) opened as an image.
    static func openRemoteZarr(_ location: String) throws -> ImageSource {
        let store: ZarrKeyStore
        do { store = try RemoteStores.open(location) } catch let e as OmioError { throw e } catch { throw OmioError(location, error.omioReason) }
        return try ZarrImageSource.open(store: store)
    }

    /// The store folder at `path` opened as an image, or nil when `path` is not a store (a
    /// file, or a folder for the file readers to refuse).
    static func openZarrFolder(_ path: String) throws -> ImageSource? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return nil }
        if isZarrFolder(path) {
            return try ZarrImageSource.open(store: LocalZarrStore(folder: path))
        }
        var name = path.lowercased()
        while name.count > 1, name.hasSuffix("/") { name.removeLast() }
        if name.hasSuffix(".zarr") { throw OmioError(path, ZarrImageSource.notAnImage(path)) }
        return nil
    }
}
