import Foundation
import OmioEngine
import OmioFormats

/// `:slice OUT [t=A:B] [z=…] [c=…] [y=…] [x=…]`: writes part of the open file, by default what
/// the preview shows, through the same extractor and rules as `omio-tui slice`.
extension AppModel {
    /// The `:slice` usage line (the help overlay and errors show it).
    static let sliceUsage = ":slice OUT [t=A:B[:STEP]] [z=…] [c=LIST|A:B] [y=A:B] [x=A:B]"

    func slice(command words: [String]) {
        guard let v = viewer else { return flash("no file is open", error: true) }
        let parsed: (output: String, ranges: [SliceAxis: AxisRange])
        do {
            guard let p = try AppModel.parseSlice(words) else { return flash("usage: \(AppModel.sliceUsage)", error: true) }
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

    /// The output and the ranges typed after it (`t=0:10` or `--t 0:10`); nil when no output is
    /// named. Ranges are taken from the end, so the path may hold spaces. A range that does not
    /// parse throws its reason, named by axis (`t: the range 5:2 is reversed; write 2:5`).
    static func parseSlice(_ words: [String]) throws -> (output: String, ranges: [SliceAxis: AxisRange])? {
        var words = words
        var ranges: [SliceAxis: AxisRange] = [:]
        func take(_ axis: SliceAxis, _ text: String) throws {
            do {
                ranges[axis] = try AxisRange(parsing: text)
            } catch {
                throw OptionValue.Invalid("\(axis.rawValue): \(error)")
            }
        }
        while let last = words.last {
            if let eq = last.firstIndex(of: "="), let axis = SliceAxis(rawValue: String(last[..<eq]).replacingOccurrences(of: "--", with: "")) {
                try take(axis, String(last[last.index(after: eq)...]))
                words.removeLast()
            } else if words.count >= 2, words[words.count - 2].hasPrefix("--"),
                      let axis = SliceAxis(rawValue: String(words[words.count - 2].dropFirst(2))) {
                try take(axis, last)
                words.removeLast(2)
            } else {
                break
            }
        }
        guard !words.isEmpty else { return nil }
        return (words.joined(separator: " "), ranges)
    }
}
