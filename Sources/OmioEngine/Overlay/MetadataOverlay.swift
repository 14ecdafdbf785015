import Foundation
import OmioFormats

/// Corrections a person made to a file's metadata, per series, with the file's own values kept
/// for reference and a history for undo. Saved beside the image as `<file name>.omio.json`;
/// the image itself is never modified.
public struct MetadataOverlay: Equatable, Sendable {
    public struct Edit: Equatable, Sendable {
        public var value: FieldValue
        /// The file's value before any edit (nil when the file had none).
        public var original: FieldValue?
        public var editedAt: String
    }

    struct Change: Equatable, Sendable {
        var series: Int
        var field: String
        /// The edit this change replaced; nil means the field had no edit.
        var previous: Edit?
    }

    public var sourcePath: String
    /// series -> field key -> edit (keys as MetadataField.description).
    public private(set) var edits: [Int: [String: Edit]] = [:]
    var history: [Change] = []
    /// What was wrong with the sidecar it was read from (values ignored, the file refused), for
    /// the metadata's warnings.
    public internal(set) var warnings: [String] = []
    /// Set when the sidecar could not be used at all (too big, not JSON, a newer format): it
    /// is left as it is, and saving over it is refused.
    public internal(set) var refusedSidecar: OmioError?

    /// The sidecar format written: 2 stores numbers in their unit (always µm or s); 1 stored them
    /// in µm or s beside the unit the user typed.
    static let formatVersion = 2

    public init(sourcePath: String) {
        self.sourcePath = sourcePath
    }

    public var isEmpty: Bool { edits.values.allSatisfy(\.isEmpty) }

    public func edits(series: Int) -> [String: Edit] { edits[series] ?? [:] }

    /// Unit fields are stored as their value field: "PhysicalSizeZUnit=nm" is a new PhysicalSizeZ.
    public static func storageField(_ f: MetadataField) -> MetadataField {
        switch f {
        case let .physicalSizeUnit(a): return .physicalSize(axis: a)
        case .timeIncrementUnit: return .timeIncrement
        default: return f
        }
    }

    /// Records a checked value; `file` is the metadata as the file states it (for originals).
    public mutating func set(_ field: MetadataField, _ value: FieldValue, series: Int, file: ImageMetadata) {
        let key = MetadataOverlay.storageField(field).description
        let previous = edits[series]?[key]
        let original = previous?.original ?? MetadataOverlay.currentValue(MetadataOverlay.storageField(field), in: file)
        edits[series, default: [:]][key] = Edit(value: value, original: original, editedAt: MetadataOverlay.now())
        history.append(Change(series: series, field: key, previous: previous))
    }

    /// Removes the edit of one field (or all of a series): back to the file's value.
    @discardableResult
    public mutating func reset(_ field: MetadataField?, series: Int) -> [String] {
        guard let current = edits[series] else { return [] }
        let keys = field.map { [MetadataOverlay.storageField($0).description] } ?? Array(current.keys).sorted()
        var removed: [String] = []
        for key in keys {
            guard let old = current[key] else { continue }
            edits[series]?[key] = nil
            history.append(Change(series: series, field: key, previous: old))
            removed.append(key)
        }
        return removed
    }

    /// Reverts the last change; returns the field it touched.
    public mutating func undo() -> String? {
        guard let last = history.popLast() else { return nil }
        edits[last.series, default: [:]][last.field] = last.previous
        return last.field
    }

    /// The metadata with this overlay's edits applied, fields listed in `edited`.
    public func apply(to m: ImageMetadata) -> ImageMetadata {
        var out = m
        out.readerWarnings += warnings
        let e = edits(series: m.series)
        for key in e.keys.sorted() {
            guard let field = MetadataField(key: key), let edit = e[key] else { continue }
            switch (field, edit.value) {
            case let (.physicalSize(axis), .number(v, _)):
                switch axis {
                case "X": out.physicalSizeX = v
                case "Y": out.physicalSizeY = v
                default: out.physicalSizeZ = v
                }
                out.defaulted.remove(key)
            case let (.timeIncrement, .number(v, _)): out.timeIncrement = v
            case let (.channelName(i), .text(s)) where i < out.channels.count: out.channels[i].name = s
            case let (.channelColor(i), .color(c)) where i < out.channels.count: out.channels[i].color = c
            case let (.description, .text(s)): out.description = s.isEmpty ? nil : s
            case (.channelName, _), (.channelColor, _):
                out.readerWarnings.append("\(key) in the sidecar is ignored: the image has channels 0 to \(out.channels.count - 1)")
                continue
            default: continue
            }
            out.edited.append(key)
        }
        return out
    }

