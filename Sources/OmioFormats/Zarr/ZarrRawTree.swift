/// The raw metadata of a Zarr image as the TUI's tree shows it: what it is, its axes, each
/// level's array (shape, chunks, shards, dtype, codecs), its labels, and the attributes as
/// stored.
enum ZarrRawTree {
    static let maxItems = 64

    static func nodes(_ s: ZarrImageSource) -> [MetaNode] {
        var top = [MetaNode("Location", s.path), MetaNode("Kind", s.kind)]
        if !s.imagePath.isEmpty { top.append(MetaNode("Image", s.imagePath)) }
        let a = s.axes
        top.append(MetaNode("Axes", a.names.joined(separator: ","), a.names.indices.map { i in
            let role = [(a.t, "T"), (a.c, "C"), (a.z, "Z"), (a.y, "Y"), (a.x, "X")].first { $0.0 == i }?.1 ?? "unmapped (index 0)"
            return MetaNode(a.names[i], role + (a.units[i].map { ", \($0)" } ?? ""))
        }))
        top.append(MetaNode("Levels", "\(s.levels.count)", s.levels.map(level)))
        var out = [MetaNode("OME-Zarr", nil, top)]
        if let labels = labels(s) { out.append(labels) }
        out.append(json("Attributes", s.attributes))
        return out
    }

    static func level(_ r: ZarrArrayReader) -> MetaNode {
        let m = r.metadata
        func dims(_ v: [Int]) -> String { v.map(String.init).joined(separator: "x") }
        var kids = [
            MetaNode("Shape", dims(m.shape)),
            MetaNode("Chunks", dims(m.chunkShape)),
        ]
        if m.storedChunkShape != m.chunkShape { kids.append(MetaNode("Shards", dims(m.storedChunkShape))) }
        kids += [
            MetaNode("Data type", m.dtype.rawValue),
            MetaNode("Codecs", m.codecSummary),
            MetaNode("Fill value", JSONValue.format(m.fillValue)),
            MetaNode("Zarr format", "\(m.zarrFormat)"),
        ]
        if let names = m.dimensionNames { kids.append(MetaNode("Dimension names", names.joined(separator: ","))) }
        return MetaNode(r.path.isEmpty ? "(array)" : r.path, "\(dims(m.shape)) \(m.dtype.rawValue), \(m.codecSummary)", kids)
    }

    /// The image's `labels` group: the names its "labels" list gives (fetched on demand).
    static func labels(_ s: ZarrImageSource) -> MetaNode? {
        guard !s.levels.isEmpty, s.kind.contains("NGFF"),
              let node = try? ZarrNode.open(store: s.store, path: ZarrImageSource.join(s.imagePath, "labels")),
              let list = (node.attributes["ome"]?["labels"] ?? node.attributes["labels"])?.arrayValue else { return nil }
        let names = list.compactMap(\.stringValue)
        return MetaNode("Labels", "\(names.count)", names.map { MetaNode($0, "labels/\($0)") })
    }

    /// A JSON value as a tree, long lists cut.
    static func json(_ label: String, _ v: JSONValue) -> MetaNode {
        switch v {
        case let .object(pairs):
            var kids = pairs.prefix(maxItems).map { json($0.0, $0.1) }
            if pairs.count > maxItems { kids.append(MetaNode("… \(pairs.count - maxItems) more")) }
            return MetaNode(label, nil, kids)
        case let .array(items):
            if items.allSatisfy({ $0.arrayValue == nil && $0.objectValue == nil }), items.count <= 16 {
                return MetaNode(label, JSONValue.array(items).serialized())
            }
            var kids = items.prefix(maxItems).enumerated().map { json("[\($0.offset)]", $0.element) }
            if items.count > maxItems { kids.append(MetaNode("… \(items.count - maxItems) more")) }
            return MetaNode(label, "\(items.count) items", kids)
        case let .string(s): return MetaNode(label, s.count > 200 ? String(s.prefix(200)) + "…" : s)
        default: return MetaNode(label, v.serialized())
        }
    }
}
