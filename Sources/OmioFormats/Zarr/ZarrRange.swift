/// One dimension of a region to read: indices lower, lower + step, … below upper (half-open,
/// like Swift ranges and NumPy slices with a positive step).
public struct ZarrRange: Equatable, Sendable, CustomStringConvertible {
    public var lower: Int
    public var upper: Int
    public var step: Int

    public init(lower: Int, upper: Int, step: Int = 1) {
        self.lower = lower
        self.upper = upper
        self.step = step
    }

    public init(_ range: Range<Int>, step: Int = 1) {
        self.init(lower: range.lowerBound, upper: range.upperBound, step: step)
    }

    /// The whole of a dimension of `size`.
    public static func all(_ size: Int) -> ZarrRange { ZarrRange(lower: 0, upper: size) }

    /// How many indices the range selects (0 for an empty or inverted one).
    public var count: Int { upper > lower && step > 0 ? (upper - lower + step - 1) / step : 0 }

    public var description: String { step == 1 ? "\(lower)..<\(upper)" : "\(lower)..<\(upper) step \(step)" }
}
