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
        return try eitherVersion(store, path, v3: { bytes in
            try ZarrArrayReader.naming(v3Key) {
                let json = try document(store, v3Key, bytes)
                guard json["zarr_format"]?.intValue == 3 else { throw FormatError("is not Zarr format 3") }
                let type = json["node_type"]?.stringValue
                guard type == "array" || type == "group" else { throw FormatError("node_type is neither array nor group") }
                return ZarrNodeInfo(zarrFormat: 3, isArray: type == "array", attributes: json["attributes"] ?? .null)
            }
        }, v2: {
            let attrsKey = key(path, ".zattrs")
            let attributes = try store.get(attrsKey).map { bytes in
                try ZarrArrayReader.naming(attrsKey) { try document(store, attrsKey, bytes) }
            }
            if try store.get(key(path, ".zarray")) != nil {
                return ZarrNodeInfo(zarrFormat: 2, isArray: true, attributes: attributes ?? .null)
            }
            let group = try store.get(key(path, ".zgroup"))
            guard attributes != nil || group != nil else { return nil }
            return ZarrNodeInfo(zarrFormat: 2, isArray: false, attributes: attributes ?? .null)
        })
    }

    /// `v3` of the path's `zarr.json`, else what `v2` reads from the v2 files (nil: nothing
    /// there). A failure to fetch `zarr.json` (a server's 500s, a hang) does not matter when the
    /// path holds v2 metadata: it is thrown only when `v2` finds nothing or fails too.
    static func eitherVersion<T>(_ store: ZarrKeyStore, _ path: String, v3: ([UInt8]) throws -> T,
                                 v2: () throws -> T?) throws -> T? {
        let v3Bytes: [UInt8]?
        var v3Failure: Error?
        do { v3Bytes = try store.get(key(path, "zarr.json")) } catch { (v3Bytes, v3Failure) = (nil, error) }
        if let v3Bytes { return try v3(v3Bytes) }
        let found: T?
        do { found = try v2() } catch { throw v3Failure ?? error }
        if found == nil, let v3Failure { throw v3Failure }
        return found
    }

    /// The JSON document under `key`. One that does not parse (a portal's HTML page) is also
    /// dropped from any cache in between, so it does not outlive the fault.
    static func document(_ store: ZarrKeyStore, _ key: String, _ bytes: [UInt8]) throws -> JSONValue {
        let name = key.split(separator: "/").last.map(String.init) ?? key
        do { return try ZarrMetadataParser.json(bytes, name: name) } catch {
            store.discard(key, range: nil)
            throw error
        }
    }

    /// `name` below `path` ("" is the root).
    static func key(_ path: String, _ name: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        return trimmed.isEmpty ? name : trimmed + "/" + name
    }
}
