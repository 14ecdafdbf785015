import Foundation
import OmioEngine
import OmioFormats

/// `:slice OUT [t=A:B] [z=…] [c=…] [y=…] [x=…]`: writes part of the open file, by default what
/// the preview shows, through the same extractor and rules as `omio-tui slice`.
extension AppModel {
    /// The `:slice` usage line (the help overlay and errors show it).
    static let sliceUsage = ":slice OUT [t=A:B[:STEP]] [z=…] [c=LIST|A:B] [y=A:B] [x=A:B]  (\"OUT\" for a name with spaces)"

    func slice(command text: String) {
        guard let v = viewer else { return flash("no file is open", error: true) }
        let parsed: (output: String, ranges: [SliceAxis: AxisRange])
        do {
            guard let p = try AppModel.parseSlice(text) else { return flash("usage: \(AppModel.sliceUsage)", error: true) }
            parsed = p
        } catch {
            return flash("slice: \(error)", error: true)
        }
        let view = viewSelection(v)
        let picked = SliceAxis.allCases.map { parsed.ranges[$0] ?? view[$0]! }
        let shape = v.metadata.shape
        let stack: SubStack
        do {
            stack = try SubStack.resolve(t: picked[0], z: picked[1], c: picked[2], y: picked[3], x: picked[4],
                                             shape: shape, size: (shape.y, shape.x))
        } catch let e as UsageError {
            return flash("slice: \(e.option.dropFirst(2)): \(e.reason)", error: true)
        } catch {
            return flash("slice: \(error.omioReason)", error: true)
        }
        let path = AppModel.absolute(parsed.output)
        guard var format = SubStackExport.Format.of(output: path) else {
            return flash("slice: \(SubStackExport.Format.refusal(parsed.output))", error: true)
        }
        if case .npy = format {
            // numpy's rule, as on the command line: an axis taken by one index is dropped.
            format = .npy(drop: Set(picked.indices.filter { picked[$0].isIndex && stack.shape.array[$0] == 1 }))
        }
        let sub = SubStackSource(parent: v.source, series: v.series, stack: stack, metadata: v.metadata,
                                 overlayHash: v.overlay.hash(series: v.series))
        // The status line shows a gauge (no message over it) until the result's message.
        sliceProgress = ((path as NSString).lastPathComponent, 0)
        slicePath = path
        message = nil
        effects.append(.extract(sub, path: path, format: format))
    }

    /// What the preview shows, per axis: this T and Z (or the range marked with `v`), the drawn
    /// channel (all channels in a composite or colour view), and while zoomed the visible
    /// window, else every row and column.
    func viewSelection(_ v: ViewerState) -> [SliceAxis: AxisRange] {
        var out: [SliceAxis: AxisRange] = [.t: .index(v.t), .z: .index(v.z), .c: v.composite ? .all : .index(v.c), .y: .all, .x: .all]
        if let m = v.markedRange {
            out[.t] = AxisRange(form: .span(start: m.t.lowerBound, stop: m.t.upperBound, step: 1), description: "\(m.t.lowerBound):\(m.t.upperBound)")
            out[.z] = AxisRange(form: .span(start: m.z.lowerBound, stop: m.z.upperBound, step: 1), description: "\(m.z.lowerBound):\(m.z.upperBound)")
        }
        if v.zoomed, let g = previewGrid {
            let w = v.viewport(cols: g.cols, rows: g.rows)
            out[.y] = AxisRange(form: .span(start: w.y, stop: w.y + w.height, step: 1), description: "\(w.y):\(w.y + w.height)")
            out[.x] = AxisRange(form: .span(start: w.x, stop: w.x + w.width, step: 1), description: "\(w.x):\(w.x + w.width)")
        }
        return out
    }

    /// The output (the first word; `"…"` or `'…'` for a name with spaces) and the ranges typed
    /// after it: `t=0:10` (any case: `T=0:10`) or `--t 0:10`; nil when no output is named.
    /// Anything else is refused by name rather than taken into the file name (`zz=1` once
    /// became part of "u2.npy t=0:2 zz=1"). A range that does not parse throws its reason, named
    /// by axis (`t: the range 5:2 is reversed; write 2:5`).
    static func parseSlice(_ text: String) throws -> (output: String, ranges: [SliceAxis: AxisRange])? {
        var words = try tokens(text)[...]
        guard let output = words.popFirst() else { return nil }
        if output.hasPrefix("-"), output != "-", SliceAxis(rawValue: output.drop { $0 == "-" }.lowercased()) != nil {
            return nil // `:slice --t 0:2` names no output
        }
        // The TUI's standard output is the terminal (the CLI's `-o -` is refused there too).
        if ["-", "/dev/stdout", "/dev/stderr", "/dev/tty"].contains(output) || output.hasPrefix("/dev/fd/") || output.hasPrefix("/proc/self/fd/") {
            throw OptionValue.Invalid("\(output): standard output is the terminal; give a file name")
        }
        if output.split(separator: "/").contains(where: { $0 == Substring(StoreLocation.cacheFolderName) }) {
            throw OptionValue.Invalid("\(output): \(StoreLocation.cacheFolderName) is omio-tui's cache folder; give another name")
        }
        var ranges: [SliceAxis: AxisRange] = [:]
        func take(_ axis: SliceAxis, _ value: String) throws {
            do {
                ranges[axis] = try AxisRange(parsing: value)
            } catch {
                throw OptionValue.Invalid("\(axis.rawValue): \(error)")
            }
        }
        let known = "(t=, z=, c=, y=, x=)"
        while let word = words.popFirst() {
            if let eq = word.firstIndex(of: "="), let axis = SliceAxis(rawValue: word[..<eq].lowercased()) {
                try take(axis, String(word[word.index(after: eq)...]))
            } else if word.hasPrefix("--"), let axis = SliceAxis(rawValue: word.dropFirst(2).lowercased()) {
                guard let value = words.popFirst() else { throw OptionValue.Invalid("\(word) needs a value, as in \(word) 0:2") }
                try take(axis, value)
            } else {
                throw OptionValue.Invalid("unknown option '\(word)' \(known)")
            }
        }
        return (output, ranges)
    }

    /// Words split at spaces; `"…"` and `'…'` keep spaces in one word (the quotes go).
    static func tokens(_ text: String) throws -> [String] {
        var out: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        for ch in text {
            if let q = quote {
                if ch == q { quote = nil } else { word.append(ch) }
            } else if ch == "\"" || ch == "'" {
                quote = ch
                inWord = true
            } else if ch == " " {
                if inWord { out.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(ch)
                inWord = true
            }
        }
        if quote != nil { throw OptionValue.Invalid("a quote is not closed") }
        if inWord { out.append(word) }
        return out
    }
}
