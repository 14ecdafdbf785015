/// The Zarr groups that hold images rather than being one: an HCS plate (wells), a well
/// (fields) and a bioformats2raw layout (series). The browser lists them as folders
/// (Plate → Well → Field); opening one as an image shows its first image with a warning.
public enum ZarrHierarchy {
    public enum Kind: String, Sendable {
        /// A plate's well: a folder of fields.
        case well
        /// A well's field or a bioformats2raw series: an image.
        case image
    }

    public struct Child: Sendable, Equatable {
        /// What the browser shows: "A/1" for a well, "0" for a field or series.
        public let name: String
        /// The child's path inside the store (a key prefix).
        public let path: String
        public let kind: Kind
    }

    /// The children of the collection at `path` inside `store`; nil when the node there is an
    /// image, an array, or nothing this knows (list a folder's files instead).
    public static func children(store: ZarrKeyStore, path: String) throws -> [Child]? {
        guard let node = try ZarrNode.open(store: store, path: path), !node.isArray else { return nil }
        return try children(store: store, path: path, attributes: node.attributes)
    }

    static func children(store: ZarrKeyStore, path: String, attributes a: JSONValue) throws -> [Child]? {
        let ome = a["ome"]
        if let plate = ome?["plate"] ?? a["plate"] {
            return (plate["wells"]?.arrayValue ?? []).compactMap { w in
                guard let p = w["path"]?.stringValue, safe(p) else { return nil }
                return Child(name: p, path: ZarrImageSource.join(path, p), kind: .well)
            }
        }
        if let well = ome?["well"] ?? a["well"] {
            return (well["images"]?.arrayValue ?? []).compactMap { f in
                guard let p = f["path"]?.stringValue, safe(p) else { return nil }
                return Child(name: p, path: ZarrImageSource.join(path, p), kind: .image)
            }
        }
        if a["bioformats2raw.layout"] != nil {
            // The series are listed in OME/ (0.4: .zattrs "series"; 0.5: ome.series); without
            // that list, bioformats2raw's layout has series 0 at least.
            let listed = try ZarrNode.open(store: store, path: ZarrImageSource.join(path, "OME")).flatMap {
                ($0.attributes["ome"]?["series"] ?? $0.attributes["series"])?.arrayValue?.compactMap(\.stringValue)
            }
            return (listed ?? ["0"]).filter(safe).map { Child(name: $0, path: ZarrImageSource.join(path, $0), kind: .image) }
        }
        return nil
    }

    /// A collection's first image and the warning that says what else it holds; nil when the
    /// attributes describe no collection.
    static func firstImage(store: ZarrKeyStore, attributes: JSONValue) throws -> (path: String, note: String)? {
        guard let kids = try children(store: store, path: "", attributes: attributes) else { return nil }
        guard let first = kids.first else { throw FormatError("the Zarr group lists no wells, fields or series") }
        switch first.kind {
        case .image:
            let isWell = (attributes["ome"]?["well"] ?? attributes["well"]) != nil
            let count = isWell ? EnglishCount.of(kids.count, "field") : EnglishCount.of(kids.count, "series", plural: "series")
            return (first.path, "\(isWell ? "an HCS well" : "a bioformats2raw container") of \(count); showing \(first.name) (browse it as a folder for the others)")
        case .well:
            guard let well = try ZarrNode.open(store: store, path: first.path),
                  let fields = try children(store: store, path: first.path, attributes: well.attributes), let field = fields.first else {
                throw FormatError("the plate's first well \(first.path) lists no fields")
            }
            let plate = attributes["ome"]?["plate"] ?? attributes["plate"]
            let perWell = plate?["field_count"]?.intValue ?? fields.count
            let total = kids.count * perWell
            return (field.path, "an HCS plate of \(EnglishCount.of(kids.count, "well")) with up to \(EnglishCount.of(perWell, "field")) each (up to \(total) fields); showing field \(field.name) of well \(first.name) (browse the plate as a folder for the others)")
        }
    }

    /// A relative key prefix that stays inside the store.
    static func safe(_ p: String) -> Bool {
        !p.isEmpty && !p.hasPrefix("/") && !p.split(separator: "/").contains { $0 == ".." || $0 == "." }
    }
}
