/// A remote store's consolidated metadata: every node's metadata documents gathered at the
/// root (v3: the root zarr.json's inline `consolidated_metadata`; v2: `.zmetadata`), which
/// zarr-python's `consolidate_metadata` writes. Opening an image then needs no request for its
/// levels' metadata: two waves (root, chunks) instead of three.
///
/// Consolidated metadata can be stale (a level rewritten afterwards); zarr-python trusts it all
/// the same, and so do we for remote stores only: a local folder's own files cost a stat and
/// are always current. Metadata keys of a node the consolidation lists are answered from it
/// (absent when it does not hold them); everything else goes to the store.
final class ConsolidatedKeys: ZarrKeyStore, @unchecked Sendable {
    let base: ZarrKeyStore
    /// Node path ("" is the root, "s0", "A/1/0/0") → its documents by file name.
    private let nodes: [String: [String: [UInt8]]]

    static let metadataNames: Set = ["zarr.json", ".zarray", ".zattrs", ".zgroup"]

    /// The consolidation of the remote `store`, read through `root` (which already holds the
    /// root's zarr.json and .zmetadata); nil for a local store or a store without one.
    static func wrap(_ store: ZarrKeyStore, root: ZarrKeyStore) -> ConsolidatedKeys? {
        guard store.isRemote else { return nil }
        var nodes: [String: [String: [UInt8]]] = [:]
        if let json = document(root, "zarr.json"), let metadata = json["consolidated_metadata"] {
            addV3(metadata, prefix: "", to: &nodes)
        } else if let json = document(root, ".zmetadata"), json["zarr_consolidated_format"]?.intValue == 1,
                  case let .object(entries)? = json["metadata"] {
            for (key, doc) in entries {
                let (path, name) = split(key)
                // A malformed entry is left out: the node's own file is read instead.
                guard metadataNames.contains(name), case .object = doc else { continue }
                nodes[path, default: [:]][name] = Array(doc.serialized().utf8)
            }
        }
        return nodes.isEmpty ? nil : ConsolidatedKeys(base: store, nodes: nodes)
    }

    /// v3 `{"kind": "inline", "metadata": {"s0": {...zarr.json...}}}`; a group's entry may hold
    /// its own consolidation (paths relative to it).
    private static func addV3(_ consolidated: JSONValue, prefix: String, to nodes: inout [String: [String: [UInt8]]]) {
        guard consolidated["kind"]?.stringValue == "inline", case let .object(entries)? = consolidated["metadata"] else { return }
        for (path, doc) in entries {
            guard case .object = doc, doc["zarr_format"]?.intValue == 3 else { continue }
            let full = ZarrImageSource.join(prefix, path)
            nodes[full] = ["zarr.json": Array(doc.serialized().utf8)]
            if let inner = doc["consolidated_metadata"] { addV3(inner, prefix: full, to: &nodes) }
        }
    }

    private static func document(_ store: ZarrKeyStore, _ key: String) -> JSONValue? {
        guard let bytes = try? store.get(key) else { return nil }
        return try? ZarrMetadataParser.json(bytes, name: key)
    }

    /// "s0/.zarray" → ("s0", ".zarray"); ".zattrs" → ("", ".zattrs").
    static func split(_ key: String) -> (path: String, name: String) {
        guard let slash = key.lastIndex(of: "/") else { return ("", key) }
        return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }

    private init(base: ZarrKeyStore, nodes: [String: [String: [UInt8]]]) {
        self.base = base
        self.nodes = nodes
    }

    var location: String { base.location }
    var isRemote: Bool { base.isRemote }

    /// True when the consolidation holds metadata of the node at `path`.
    func lists(_ path: String) -> Bool { nodes[path] != nil }

    func get(_ key: String) throws -> [UInt8]? {
        let (path, name) = Self.split(key)
        if Self.metadataNames.contains(name), let docs = nodes[path] { return docs[name] }
        return try base.get(key)
    }

    func get(_ key: String, range: Range<Int>) throws -> [UInt8]? { try base.get(key, range: range) }
    func get(_ key: String, suffix count: Int) throws -> [UInt8]? { try base.get(key, suffix: count) }
    func getMany(_ keys: [String]) throws -> [String: [UInt8]?] { try base.getMany(keys) }
    func get(_ key: String, atMost limit: Int) throws -> [UInt8]? { try base.get(key, atMost: limit) }
    func discard(_ key: String, range: Range<Int>?) { base.discard(key, range: range) }
    func discard(_ key: String, suffix count: Int) { base.discard(key, suffix: count) }
    func get(_ key: String, suffix count: Int, atMost limit: Int) throws -> [UInt8]? { try base.get(key, suffix: count, atMost: limit) }
    func getMany(_ keys: [String], atMost limit: Int) throws -> [String: [UInt8]?] { try base.getMany(keys, atMost: limit) }
}
