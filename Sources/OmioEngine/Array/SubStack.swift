import Foundation
import OmioFormats

/// The positions taken from one axis, already checked against its length: a regular run
/// (`start`, `start + step`, ... below `stop`) or a list (channels `0,2`). Never empty.
public enum AxisSelection: Equatable, Sendable, CustomStringConvertible {
    case range(start: Int, stop: Int, step: Int)
    case list([Int])

    /// Every position of an axis of `count`.
    public static func all(_ count: Int) -> AxisSelection { .range(start: 0, stop: count, step: 1) }

    public var indices: [Int] {
        switch self {
        // Not `stride(from:to:by:)`: it steps past `stop` before comparing, which traps when
        // the step is near Int.max (`--t 0:5:9223372036854775807`).
        case let .range(start, _, step): return (0..<count).map { start + $0 * step }
        case let .list(l): return l
        }
    }

    /// Written so no step, however large, overflows: the last position `start + (count-1)·step`
    /// is below `stop`.
    public var count: Int {
        switch self {
        case let .range(start, stop, step): return stop > start ? (stop - start - 1) / step + 1 : 0
        case let .list(l): return l.count
        }
    }

    /// The `i`-th position, without listing the others (an axis may hold millions of rows).
    public func position(_ i: Int) -> Int {
        switch self {
        case let .range(start, _, step): return start + i * step
        case let .list(l): return l[i]
        }
    }

    public var first: Int { position(0) }

    /// The spacing of a regular run (1 for a list: it has no single spacing).
    public var step: Int {
        if case let .range(_, _, step) = self { return step }
        return 1
    }

    /// As `start:stop:step` (half-open) or `a,b,c`.
    public var description: String {
        switch self {
        case let .range(start, stop, step): return step == 1 ? "\(start):\(stop)" : "\(start):\(stop):\(step)"
        case let .list(l): return l.map(String.init).joined(separator: ",")
        }
    }
}

/// A sub-stack of one series: positions along T, Z and C, a window of rows (Y) and columns (X),
/// at one resolution level (Y and X in that level's pixels). The result is TZCYX with every
/// axis kept, sized `shape`. Y and X are regular runs: a window, possibly strided.
public struct SubStack: Equatable, Sendable, CustomStringConvertible {
    public var t, z, c, y, x: AxisSelection
    public var level: Int

    public init(t: AxisSelection, z: AxisSelection, c: AxisSelection, y: AxisSelection, x: AxisSelection, level: Int = 0) {
        self.t = t
        self.z = z
        self.c = c
        self.y = y
        self.x = x
        self.level = level
    }

    /// All of a series at a level.
    public static func whole(shape: Shape, height: Int, width: Int, level: Int = 0) -> SubStack {
        SubStack(t: .all(shape.t), z: .all(shape.z), c: .all(shape.c), y: .all(height), x: .all(width), level: level)
    }

    public var shape: Shape { Shape(t: t.count, z: z.count, c: c.count, y: y.count, x: x.count) }

    /// The plane of the source an output plane comes from.
    public func sourcePlane(_ p: PlaneIndex) -> PlaneIndex {
        PlaneIndex(t: t.position(p.t), z: z.position(p.z), c: c.position(p.c))
    }

    /// The source region holding output rows `rows` (all output columns).
    public func sourceRegion(rows: Range<Int>) -> PixelRegion {
        let y0 = y.first + rows.lowerBound * y.step
        return PixelRegion(rows: y0..<(y0 + (rows.count - 1) * y.step + 1),
                           cols: x.first..<(x.first + (x.count - 1) * x.step + 1),
                           rowStep: rows.count > 1 ? y.step : 1, colStep: x.count > 1 ? x.step : 1)
    }

    public var description: String { "t \(t) z \(z) c \(c) y \(y) x \(x) level \(level)" }

    /// The metadata of the result: the corrected metadata of the series with the shape, the
    /// channels taken, sizes scaled by the level and the steps, and where the window came from
    /// recorded as annotations (`SliceOrigin*`: source indices, X and Y in full-resolution
    /// pixels whatever the level) and as plane positions (µm and s from the source's origin,
    /// where its sizes are known), so Fiji and Bio-Formats place the crop.
    public func metadata(from m: ImageMetadata, levelSizes: [(height: Int, width: Int)]) -> ImageMetadata {
        var out = m
        out.shape = shape
        out.levels = 1
        let base = levelSizes.first ?? (m.shape.y, m.shape.x)
        let here = levelSizes.indices.contains(level) ? levelSizes[level] : base
        // Level-0 pixels per pixel of this level.
        let scaleX = Double(base.width) / Double(max(1, here.width)), scaleY = Double(base.height) / Double(max(1, here.height))
        let originX = Double(x.first) * scaleX, originY = Double(y.first) * scaleY
        out.physicalSizeX = m.physicalSizeX * scaleX * Double(x.step)
        out.physicalSizeY = m.physicalSizeY * scaleY * Double(y.step)
        out.planePositions = PlanePositions(
            x: m.defaulted.contains("PhysicalSizeX") ? nil : originX * m.physicalSizeX,
            y: m.defaulted.contains("PhysicalSizeY") ? nil : originY * m.physicalSizeY,
            z: m.defaulted.contains("PhysicalSizeZ") ? nil : z.indices.map { Double($0) * m.physicalSizeZ },
            deltaT: m.timeIncrement.map { dt in t.indices.map { Double($0) * dt } })
        if case .range = z { out.physicalSizeZ = m.physicalSizeZ * Double(z.step) }
        if let dt = m.timeIncrement, case .range = t { out.timeIncrement = dt * Double(t.step) }
        out.isRGB = m.isRGB && c == .all(m.shape.c) // a sample taken alone is a grey channel
        out.channels = c.indices.map { $0 < m.channels.count ? m.channels[$0] : ChannelInfo() }
        out.annotations.removeAll { $0.0.hasPrefix("SliceOrigin") || $0.0 == "SliceSelection" }
        out.annotations += [
            ("SliceSelection", .string("\(description) of series \(m.series)")),
            ("SliceOriginX", .number(originX)), ("SliceOriginY", .number(originY)),
            ("SliceOriginZ", .number(Double(z.first))), ("SliceOriginT", .number(Double(t.first))),
            ("SliceOriginC", .number(Double(c.first))), ("SliceOriginLevel", .number(Double(level))),
        ]
        return out
    }
}