    /// A short stable hash of one series' edits; nil without edits. Stores record it, so a
    /// store built before a correction is known to be stale.
    public func hash(series: Int) -> String? {
        let e = edits(series: series)
        guard !e.isEmpty else { return nil }
        let text = e.keys.sorted().map { "\($0)=\(e[$0]!.value.json.serialized())" }.joined(separator: ";")
        return FNV1a.hex(text)
    }

    static func currentValue(_ field: MetadataField, in m: ImageMetadata) -> FieldValue? {
        switch field {
        case let .physicalSize(axis):
            return m.defaulted.contains(field.description) ? nil : .number(m.physicalSize(axis), unit: "µm")
        case .timeIncrement: return m.timeIncrement.map { .number($0, unit: "s") }
        case let .channelName(i): return i < m.channels.count ? m.channels[i].name.map { .text($0) } : nil
        case let .channelColor(i): return i < m.channels.count ? m.channels[i].color.map { .color($0) } : nil
        case .description: return m.description.map { .text($0) }
        default: return nil
        }
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    // MARK: JSON

    public var json: JSONValue {
        var series: [JSONValue] = []
        for s in edits.keys.sorted() where !(edits[s]?.isEmpty ?? true) {
            let e = edits[s]!
            series.append(.object([
                ("series", .int(s)),
                ("edits", .array(e.keys.sorted().map { key in
                    let edit = e[key]!
                    return .object([("field", .string(key)), ("value", edit.value.json),
                                    ("original", edit.original?.json ?? .null), ("edited_at", .string(edit.editedAt))])
                })),
            ]))
        }
        let history: [JSONValue] = self.history.suffix(200).map {
            .object([("series", .int($0.series)), ("field", .string($0.field)),
                     ("previous", $0.previous.map { p in .object([("value", p.value.json), ("original", p.original?.json ?? .null),
                                                                   ("edited_at", .string(p.editedAt))]) } ?? .null)])
        }
        return .object([
            ("format", .string("omio-tui metadata overlay")), ("version", .int(MetadataOverlay.formatVersion)),
            ("source", .string(sourcePath)), ("series", .array(series)), ("history", .array(history)),
        ])
    }

    /// Reads a sidecar's JSON. An edit that does not pass `set`'s rules is left out with a
    /// warning naming the field; a document that is not an overlay (or is newer) throws.
    public init(json: JSONValue, sourcePath: String) throws {
        guard json["format"]?.stringValue == "omio-tui metadata overlay" else {
            throw FormatError("is not an omio-tui metadata overlay")
        }
        let version = json["version"]?.intValue ?? 1
        guard (1...MetadataOverlay.formatVersion).contains(version) else {
            throw FormatError("has format version \(json["version"].map { $0.serialized() } ?? "?"), newer than this omio-tui reads (\(MetadataOverlay.formatVersion))")
        }
        self.sourcePath = sourcePath
        func value(_ j: JSONValue?, _ field: MetadataField) throws -> FieldValue? {
            guard let j, j != .null else { return nil }
            guard let v = FieldValue(json: j) else { throw FieldParser.Invalid(description: "\(field): \(j.serialized()) is not a value") }
            return try v.checked(for: field, version: version)
        }
        func edit(_ j: JSONValue?, _ field: MetadataField) throws -> Edit? {
            guard let j, j != .null, let v = try value(j["value"], field) else { return nil }
            return Edit(value: v, original: try? value(j["original"], field), editedAt: j["edited_at"]?.stringValue ?? "")
        }
        for s in json["series"]?.arrayValue ?? [] {
            guard let index = s["series"]?.intValue else { continue }
            for e in s["edits"]?.arrayValue ?? [] {
                let name = e["field"]?.stringValue ?? "?"
                guard let field = MetadataField(key: name) else {
                    warnings.append("the sidecar's field '\(name)' is not one omio-tui edits; ignored")
                    continue
                }
                do {
                    if let ed = try edit(e, field) { edits[index, default: [:]][MetadataOverlay.storageField(field).description] = ed }
                } catch {
                    warnings.append("sidecar: \(error.omioReason); ignored (the file's value is used)")
                }
            }
        }
        for h in json["history"]?.arrayValue ?? [] {
            guard let s = h["series"]?.intValue, let f = h["field"]?.stringValue, let field = MetadataField(key: f) else { continue }
            history.append(Change(series: s, field: MetadataOverlay.storageField(field).description, previous: try? edit(h["previous"], field)))
        }
    }
}
