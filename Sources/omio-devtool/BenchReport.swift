import Foundation

/// Repeated measurements of one quantity.
struct BenchStat {
    enum Unit { case seconds, framesPerSecond, decibels, megabytesPerSecond }

    var values: [Double]
    var unit: Unit
    /// Peak RSS over the runs, KiB.
    var peakRSSKiB: Int?

    var runs: Int { values.count }
    var median: Double {
        let s = values.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    var min: Double { values.min() ?? .nan }
    var max: Double { values.max() ?? .nan }

    static func format(_ v: Double, _ unit: Unit) -> String {
        guard v.isFinite else { return "—" }
        switch unit {
        case .seconds:
            if v < 1e-3 { return String(format: "%.0f µs", v * 1e6) }
            if v < 1 { return String(format: v < 0.1 ? "%.2f ms" : "%.1f ms", v * 1e3).replacingOccurrences(of: ".0 ms", with: " ms") }
            return String(format: "%.2f s", v)
        case .framesPerSecond: return String(format: "%.0f frames/s", v)
        case .decibels: return String(format: "%.2f dB", v)
        case .megabytesPerSecond: return String(format: "%.0f MB/s", v)
        }
    }

    /// `median [min–max] (n runs)`; a single value for one run.
    var text: String {
        let m = BenchStat.format(median, unit)
        if runs <= 1 { return m + (runs == 1 && unit != .decibels ? " (1 run)" : "") }
        let lo = BenchStat.format(min, unit), hi = BenchStat.format(max, unit)
        return "\(m) [\(lo)–\(hi)] (\(runs) runs)"
    }

    var rssText: String {
        guard let k = peakRSSKiB else { return "—" }
        return String(format: "%.0f MB", Double(k) * 1024 / 1e6)
    }
}

/// One line of the results table.
struct BenchRow {
    var id: String
    var title: String
    var ours: String
    var oursStat: BenchStat?
    var other: String = "—"
    var otherStat: BenchStat?
    var ratio: String = "—"
    var goal: String = "—"
    /// nil: no goal; true/false: met or not.
    var goalMet: Bool?
    var note: String?

    var oursCell: String { oursStat.map { "\(ours): \($0.text)" } ?? ours }
    var otherCell: String { otherStat.map { "\(other): \($0.text)" } ?? other }

    var goalCell: String {
        switch goalMet {
        case nil: return goal
        case true?: return "\(goal): **met**"
        case false?: return "\(goal): **not met**"
        }
    }

    /// "omio-tui N× faster/slower" for times (lower is better); for rates higher is better.
    static func speedRatio(ours: Double, other: Double, higherIsBetter: Bool = false) -> String {
        guard ours.isFinite, other.isFinite, ours > 0, other > 0 else { return "—" }
        let r = higherIsBetter ? ours / other : other / ours
        func f(_ x: Double) -> String { String(format: x >= 10 ? "%.0f" : x >= 2 ? "%.1f" : "%.2f", x) }
        return r >= 1 ? "omio-tui \(f(r))× faster" : "omio-tui \(f(1 / r))× slower"
    }
}

enum BenchMarkdown {
    static func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    static func table(_ rows: [BenchRow]) -> String {
        var out = "| # | case | omio-tui median [min–max] | peak RSS | other tool median [min–max] | peak RSS | ratio (as measured) | goal |\n"
        out += "|---|---|---|---|---|---|---|---|\n"
        for r in rows {
            let cells = [r.id, r.title, r.oursCell, r.oursStat?.rssText ?? "—", r.otherCell, r.otherStat?.rssText ?? "—", r.ratio, r.goalCell]
            out += "| " + cells.map(escape).joined(separator: " | ") + " |\n"
        }
        return out
    }
}
