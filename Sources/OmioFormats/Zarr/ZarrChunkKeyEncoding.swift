/// How a chunk's grid coordinates become its key: v3 "default" (`c/1/0/3`, the `c` keeps chunk
/// keys apart from child nodes) or "v2" / Zarr v2 (`1.0.3`, `0` for a 0-d array).
struct ZarrChunkKeyEncoding: Sendable, Equatable {
    let prefixed: Bool
    let separator: String

    static func v2(separator: String) -> ZarrChunkKeyEncoding { ZarrChunkKeyEncoding(prefixed: false, separator: separator) }
    static func v3Default(separator: String) -> ZarrChunkKeyEncoding { ZarrChunkKeyEncoding(prefixed: true, separator: separator) }

    func key(_ coords: [Int]) -> String {
        let joined = coords.map(String.init).joined(separator: separator)
        if prefixed { return coords.isEmpty ? "c" : "c" + separator + joined }
        return coords.isEmpty ? "0" : joined
    }

    /// v3's `chunk_key_encoding` object.
    static func parseV3(_ json: JSONValue?) throws -> ZarrChunkKeyEncoding {
        guard let json else { return .v3Default(separator: "/") }
        guard let name = json["name"]?.stringValue else { throw FormatError("chunk_key_encoding has no name") }
        let sep = json["configuration"]?["separator"]?.stringValue
        switch name {
        case "default": return .v3Default(separator: try check(sep ?? "/"))
        case "v2": return .v2(separator: try check(sep ?? "."))
        default: throw FormatError("chunk key encoding '\(name)' is not supported")
        }
    }

    static func check(_ separator: String) throws -> String {
        guard separator == "/" || separator == "." else { throw FormatError("chunk key separator '\(separator)' is not supported (only / and .)") }
        return separator
    }
}
