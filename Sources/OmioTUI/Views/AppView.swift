import Foundation
import OmioEngine
import OmioFormats
import OmioRender

/// Draws the model's panes, status line and overlays onto a canvas. The preview's image
/// cells are painted separately (they need colours the canvas does not model).
enum AppView {
    /// Below this the panes cannot show a file name and its shape: one centred line instead.
    static let minimumSize = (cols: 40, rows: 10)

    static func tooSmall(_ c: Canvas) -> Bool { c.cols < minimumSize.cols || c.rows < minimumSize.rows }

    static func draw(_ m: AppModel, on c: Canvas, spinner: String) {
        if tooSmall(c) {
            let long = "enlarge the window (\(minimumSize.cols)×\(minimumSize.rows) at least) · q quits"
            let clipped = [long, "enlarge the window", "too small"].first { TextWidth.width($0) <= c.cols } ?? ""
            c.text(c.rows / 2, max(0, (c.cols - TextWidth.width(clipped)) / 2), clipped, style: .bold)
            return
        }
        let l = m.layout
        BrowserView.draw(m, rect: l.browser, on: c)
        TreeView.draw(m, rect: l.tree, on: c)
        if let p = l.preview {
            for y in 0..<p.height { c.text(p.y + y, p.x - 1, "│", style: .dim, width: 1) }
            PreviewView.draw(m, rect: p, on: c, spinner: spinner)
        }
        StatusView.draw(m, row: l.status, on: c, spinner: spinner)
        if let menu = m.purgeMenu { PurgeMenuView.draw(menu, model: m, on: c) }
        if m.showHelp { HelpView.draw(m, on: c) }
    }

    /// True when an overlay covers the preview (its image is then not painted).
    static func previewCovered(_ m: AppModel) -> Bool {
        m.showHelp || m.purgeMenu != nil || m.screen.cols < minimumSize.cols || m.screen.rows < minimumSize.rows
    }

    /// A pane's title row. The focused pane's title starts with a marker and is bold, so the
    /// focus shows on terminals that draw neither dim nor colour.
    static func title(_ text: String, rect: AppModel.Rect, focused: Bool, on c: Canvas) {
        c.fill(rect.y, rect.x, width: rect.width, style: focused ? .selected : .status)
        c.text(rect.y, rect.x, (focused ? "▶ " : "  ") + text, style: focused ? .focusedTitle : .status, width: rect.width)
    }

    /// `name` cut in the middle to `width` columns, keeping its end (the extension) visible.
    static func middleCut(_ name: String, _ width: Int) -> String {
        guard TextWidth.width(name) > width else { return name }
        guard width > 1 else { return TextWidth.clip(name, to: width) }
        let tail = max(1, (width - 1) * 2 / 5), head = width - 1 - tail
        let scalars = Array(name.unicodeScalars)
        var end = String.UnicodeScalarView(), w = 0
        for u in scalars.reversed() {
            let cw = TextWidth.columns(u)
            if w + cw > tail { break }
            end.insert(u, at: end.startIndex)
            w += cw
        }
        return TextWidth.clip(name, to: head) + "…" + String(end)
    }
}

