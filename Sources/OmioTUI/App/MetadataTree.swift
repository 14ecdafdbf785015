import OmioEngine
import OmioFormats

/// The metadata pane: the normalized fields first, then Annotations and the raw sections
/// (TIFF tags per IFD, ImageJ description, OME-XML, LSM record) as a collapsible tree.
struct MetadataTree {
    /// One node; `field` names a normalized, editable field (PhysicalSizeZ, Channel 1 Name...).
    struct Node {
        var label: String
        var value: String?
        var children: [Node] = []
        var field: String?
        var style: Style = .plain
        var id: String = ""

        enum Style { case plain, warning, edited, section }
    }

    /// A visible row: the node, its depth, and whether it can open.
    struct Row {
        let node: Node
        let depth: Int
        let expandable: Bool
        let expanded: Bool
    }

    private(set) var roots: [Node] = []
    private(set) var expanded: Set<String> = []
    private(set) var rows: [Row] = []
    var selection = 0
    var scroll = 0

    init() {}

    /// Rebuilds from metadata (+ raw sections when loaded), keeping what was open.
    mutating func set(metadata m: ImageMetadata, raw: [MetaNode]?) {
        let firstTime = roots.isEmpty
        roots = MetadataTree.normalizedNodes(m) + [MetadataTree.annotations(m)] + (raw ?? []).map { MetadataTree.node($0) }
        if raw == nil { roots.append(Node(label: "Raw metadata", value: "loading…", style: .section)) }
        assignIDs()
        if firstTime { expanded = ["Image", "Image/Channels"] }
        flatten()
    }

    mutating func clear() {
        roots = []
        rows = []
        selection = 0
        scroll = 0
    }

    static func normalizedNodes(_ m: ImageMetadata) -> [Node] {
        let s = m.shape
        let suspicious = m.suspiciousFields
        func style(_ key: String) -> Node.Style {
            m.edited.contains(key) ? .edited : (suspicious.contains(key) ? .warning : .plain)
        }
        func size(_ axis: String) -> Node {
            let key = "PhysicalSize\(axis)"
            var v = "\(ImageMetadata.format(m.physicalSize(axis))) µm"
            if m.defaulted.contains(key) { v += " (default)" }
            if m.edited.contains(key) { v += " ✎" }
            if suspicious.contains(key), m.plausibilityWarnings.contains(where: { $0.hasPrefix(key) }) { v += "  ! implausible" }
            return Node(label: key, value: v, field: key, style: style(key))
        }
        var image = Node(label: "Image", value: "\(m.format.rawValue), series \(m.series + 1)/\(m.seriesCount)", style: .section)
        image.children = [
            Node(label: "axes", value: "TZCYX"),
            Node(label: "shape", value: "T \(s.t)  Z \(s.z)  C \(s.c)  Y \(s.y)  X \(s.x)"),
            Node(label: "dtype", value: m.dtype.rawValue),
            size("X"), size("Y"), size("Z"),
            Node(label: "TimeIncrement", value: (m.timeIncrement.map { "\(ImageMetadata.format($0)) s" } ?? "unknown") + (m.edited.contains("TimeIncrement") ? " ✎" : ""),
                 field: "TimeIncrement", style: style("TimeIncrement")),
        ]
        if m.levels > 1 { image.children.append(Node(label: "levels", value: "\(m.levels)")) }
        var channels = Node(label: "Channels", value: "\(m.channels.count)")
        let colors = ChannelColors.resolve(m)
        for (i, ch) in m.channels.enumerated() {
            let nameKey = "Channel \(i) Name", colorKey = "Channel \(i) Color"
            channels.children.append(Node(label: "Channel \(i)", value: ch.name ?? "-", children: [
                Node(label: "Name", value: ch.name ?? "-", field: nameKey, style: style(nameKey)),
                Node(label: "Color", value: (ch.color?.hex ?? "none") + (ch.color == nil ? "  (shown \(colors[i].hex))" : ""),
                     field: colorKey, style: style(colorKey)),
            ]))
        }
        image.children.append(channels)
        image.children.append(Node(label: "Description", value: m.description.map { $0.count > 200 ? String($0.prefix(200)) + "…" : $0 } ?? "-",
                                   field: "Description", style: style("Description")))
        var out = [image]
        let warnings = m.warnings
        if !warnings.isEmpty {
            out.append(Node(label: "Warnings", value: "\(warnings.count)", children: warnings.map { Node(label: "!", value: $0, style: .warning) }, style: .warning))
        }
        return out
    }

    static func annotations(_ m: ImageMetadata) -> Node {
        Node(label: "Annotations", value: "\(m.annotations.count)",
             children: m.annotations.map { Node(label: $0.0, value: $0.1.displayString.replacingOccurrences(of: "\n", with: "⏎")) },
             style: .section)
    }

    static func node(_ m: MetaNode) -> Node {
        Node(label: m.label, value: m.value, children: m.children.map { node($0) }, style: .section)
    }

    private mutating func assignIDs() {
        func walk(_ n: inout Node, _ prefix: String, _ seen: inout [String: Int]) {
            var id = prefix.isEmpty ? n.label : prefix + "/" + n.label
            if let k = seen[id] {
                seen[id] = k + 1
                id += "#\(k + 1)"
            } else {
                seen[id] = 0
            }
            n.id = id
            var childSeen: [String: Int] = [:]
            for i in n.children.indices { walk(&n.children[i], id, &childSeen) }
        }
        var seen: [String: Int] = [:]
        for i in roots.indices { walk(&roots[i], "", &seen) }
    }

    private mutating func flatten() {
        var out: [Row] = []
        func walk(_ n: Node, _ depth: Int) {
            let open = expanded.contains(n.id)
            out.append(Row(node: n, depth: depth, expandable: !n.children.isEmpty, expanded: open))
            if open { for c in n.children { walk(c, depth + 1) } }
        }
        for r in roots { walk(r, 0) }
        rows = out
        selection = min(selection, max(0, rows.count - 1))
    }

    var selectedRow: Row? { rows.indices.contains(selection) ? rows[selection] : nil }

    mutating func move(_ delta: Int) {
        guard !rows.isEmpty else { return }
        selection = min(max(0, selection + delta), rows.count - 1)
    }

    /// Right/Enter/l: open a closed node, or step into an open one.
    mutating func open() {
        guard let row = selectedRow, row.expandable else { return }
        if row.expanded { move(1) } else {
            expanded.insert(row.node.id)
            flatten()
        }
    }

    /// Left/h: close an open node, or go to the parent.
    mutating func close() {
        guard let row = selectedRow else { return }
        if row.expanded {
            expanded.remove(row.node.id)
            flatten()
            return
        }
        var i = selection - 1
        while i >= 0, rows[i].depth >= row.depth { i -= 1 }
        if i >= 0 { selection = i }
    }

    /// Keeps the selection inside a window of `height` rows.
    mutating func scrollToSelection(height: Int) {
        if selection < scroll { scroll = selection }
        if selection >= scroll + height { scroll = selection - height + 1 }
        scroll = max(0, min(scroll, max(0, rows.count - height)))
    }
}
