/// The raw TIFF tags of a container as a tree: one node per IFD (capped), one per tag.
enum TIFFRawTree {
    static let maxIFDs = 200
    static let maxValues = 16

    static func tags(of c: TIFFContainer) -> MetaNode {
        var ifds: [MetaNode] = []
        for (i, off) in c.ifdOffsets.prefix(maxIFDs).enumerated() {
            guard let ifd = try? c.ifd(at: off) else {
                ifds.append(MetaNode("IFD \(i)", "unreadable"))
                continue
            }
            ifds.append(MetaNode("IFD \(i)", "offset \(off)", ifd.entries.map { node(c, $0) }))
        }
        if c.ifdOffsets.count > maxIFDs {
            ifds.append(MetaNode("… \(c.ifdOffsets.count - maxIFDs) more IFDs"))
        }
        let kind = (c.bigTIFF ? "BigTIFF" : "TIFF") + (c.bigEndian ? ", big-endian" : ", little-endian")
        return MetaNode("TIFF tags", "\(kind), \(c.ifdOffsets.count) IFDs", ifds)
    }

    static func node(_ c: TIFFContainer, _ e: TIFFEntry) -> MetaNode {
        let label = TIFFTag.name(e.tag)
        let value: String
        switch e.type {
        case 2:
            // Long text (OME-XML, ImageJ Info) is shown in its own section; here only its start,
            // decoded from the first bytes alone (a tag may hold megabytes).
            let s = e.count > 480 ? ((try? c.rawValue(e.prefix(480))).map(preview) ?? "?") : ((try? c.string(e)) ?? "?")
            let oneLine = s.replacingOccurrences(of: "\n", with: "⏎")
            value = oneLine.count > 120 || e.count > 480 ? String(oneLine.prefix(120)) + "… (\(e.count) bytes)" : oneLine
        case 5, 10, 11, 12:
            value = list((try? c.doubles(e.prefix(maxValues + 1)))?.map { JSONValue.format($0) }, count: e.count)
        case 7 where e.count > UInt64(maxValues):
            value = "\(e.count) bytes"
        default:
            value = list((try? c.integers(e.prefix(maxValues + 1)))?.map { String(Int64(bitPattern: $0)) }, count: e.count)
        }
        return MetaNode(label, value + (e.count > 1 && e.type != 2 ? "  [\(e.typeName) x\(e.count)]" : "  [\(e.typeName)]"))
    }

    /// The start of a long text: UTF-8 even when cut inside its last character, else Latin-1.
    static func preview(_ bytes: [UInt8]) -> String {
        let text = bytes.prefix { $0 != 0 }
        for cut in 0...min(3, text.count) {
            if let s = String(validating: text.dropLast(cut), as: UTF8.self) { return s }
        }
        return TIFFContainer.decodeText(Array(text))
    }

    static func list(_ values: [String]?, count: UInt64) -> String {
        guard let values else { return "unreadable" }
        if values.count <= maxValues { return values.joined(separator: " ") }
        return values.prefix(maxValues).joined(separator: " ") + " … (\(count) values)"
    }
}