enum BrowserView {
    static func draw(_ m: AppModel, rect r: AppModel.Rect, on c: Canvas) {
        let b = m.browser
        var title = b.cwd
        if !b.filter.isEmpty || m.editingFilter { title += "  /" + b.filter + (m.editingFilter ? "▏" : "") }
        if b.showHidden { title += "  [hidden shown]" }
        AppView.title(title, rect: r, focused: m.focus == .browser, on: c)
        let height = r.height - 1
        guard height > 0 else { return }
        var state = m.browser
        state.scrollToSelection(height: height)
        m.browser.scroll = state.scroll
        let visible = b.visible
        if b.loading && visible.isEmpty { c.text(r.y + 1, r.x + 1, "reading…", style: .dim, width: r.width - 1) }
        if let e = b.error { c.text(r.y + 1, r.x + 1, e, style: .error, width: r.width - 1) }
        if !b.loading && b.error == nil && visible.isEmpty {
            c.text(r.y + 1, r.x + 1, b.filter.isEmpty ? "(empty folder)" : "(nothing matches /\(b.filter))", style: .dim, width: r.width - 1)
        }
        for row in 0..<height {
            let i = state.scroll + row
            guard i < visible.count else { break }
            let e = visible[i]
            let y = r.y + 1 + row
            let selected = i == b.selection
            let marked = b.marks.contains(e.path)
            var name = (marked ? "✓" : " ") + e.name
            if e.kind == .directory { name += "/" }
            if e.isSymlink { name += " →" }
            let style: TextStyle
            switch e.kind {
            case .directory: style = .directory
            case .image: style = .normal
            case .other: style = .dim
            }
            // The size only when everything fits; otherwise the shape is clipped, and the name
            // keeps its full length or at least a third of the pane.
            var detail = "", size = ""
            var detailStyle = TextStyle.dim
            if let h = e.header {
                detail = (h.badge.map { "[\($0)] " } ?? "") + h.text
                // A store is a folder: its st_size says nothing (and summing it would walk it).
                if h.badge != nil, e.zarr == nil { size = "  " + PurgeReport.size(e.size) }
                if h.isError { detailStyle = h.badge == nil ? .error : .warning }
            } else if let z = e.zarr, z.role != .image {
                detail = "[\(z.badge)] " + EnglishCount.of(z.children.count, z.role == .plate ? "well" : "field")
            } else if e.kind == .image {
                detail = "…"
            } else if e.kind == .other {
                detail = PurgeReport.size(e.size)
            }
            // Names before badges: drop the size, then the shape, then the badge; only then cut
            // the name, in the middle, so its extension stays visible.
            let badge = (e.header?.badge ?? e.zarr.flatMap { $0.role == .image ? nil : $0.badge }).map { "[\($0)]" } ?? ""
            let nameFull = TextWidth.width(name)
            let fits = { (d: String) in nameFull + 1 + TextWidth.width(d) <= r.width }
            if fits(detail + size) {
                detail += size
            } else if !fits(detail) {
                detail = fits(badge) && !badge.isEmpty ? badge : ""
            }
            let detailWidth = TextWidth.width(detail)
            let nameWidth = r.width - detailWidth - 1
            name = AppView.middleCut(name, nameWidth)
            if selected { c.fill(y, r.x, width: r.width, style: m.focus == .browser ? .selected : .selectedDim) }
            c.text(y, r.x, TextWidth.fit(name, nameWidth), style: selected ? (m.focus == .browser ? .selected : .selectedDim) : style, width: nameWidth)
            c.text(y, r.x + r.width - detailWidth, detail, style: selected ? (m.focus == .browser ? .selected : .selectedDim) : detailStyle, width: detailWidth)
        }
    }
}

enum TreeView {
    static func draw(_ m: AppModel, rect r: AppModel.Rect, on c: Canvas) {
        let name = m.viewer.map { ($0.path as NSString).lastPathComponent } ?? "no file open"
        AppView.title("Metadata: " + name, rect: r, focused: m.focus == .tree, on: c)
        let height = r.height - 1
        guard height > 0 else { return }
        m.tree.scrollToSelection(height: height)
        let rows = m.tree.rows
        if rows.isEmpty { c.text(r.y + 1, r.x + 1, "Enter on a file in the browser opens it", style: .dim, width: r.width - 1) }
        for row in 0..<height {
            let i = m.tree.scroll + row
            guard i < rows.count else { break }
            let t = rows[i]
            let y = r.y + 1 + row
            let marker = t.expandable ? (t.expanded ? "▾ " : "▸ ") : "  "
            let indent = String(repeating: "  ", count: t.depth)
            let label = indent + marker + t.node.label
            let selected = i == m.tree.selection
            var style: TextStyle
            switch t.node.style {
            case .warning: style = .warning
            case .edited: style = .edited
            case .section: style = t.depth == 0 ? .title : .normal
            case .plain: style = .normal
            }
            if selected { style = m.focus == .tree ? .selected : .selectedDim }
            if selected { c.fill(y, r.x, width: r.width, style: style) }
            let labelWidth = min(TextWidth.width(label) + 2, r.width)
            c.text(y, r.x, label, style: style, width: labelWidth)
            if let v = t.node.value {
                let valueStyle: TextStyle = selected ? style : (t.node.style == .section ? .dim : style)
                c.text(y, r.x + labelWidth, v, style: valueStyle, width: r.width - labelWidth)
            }
        }
    }
}

enum PreviewView {
    static func draw(_ m: AppModel, rect r: AppModel.Rect, on c: Canvas, spinner: String) {
        guard let v = m.viewer else {
            AppView.title("Preview", rect: r, focused: m.focus == .preview, on: c)
            c.text(r.y + 2, r.x + 2, "omio-tui — open a microscopy file to see it here", style: .dim, width: r.width - 2)
            c.text(r.y + 3, r.x + 2, "Enter opens · Tab switches panes · ? lists every key · q quits", style: .dim, width: r.width - 2)
            return
        }
        var title = (v.path as NSString).lastPathComponent + "  " + v.positionText
        if v.zoomed { title += "  [1:1]" }
        if v.loading { title += "  " + spinner }
        AppView.title(title, rect: r, focused: m.focus == .preview, on: c)
        guard let g = m.previewGrid else { return }
        if v.grid == nil {
            let text = v.error ?? "reading \(spinner)"
            c.text(g.y + g.rows / 2, r.x + max(0, (r.width - TextWidth.width(text)) / 2), text, style: v.error == nil ? .dim : .error, width: r.width)
        }
        // Scale bar under the image.
        let vp = v.viewport(cols: g.cols, rows: g.rows)
        if let bar = PreviewGeometry.scaleBar(v.metadata, viewportWidth: vp.width, cols: g.cols) {
            let y = g.y + g.rows
            let style: TextStyle = v.metadata.defaulted.contains("PhysicalSizeX") ? .warning : .bold
            c.text(y, g.x, String(repeating: "▀", count: bar.cells), style: style, width: bar.cells)
            c.text(y, g.x + bar.cells + 1, bar.label + (v.metadata.defaulted.contains("PhysicalSizeX") ? " (uncalibrated)" : ""), style: style, width: r.width - bar.cells - 1)
        }
    }
}

