import Foundation

/// The value range mapped onto a channel's colour ramp.
public struct ContrastLimits: Equatable, Sendable, CustomStringConvertible {
    public var low: Double
    public var high: Double

    public init(_ low: Double, _ high: Double) {
        self.low = low
        self.high = high
    }

    /// `LO:HI` with finite LO < HI (spaces around either allowed): the one reading of the
    /// text form, for `render --contrast` and the inspector's `:contrast`, so neither takes
    /// `-1e400` as -1.8e308.
    public init?(parsing s: String) {
        let p = s.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard p.count == 2, let lo = p[0], let hi = p[1], lo.isFinite, hi.isFinite, lo < hi else { return nil }
        self.init(lo, hi)
    }

    public var description: String { "\(ContrastLimits.short(low))–\(ContrastLimits.short(high))" }

    /// Halves first: `high - low` of limits near ±1.7e308 overflows a Double.
    public var halfSpan: Double { high / 2 - low / 2 }

    /// Limits every display path can use: finite, LO < HI. A flat or inverted range widens
    /// upward from LO (or downward where upward would overflow), so the value maps to the
    /// bottom of the ramp as an empty channel of zeros should.
    public var usable: ContrastLimits {
        let m = Double.greatestFiniteMagnitude
        let lo = low.isFinite ? low : (low > 0 ? m : -m)
        let hi = high.isFinite ? high : (high > 0 ? m : -m)
        if hi > lo { return ContrastLimits(lo, hi) }
        let step = Swift.max(1, lo.magnitude * 0x1p-20)
        return lo + step <= m ? ContrastLimits(lo, lo + step) : ContrastLimits(lo - step, lo)
    }

    static func short(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e9 { return String(Int64(v)) }
        return String(format: abs(v) < 0.01 || abs(v) >= 1e5 ? "%.3g" : "%.4g", v)
    }

    /// Narrows (factor < 1) or widens (> 1) around the centre; `+`/`-` in the TUI.
    public func scaled(by factor: Double) -> ContrastLimits {
        let mid = low / 2 + high / 2, half = max(halfSpan * factor, 1e-12)
        return ContrastLimits(mid - half, mid + half).usable
    }
}

/// How a channel's limits are chosen.
public enum ContrastMode: Equatable, Sendable {
    /// Fiji's "Auto": 0.35% of pixels saturated, half at each end, from the current plane.
    case auto
    /// The same over a sample of the stack's planes (`StackContrast`); resolved by whoever
    /// holds the array (`limits(for:)` of one plane's statistics falls back to `.auto`).
    case stackAuto
    case minMax
    case manual(ContrastLimits)

    public func limits(for stats: PlaneStats) -> ContrastLimits {
        let l: ContrastLimits
        switch self {
        case .auto, .stackAuto: l = ContrastLimits(stats.saturatedLow, stats.saturatedHigh)
        case .minMax: l = ContrastLimits(stats.min, stats.max)
        case let .manual(m): return m.usable
        }
        // A flat plane still needs a non-empty range.
        return l.usable
    }

    public var name: String {
        switch self {
        case .auto: return "auto"
        case .stackAuto: return "stack auto"
        case .minMax: return "min/max"
        case .manual: return "manual"
        }
    }
}
