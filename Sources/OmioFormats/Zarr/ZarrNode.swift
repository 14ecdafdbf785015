/// What sits at a path of a Zarr hierarchy: an array or a group, its format and attributes.
public struct ZarrNodeInfo: Sendable {
    public let zarrFormat: Int
    public let isArray: Bool
    /// v3 `attributes` / v2 `.zattrs`; `.null` when there are none.
    public let attributes: JSONValue
}

public enum ZarrNode {
    /// v3: `zarr.json`; v2: `.zarray` or `.zgroup`, with `.zattrs` (a `.zattrs` alone counts as
    /// a v2 group: OME-NGFF 0.4 images written without `.zgroup` exist). nil when the path holds
    /// no metadata at all.
    public static func open(store: ZarrKeyStore, path: String) throws -> ZarrNodeInfo? {
        let v3Key = key(path, "zarr.json")
        if let bytes = try store.get(v3Key) {
            return try ZarrArrayReader.naming(v3Key) {
                let json = try ZarrMetadataParser.json(bytes, name: "zarr.json")
                guard json["zarr_format"]?.intValue == 3 else { throw FormatError("is not Zarr format 3") }
                let type = json["node_type"]?.stringValue
                guard type == "array" || type == "group" else { throw FormatError("node_type is neither array nor group") }
                return ZarrNodeInfo(zarrFormat: 3, isArray: type == "array", attributes: json["attributes"] ?? .null)
            }
        }
        let attrsKey = key(path, ".zattrs")
        let attributes = try store.get(attrsKey).map { bytes in
            try ZarrArrayReader.naming(attrsKey) { try ZarrMetadataParser.json(bytes, name: ".zattrs") }
        }
        if try store.get(key(path, ".zarray")) != nil {
            return ZarrNodeInfo(zarrFormat: 2, isArray: true, attributes: attributes ?? .null)
        }
        let group = try store.get(key(path, ".zgroup"))
        if attributes != nil || group != nil {
            return ZarrNodeInfo(zarrFormat: 2, isArray: false, attributes: attributes ?? .null)
        }
        return nil
    }

    /// `name` below `path` ("" is the root).
    static func key(_ path: String, _ name: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        return trimmed.isEmpty ? name : trimmed + "/" + name
    }
}