enum StatusView {
    static func draw(_ m: AppModel, row y: Int, on c: Canvas, spinner: String) {
        c.fill(y, 0, width: c.cols, style: .status)
        if let e = m.editor {
            let unit = e.field.unitExample.map { " · a unit may follow the number (\($0))" } ?? ""
            let hint = "   Enter saves · Esc cancels · Ctrl-U clears" + unit
            c.fill(y, 0, width: c.cols, style: .normal)
            c.text(y, 0, " \(e.field) › " + e.text + "▏", style: .edited, width: c.cols)
            let used = TextWidth.width(" \(e.field) › " + e.text + "▏")
            // A refused value keeps its text; the reason replaces the hint until the next Enter.
            if let error = e.error {
                c.text(y, used, "   " + error, style: .error, width: c.cols - used)
            } else {
                c.text(y, used, hint, style: .dim, width: c.cols - used)
            }
            return
        }
        if let line = m.commandLine {
            c.text(y, 0, ":" + line + "▏", style: .normal, width: c.cols)
            return
        }
        if let msg = m.message {
            c.fill(y, 0, width: c.cols, style: msg.isError ? .error : .status)
            c.text(y, 0, " " + msg.text, style: msg.isError ? .error : .status, width: c.cols)
            return
        }
        var gauges: [(String, Double)] = []
        if let p = m.exportProgress { gauges.append(("exporting", p.total > 0 ? Double(p.done) / Double(p.total) : 0)) }
        if let p = m.sliceProgress { gauges.append(("slicing " + p.name, p.fraction)) }
        let shown = gauges.map { label, f -> String in
            let bar = String(repeating: "█", count: Int(f * 10)) + String(repeating: "░", count: 10 - Int(f * 10))
            return String(format: " %@ %@ %3.0f%%  ·", label, bar, f * 100)
        }
        let text = shown.joined() + " " + statusText(m, width: c.cols - 2 - shown.reduce(0) { $0 + TextWidth.width($1) })
        c.text(y, 0, text, style: .status, width: c.cols)
    }

    /// The status fields joined, dropping whole fields (least important first) until the line
    /// fits `width`: a number is never cut in half.
    static func statusText(_ m: AppModel, width: Int) -> String {
        var fields = statusFields(m)
        func line() -> String { fields.map(\.text).joined(separator: "  ·  ") }
        while fields.count > 1, TextWidth.width(line()) > width,
              let drop = fields.indices.max(by: { fields[$0].rank < fields[$1].rank }) {
            fields.remove(at: drop)
        }
        return line()
    }

    static func statusText(_ m: AppModel) -> String { statusFields(m).map(\.text).joined(separator: "  ·  ") }

    /// The status line's fields with their rank (higher is dropped first when space is short).
    static func statusFields(_ m: AppModel) -> [(text: String, rank: Int)] {
        // Requests out and bytes received while a remote image opens or fills in: the reason
        // the preview is not there yet (HTTPStats counts the whole process's).
        let net = HTTPStats.shared.snapshot
        let netField = (net.inFlight > 0 || m.viewer.map { RemoteStores.isRemote($0.path) } == true) ? HTTPStats.statusLine(net) : nil
        guard let v = m.viewer else {
            return [(EnglishCount.of(m.browser.visible.count, "entry", plural: "entries"), 1), ("? help  q quit", 0)] + (netField.map { [($0, 2)] } ?? [])
        }
        var parts: [(text: String, rank: Int)] = [((v.path as NSString).lastPathComponent, 2)]
        if let netField { parts.append((netField, 2)) }
        if v.source.seriesCount > 1 { parts.append(("S \(v.series + 1)/\(v.source.seriesCount)", 1)) }
        parts.append((v.positionText, 0))
        if let contrast = v.contrastText { parts.append((contrast, 3)) }
        if v.gamma != 1 { parts.append(("γ \(ImageMetadata.format(v.gamma))", 4)) }
        let m2 = v.metadata
        parts.append(("\(ImageMetadata.format(m2.physicalSizeX)) µm/px" + (m2.defaulted.contains("PhysicalSizeX") ? "?" : ""), 1))
        if let text = m.graphics.statusText {
            parts.append((text, 5))
        } else {
            // Blocks, and in the same field why not real pixels (tmux without passthrough, no
            // protocol): the two go together or not at all when space is short.
            parts.append((m.style.name(symbols: m.symbols) + (m.graphics.note.map { " (\($0))" } ?? ""), 5))
            if m.cellAssumed { parts.append(("cell aspect assumed", 6)) }
        }
        switch v.store {
        case .memory: parts.append(("memory cache \(ByteCountFormatter.string(fromByteCount: Int64(m.cache.usedBytes), countStyle: .memory))", 7))
        default: parts.append((v.store.text, 6))
        }
        if let s = v.sliceSeconds { parts.append((String(format: "%.0f ms", s * 1000), 8)) }
        return parts
    }
}

