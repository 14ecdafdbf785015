import Foundation
import OmioFormats

/// Where things about a Zarr store go, decided without opening it: whether a folder is a store
/// (its metadata files, one stat each), the store a folder lies inside (sidecars go beside the
/// outermost one, never inside the user's data), and the URL forms of remote stores.
public enum ZarrStorePlacement {
    /// The Zarr format of the node at `folder`: 3 when it holds `zarr.json`, 2 when it holds
    /// `.zgroup`, `.zarray` or `.zattrs`; nil for any other folder (and for files).
    public static func zarrFormat(ofFolder folder: String) -> Int? {
        if isFile(folder + "/zarr.json") { return 3 }
        if isFile(folder + "/.zgroup") || isFile(folder + "/.zarray") || isFile(folder + "/.zattrs") { return 2 }
        return nil
    }

    /// For a folder that is a Zarr node: the outermost store folder above it (or itself) and the
    /// path components from there to it (empty when it is the store's root). Nil for files and
    /// other folders. Paths are taken by their text (`LexicalPath`), never through links.
    public static func enclosingStore(of path: String) -> (root: String, inside: [String])? {
        var root = LexicalPath.absolute(path)
        guard isFolder(root), zarrFormat(ofFolder: root) != nil else { return nil }
        var inside: [String] = []
        while root != "/" {
            let parent = LexicalPath.folder(of: root)
            guard zarrFormat(ofFolder: parent) != nil else { break }
            inside.insert((root as NSString).lastPathComponent, at: 0)
            root = parent
        }
        return (root, inside)
    }

    /// `http://`, `https://` and `s3://` locations: remote stores.
    public static func isURL(_ location: String) -> Bool {
        let lower = location.prefix(8).lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("s3://")
    }

    /// A URL as keyed: as given, without trailing slashes (`…/x.ome.zarr/` and `…/x.ome.zarr`
    /// are one store).
    public static func canonicalURL(_ url: String) -> String {
        var u = Substring(url)
        while u.hasSuffix("/"), !u.hasSuffix("://") { u = u.dropLast() }
        return String(u)
    }

    private static func isFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    private static func isFolder(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
