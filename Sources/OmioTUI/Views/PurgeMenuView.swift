import Foundation
import OmioEngine

/// The cache menu as a box over the screen: one row per entry, a total, the keys, and the
/// confirmation or progress of a purge.
enum PurgeMenuView {
    static func draw(_ menu: PurgeMenu, model m: AppModel, on c: Canvas) {
        let width = min(c.cols - 2, 150), height = max(8, c.rows - 4)
        let x = (c.cols - width) / 2, y = (c.rows - height) / 2
        for row in 0..<height { c.fill(y + row, x, width: width, style: .help) }
        let where_ = menu.recursive ? "\(menu.folder) and below" : "\(menu.folder)/.omio_cache"
        c.text(y, x + 1, "Caches — \(where_)", style: .title, width: width - 2)
        let dates = DateFormatter()
        dates.dateFormat = "yyyy-MM-dd HH:mm"
        func columns(_ cells: [String]) -> String {
            let w = [9, 8, 10, 17, 17]
            return cells.enumerated().map { i, s in i < w.count ? TextWidth.fit(s, w[i]) : s }.joined(separator: " ")
        }
        c.text(y + 1, x + 1, columns(["STATE", "KIND", "SIZE", "BUILT", "LAST USED", "SOURCE → CACHE"]), style: .bold, width: width - 2)
        // The keys wrap between items (never inside one) on a narrow screen.
        let file = m.viewer.map { ($0.path as NSString).lastPathComponent } ?? "the selected file"
        let keys = ["d purge selected", "f everything for \(file)", "s stale/partial/orphan", "A whole .omio_cache", "r recursive", "Esc close"]
        let keyLines = HelpView.wrap(keys.map { $0.replacingOccurrences(of: " ", with: "\u{00A0}") }.joined(separator: " · "), width - 2)
            .map { $0.replacingOccurrences(of: "\u{00A0}", with: " ") }
        let listHeight = max(1, height - 5 - keyLines.count)
        var state = menu
        state.scrollToSelection(height: listHeight)
        if menu.loading && menu.entries.isEmpty { c.text(y + 2, x + 1, "reading…", style: .help, width: width - 2) }
        if !menu.loading && menu.entries.isEmpty { c.text(y + 2, x + 1, "no caches here", style: .help, width: width - 2) }
        for row in 0..<listHeight {
            let i = state.scroll + row
            guard i < menu.entries.count else { break }
            let e = menu.entries[i]
            let source = e.kind == .httpCache ? "remote stores" : e.source.map { ($0 as NSString).lastPathComponent } ?? "?"
            let line = columns([e.listedState, e.kind.rawValue, PurgeReport.size(e.bytes),
                                e.built.map { dates.string(from: $0) } ?? "-", dates.string(from: e.lastUsed),
                                source + " → " + (e.path as NSString).lastPathComponent])
            let style: TextStyle = i == menu.selection ? .selected : ([.stale, .partial, .orphan].contains(e.state) ? .warning : .help)
            if i == menu.selection { c.fill(y + 2 + row, x, width: width, style: .selected) }
            c.text(y + 2 + row, x + 1, line, style: style, width: width - 2)
        }
        c.text(y + height - 3 - keyLines.count, x + 1, "total \(PurgeReport.size(menu.total)) in \(menu.entries.count) entr\(menu.entries.count == 1 ? "y" : "ies")",
               style: .bold, width: width - 2)
        for (i, line) in keyLines.enumerated() { c.text(y + height - 2 - keyLines.count + i, x + 1, line, style: .help, width: width - 2) }
        let status: (String, TextStyle)
        if let q = menu.confirm {
            status = (PurgeMenu.question(q.title, q.plan), .warning)
        } else if let p = menu.progress {
            let f = p.total > 0 ? Double(p.freed) / Double(p.total) : 1
            status = (String(format: "deleting %@ %3.0f%%  %@ of %@", String(repeating: "█", count: Int(f * 20)) + String(repeating: "░", count: 20 - Int(f * 20)),
                             f * 100, PurgeReport.size(p.freed), PurgeReport.size(p.total)), .bold)
        } else {
            status = (menu.note ?? "", .help)
        }
        c.fill(y + height - 2, x, width: width, style: status.1 == .warning ? .error : .help)
        c.text(y + height - 2, x + 1, status.0, style: status.1 == .warning ? .error : status.1, width: width - 2)
    }
}
