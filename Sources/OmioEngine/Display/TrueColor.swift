import OmioFormats

/// RGB(A) data (`ImageMetadata.isRGB`) drawn as a colour image: R, G and B in pure red, green
/// and blue under one set of limits (per-sample limits turn a salmon slide cyan), alpha left
/// out.
public enum TrueColor {
    /// The samples drawn: R, G, B (not A).
    public static let channels = [0, 1, 2]

    /// How an RGB image's limits start: 8-bit colour is meant as it is (0–255, as every
    /// viewer shows a photo or an H&E slide); deeper data gets one auto range over R, G and B.
    public static func defaultMode(_ m: ImageMetadata) -> ContrastMode? {
        guard m.isRGB else { return nil }
        return m.dtype == .uint8 ? .manual(ContrastLimits(0, 255)) : .auto
    }

    /// The limits shared by the samples: `mode` applied to their pooled statistics.
    public static func sharedLimits(_ mode: ContrastMode, stats: [PlaneStats]) -> ContrastLimits {
        mode.limits(for: PlaneStats.pooled(stats))
    }
}

extension PlaneStats {
    /// Statistics of several planes taken together (the widest tails: an approximation of the
    /// pooled percentiles that never clips what one of them would show).
    public static func pooled(_ all: [PlaneStats]) -> PlaneStats {
        let finite = all.filter { $0.finiteSamples > 0 }
        guard let first = finite.first else { return all.first ?? PlaneStats(min: 0, max: 0, saturatedLow: 0, saturatedHigh: 0, finiteSamples: 0) }
        return finite.dropFirst().reduce(first) { a, b in
            PlaneStats(min: Swift.min(a.min, b.min), max: Swift.max(a.max, b.max), saturatedLow: Swift.min(a.saturatedLow, b.saturatedLow),
                       saturatedHigh: Swift.max(a.saturatedHigh, b.saturatedHigh), finiteSamples: a.finiteSamples + b.finiteSamples)
        }
    }
}
