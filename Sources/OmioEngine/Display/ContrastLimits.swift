/// The value range mapped onto a channel's colour ramp.
public struct ContrastLimits: Equatable, Sendable, CustomStringConvertible {
    public var low: Double
    public var high: Double

    public init(_ low: Double, _ high: Double) {
        self.low = low
        self.high = high
    }

    public var description: String { "\(ContrastLimits.short(low))–\(ContrastLimits.short(high))" }

    static func short(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e9 { return String(Int64(v)) }
        return String(format: abs(v) < 0.01 || abs(v) >= 1e5 ? "%.3g" : "%.4g", v)
    }

    /// Narrows (factor < 1) or widens (> 1) around the centre; `+`/`-` in the TUI.
    public func scaled(by factor: Double) -> ContrastLimits {
        let mid = (low + high) / 2, half = max((high - low) / 2 * factor, 1e-12)
        return ContrastLimits(mid - half, mid + half)
    }
}

/// How a channel's limits are chosen.
public enum ContrastMode: Equatable, Sendable {
    /// Fiji's "Auto": 0.35% of pixels saturated, half at each end, from the current plane.
    case auto
    case minMax
    case manual(ContrastLimits)

    public func limits(for stats: PlaneStats) -> ContrastLimits {
        let l: ContrastLimits
        switch self {
        case .auto: l = ContrastLimits(stats.saturatedLow, stats.saturatedHigh)
        case .minMax: l = ContrastLimits(stats.min, stats.max)
        case let .manual(m): return m
        }
        // A flat plane still needs a non-empty range.
        return l.high > l.low ? l : ContrastLimits(l.low, l.low + 1)
    }

    public var name: String {
        switch self {
        case .auto: return "auto"
        case .minMax: return "min/max"
        case .manual: return "manual"
        }
    }
}
