import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats
import OmioRender

/// Option values checked while the command line is parsed, before any file is opened: a
/// value that could trap (a zero or 2^63 width, a reversed range, NaN limits) never reaches
/// the code that sizes buffers. Used as `@Option(transform:)`; a thrown reason becomes the
/// one line `omio-tui: error: --width: must be ...` (see `UsageMessage`), exit 64.
enum OptionValue {
    /// Longest preview side in cells, far past any terminal.
    static let maxCells = 4096
    /// Most cells in one preview: 4096 x 4096 cells took 1 GB and minutes to fit; 1 M cells
    /// (1024 x 1024, 4096 x 256) took 88 MB peak (debug build).
    static let maxArea = 1 << 20
    /// Longest wait for a launcher, in seconds.
    static let maxWaitSeconds = 600.0

    struct Invalid: Error, CustomStringConvertible {
        let description: String
        init(_ reason: String) { description = reason }
    }

    /// A preview size in cells: 1...4096.
    static func cells(_ s: String) throws -> Int {
        guard let n = Int(s), (1...maxCells).contains(n) else { throw Invalid("must be a whole number between 1 and \(maxCells)") }
        return n
    }

    /// A 0-based index (series, level, channel, plane); its upper bound comes from the file.
    static func index(_ s: String) throws -> Int {
        guard let n = Int(s), n >= 0 else { throw Invalid("must be a whole number, 0 or more (indices are 0-based)") }
        return n
    }

    /// A time in seconds: finite, 0...600.
    static func seconds(_ s: String) throws -> Double {
        guard let v = Double(s), v.isFinite, (0...maxWaitSeconds).contains(v) else {
            throw Invalid("must be a number of seconds between 0 and \(Int(maxWaitSeconds))")
        }
        return v
    }

    /// A folder or program path: at least not empty (what it names is checked where it is used).
    static func path(_ s: String) throws -> String {
        guard !s.isEmpty else { throw Invalid("must not be empty") }
        return s
    }

    /// An output file path: empty, `.`, `..`, `/`, a name ending in `/` or an existing folder
    /// names no file to write (and `slice -o .` used to trap in the temp-file code).
    static func outputFile(_ s: String) throws -> String {
        // Only the form is checked here; what the path names (a folder, a device, the input
        // itself) is OutputTarget's rule, shared with the TUI's export.
        guard !s.isEmpty else { throw Invalid("must name a file, not be empty") }
        return s
    }

    /// `--cell-size WxH`: a cell in pixels, each side 1...1000.
    static func cellSize(_ s: String) throws -> CellPixels {
        guard let c = CellPixels(parsing: s) else { throw Invalid("must be WIDTHxHEIGHT in pixels, each 1-1000 (as 8x16)") }
        return c
    }

    /// `--contrast`: auto, minmax, stack, or LO:HI with finite LO < HI.
    static func contrast(_ s: String) throws -> ContrastMode {
        switch s {
        case "auto": return .auto
        case "minmax": return .minMax
        case "stack": return .stackAuto
        default:
            guard let limits = ContrastLimits(argument: s) else { throw Invalid("must be auto, minmax, stack or LO:HI with finite numbers and LO < HI") }
            return .manual(limits)
        }
    }
}

/// Values that read the same on the command line and in the inspector's `:` commands
/// (`:symbols`, `:reduce`, `:contrast`): one parser per type, here.
extension ColorMode: ExpressibleByArgument {}
extension GraphicsMode: ExpressibleByArgument {}
extension GlyphMode: ExpressibleByArgument {}
extension StoreMode: ExpressibleByArgument {}
extension SymbolSet: ExpressibleByArgument {}
extension Reduce: ExpressibleByArgument {}
extension NapariMode: ExpressibleByArgument {}
extension Theme.Kind: ExpressibleByArgument {}

extension ContrastLimits: ExpressibleByArgument {
    /// `LO:HI`, read by the engine's one parser (ContrastLimits(parsing:)).
    public init?(argument s: String) { self.init(parsing: s) }
}

/// `--graphics`: how the preview's pixels reach the terminal. `auto` detects (GraphicsChoice);
/// the others force a protocol, or block characters.
enum GraphicsMode: String, CaseIterable {
    case auto, kitty, sixel, iterm, blocks
}

/// `--c 2` or `--c all`.
enum ChannelChoice: Equatable {
    case all, one(Int)

    static func parse(_ s: String) throws -> ChannelChoice {
        if s == "all" { return .all }
        guard let n = Int(s), n >= 0 else { throw OptionValue.Invalid("must be a channel index (0-based) or 'all'") }
        return .one(n)
    }
}

/// An option whose value is wrong for this file (an index past the shape), or arguments that
/// do not fit together: a usage error, exit 64, reported with the file's path.
struct UsageError: Error, CustomStringConvertible {
    let option: String, reason: String
    init(_ option: String, _ reason: String) {
        self.option = option
        self.reason = reason
    }

    /// A wrong command line that no single option is to blame for (`set F Foo=1`).
    init(_ reason: String) { self.init("", reason) }

    var description: String { option.isEmpty ? reason : "\(option): \(reason)" }
}

/// Indices checked against the open file: the message gives the range that exists.
enum OptionBounds {
    /// `--t 5` on 3 time points: "5 is outside 0:3 (T has 3 positions)", the half-open
    /// range text AxisRange's errors use (`--y: 200:300 is outside 0:128 ...`).
    static func outside(_ value: String, axis: String, count: Int) -> String {
        outside(value, count: count, "\(axis) has \(EnglishCount.of(count, "position"))")
    }

    static func outside(_ value: String, count: Int, _ what: String) -> String {
        "\(value) is outside 0:\(count) (\(what))"
    }

    static func check(_ value: Int, option: String, axis: String, count: Int) throws {
        try check(value, option: option, count: count, "\(axis) has \(EnglishCount.of(count, "position"))")
    }

    static func checkSeries(_ series: Int, count: Int) throws {
        try check(series, option: "--series", count: count, "the file has \(EnglishCount.of(count, "series", plural: "series"))")
    }

    /// An empty axis is the file's fault, not the option's: exit 1.
    static func check(_ value: Int, option: String, count: Int, _ what: String) throws {
        guard count > 0 else { throw FormatError("the image is empty (\(what))") }
        guard value < count else { throw UsageError(option, outside("\(value)", count: count, what)) }
    }
}

extension Optional {
    /// The value, or the option's reason why there is none (for `@Option(transform:)`).
    func orThrow(_ reason: String) throws -> Wrapped {
        guard let value = self else { throw OptionValue.Invalid(reason) }
        return value
    }
}
