import ArgumentParser
import OmioEngine
import OmioFormats

/// The axes a range can be given for, with how an error names their length.
enum SliceAxis: String, CaseIterable, Sendable {
    case t, z, c, y, x

    var option: String { "--\(rawValue)" }

    /// "T has 3 positions", "the image has 128 rows", "level 1 has 64 columns".
    func extent(_ count: Int, level: Int = 0) -> String {
        let owner = level == 0 ? "the image" : "level \(level)"
        switch self {
        case .y: return "\(owner) has \(EnglishCount.of(count, "row"))"
        case .x: return "\(owner) has \(EnglishCount.of(count, "column"))"
        default: return "\(rawValue.uppercased()) has \(EnglishCount.of(count, "position"))"
        }
    }
}

/// What one axis takes, as typed on the command line (`--t 0:10`) or the TUI's `:` line, with
/// Python's rules: `N` one index; `A:B` half-open (A up to B-1), `A:B:STEP`, either end left out
/// (`:10`, `5:`, `:`, `::2`); negative numbers count from the end (`-1` is the last, `-10:` the
/// last ten); `A,B,C` a list (T, Z and C only); `all` is `:`. Unlike Python, a range reaching
/// outside the axis is an error, not cut short. Parsed alone; checked against the axis by
/// `resolve`.
struct AxisRange: Equatable, Sendable, CustomStringConvertible, ExpressibleByArgument {
    enum Form: Equatable, Sendable {
        case index(Int)
        case span(start: Int?, stop: Int?, step: Int)
        case list([Int])
    }

    let form: Form
    /// As typed (for messages).
    let description: String

    static let all = AxisRange(form: .span(start: nil, stop: nil, step: 1), description: ":")
    static func index(_ i: Int) -> AxisRange { AxisRange(form: .index(i), description: "\(i)") }

    init(form: Form, description: String) {
        self.form = form
        self.description = description
    }

    init?(argument: String) { try? self.init(parsing: argument) }

    /// For `@Option(transform:)`: the reason reaches the one-line error (`--t: must be ...`).
    static func parse(_ s: String) throws -> AxisRange { try AxisRange(parsing: s) }

    static let syntax = "an index N, a range A:B or A:B:STEP (half-open: 0:10 is 0 to 9; negative counts from the end), or a list A,B"

    init(parsing raw: String) throws {
        let s = raw.trimmingCharacters(in: .whitespaces)
        description = s
        if s == "all" {
            form = .span(start: nil, stop: nil, step: 1)
            return
        }
        if s.contains(",") {
            let items = s.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard items.allSatisfy({ $0 != nil }) else { throw OptionValue.Invalid("must be \(AxisRange.syntax)") }
            form = .list(items.map { $0! })
            return
        }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count) else { throw OptionValue.Invalid("must be \(AxisRange.syntax)") }
        func number(_ p: String) throws -> Int? {
            if p.isEmpty { return nil }
            guard let n = Int(p) else { throw OptionValue.Invalid("must be \(AxisRange.syntax)") }
            return n
        }
        if parts.count == 1 {
            guard let n = try number(parts[0]) else { throw OptionValue.Invalid("must be \(AxisRange.syntax)") }
            form = .index(n)
            return
        }
        let start = try number(parts[0]), stop = try number(parts[1])
        let step = parts.count == 3 ? try number(parts[2]) ?? 1 : 1
        guard step >= 1 else { throw OptionValue.Invalid("the step of \(s) must be 1 or more") }
        if let start, let stop, (start >= 0) == (stop >= 0) { // comparable without the axis length
            if start > stop { throw OptionValue.Invalid("the range \(s) is reversed; write \(stop):\(start)") }
            if start == stop { throw OptionValue.Invalid("the range \(s) is empty (A:B is half-open: it takes A up to B-1)") }
        }
        form = .span(start: start, stop: stop, step: step)
    }

    /// True for a single index: as in numpy, that axis is dropped from a .npy.
    var isIndex: Bool {
        if case .index = form { return true }
        return false
    }

    /// The positions on an axis of `count`, or a usage error naming the option and the range
    /// that exists (`--y: 200:300 is outside 0:128 (the image has 128 rows)`).
    func resolve(_ axis: SliceAxis, count: Int, level: Int = 0) throws -> AxisSelection {
        let what = axis.extent(count, level: level)
        guard count > 0 else { throw FormatError("the image is empty (\(what))") } // the file's fault: exit 1
        let outside = UsageError(axis.option, "\(description) is outside 0:\(count) (\(what))")
        func position(_ i: Int) throws -> Int {
            let j = i < 0 ? i + count : i
            guard (0..<count).contains(j) else { throw outside }
            return j
        }
        switch form {
        case let .index(i):
            let j = try position(i)
            return .range(start: j, stop: j + 1, step: 1)
        case let .list(items):
            guard axis != .y, axis != .x else { throw UsageError(axis.option, "takes an index or a range A:B[:STEP], not a list") }
            return .list(try items.map(position))
        case let .span(start, stop, step):
            func bound(_ i: Int?, _ missing: Int) throws -> Int {
                guard let i else { return missing }
                let j = i < 0 ? i + count : i
                guard (0...count).contains(j) else { throw outside }
                return j
            }
            let a = try bound(start, 0), b = try bound(stop, count)
            guard a < b else { throw UsageError(axis.option, "\(description) selects nothing (\(a):\(b) on \(what))") }
            return .range(start: a, stop: b, step: step)
        }
    }
}

extension SubStack {
    /// The sub-stack the ranges select on a series of `shape`, Y and X counted at a level of
    /// `size`: what `slice` and the TUI's `:slice` share. Throws the first axis's UsageError.
    static func resolve(t: AxisRange = .index(0), z: AxisRange = .index(0), c: AxisRange = .index(0),
                        y: AxisRange = .all, x: AxisRange = .all,
                        shape: Shape, level: Int = 0, size: (height: Int, width: Int)) throws -> SubStack {
        SubStack(t: try t.resolve(.t, count: shape.t), z: try z.resolve(.z, count: shape.z), c: try c.resolve(.c, count: shape.c),
                 y: try y.resolve(.y, count: size.height, level: level), x: try x.resolve(.x, count: size.width, level: level),
                 level: level)
    }
}
