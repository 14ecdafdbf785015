import Foundation
import OmioEngine

/// The cache menu (`p`): what a folder's .omio_cache holds, and safe purges with a
/// confirmation that states the bytes each frees.
struct PurgeMenu {
    enum Action: String {
        case selected = "d", file = "f", stale = "s", all = "A"
    }

    let folder: String
    var recursive = false
    var entries: [CacheEntry] = []
    var loading = true
    var selection = 0
    var scroll = 0
    /// Waiting for y/n: what would go and why.
    var confirm: (title: String, plan: PurgePlan)?
    /// Second question (stores a napari window shows): what `n` to it still removes.
    var withoutInUse: PurgePlan?
    var progress: (freed: Int64, total: Int64)?
    var note: String?

    init(folder: String) { self.folder = folder }

    var total: Int64 { entries.reduce(0) { $0 + $1.bytes } }
    var selected: CacheEntry? { entries.indices.contains(selection) ? entries[selection] : nil }

    mutating func move(_ delta: Int) {
        guard !entries.isEmpty else { return }
        selection = min(max(0, selection + delta), entries.count - 1)
    }

    mutating func scrollToSelection(height: Int) {
        if selection < scroll { scroll = selection }
        if selection >= scroll + height { scroll = selection - height + 1 }
        scroll = max(0, min(scroll, max(0, entries.count - height)))
    }

    /// After `y`: a plan that skipped stores a napari window shows asks again, for those; nil
    /// when there is nothing more to ask.
    static func secondConfirm(_ plan: PurgePlan) -> (title: String, plan: PurgePlan)? {
        let shown = plan.inUse
        guard !shown.isEmpty, !plan.force else { return nil }
        let names = shown.map { ($0.path as NSString).lastPathComponent }.joined(separator: ", ")
        return ("\(names) \(shown.count == 1 ? "is" : "are") \(CachePurge.inUseReason) — remove anyway (its layers stop working)", plan.forcingInUse())
    }

    /// The question a plan asks, with its bytes and what it leaves alone.
    static func question(_ title: String, _ plan: PurgePlan) -> String {
        var q = "\(title): remove \(plan.entries.count) entr\(plan.entries.count == 1 ? "y" : "ies"), \(PurgeReport.size(plan.bytes))?"
        if !plan.skipped.isEmpty { q += " (\(plan.skipped.count) skipped: \(plan.skipped[0].reason))" }
        return q + "  y / n"
    }
}