enum HelpView {
    static func draw(_ m: AppModel, on c: Canvas) {
        // As wide as the longest binding needs (within the screen); longer actions wrap under
        // their own column.
        let all = KeyBindings.sections.flatMap(\.rows) + KeyBindings.commands
        let width = min(c.cols - 4, 4 + 2 + keyWidth + (all.map { TextWidth.width($0.action) }.max() ?? 0))
        let lines = self.lines(m, width: width)
        let height = min(c.rows - 2, lines.count + 2)
        let x = (c.cols - width) / 2, y = max(0, (c.rows - height) / 2)
        let scroll = min(m.helpScroll, max(0, lines.count - (height - 2)))
        for row in 0..<height {
            c.fill(y + row, x, width: width, style: .help)
            let i = scroll + row - 1
            if row > 0, row < height - 1, i < lines.count {
                c.text(y + row, x + 2, lines[i].0, style: lines[i].1 == .title ? .title : .help, width: width - 4)
            }
        }
    }

    /// The overlay's text lines for a box `width` columns wide: the last error in full (what
    /// the status line may have cut), then the key bindings and commands.
    static func lines(_ m: AppModel, width: Int) -> [(String, TextStyle)] {
        let actionWidth = max(12, width - 4 - 2 - keyWidth)
        var lines: [(String, TextStyle)] = [("omio-tui keys   (any other key closes, j/k scroll)", .title), ("", .help)]
        if let error = m.lastError {
            lines.append(("Last error", .title))
            lines += wrap(error, max(12, width - 4)).map { ($0, .help) }
            lines.append(("", .help))
        }
        func add(_ r: KeyBindings.Row) {
            for (i, part) in wrap(r.action, actionWidth).enumerated() {
                lines.append(("  " + TextWidth.fit(i == 0 ? r.keys : "", keyWidth) + part, .help))
            }
        }
        for s in KeyBindings.sections {
            lines.append((s.title, .title))
            s.rows.forEach(add)
            lines.append(("", .help))
        }
        lines.append(("Commands", .title))
        KeyBindings.commands.forEach(add)
        return lines
    }

    /// The keys' column: as wide as the longest binding needs (at most 34), plus a gap.
    static var keyWidth: Int {
        min(34, (KeyBindings.sections.flatMap(\.rows) + KeyBindings.commands).map { TextWidth.width($0.keys) }.max() ?? 0) + 2
    }

    /// Words into lines of at most `width` columns; a longer word (a path) is broken across
    /// lines, so nothing is lost.
    static func wrap(_ text: String, _ width: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            if line.isEmpty { line = word } else if shownWidth(line) + 1 + shownWidth(word) <= width { line += " " + word } else {
                lines.append(line)
                line = word
            }
            if shownWidth(line) > width {
                let pieces = chop(line, width)
                lines += pieces.dropLast()
                line = pieces.last ?? ""
            }
        }
        lines.append(line)
        return lines
    }

    /// Columns as `TextWidth.clip` draws them: a control character shows as its escape.
    static func shownWidth(_ s: String) -> Int { s.unicodeScalars.reduce(0) { $0 + shownWidth($1) } }

    static func shownWidth(_ c: Unicode.Scalar) -> Int {
        TerminalSafeText.isControl(c) ? TerminalSafeText.escape(control: c).count : TextWidth.columns(c)
    }

    /// `s` in pieces of at most `width` columns.
    static func chop(_ s: String, _ width: Int) -> [String] {
        var pieces: [String] = [], piece = String.UnicodeScalarView(), n = 0
        for c in s.unicodeScalars {
            let w = shownWidth(c)
            if n + w > width, !piece.isEmpty {
                pieces.append(String(piece))
                piece = String.UnicodeScalarView()
                n = 0
            }
            piece.append(c)
            n += w
        }
        return pieces + [String(piece)]
    }
}
