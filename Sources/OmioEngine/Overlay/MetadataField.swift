import Foundation
import OmioFormats

/// A normalized field a person may correct, and how its values are written and checked.
public enum MetadataField: Hashable, Sendable, CustomStringConvertible {
    case physicalSize(axis: String) // "X", "Y", "Z"
    case physicalSizeUnit(axis: String) // reinterpret the current number in another unit
    case timeIncrement
    case timeIncrementUnit
    case channelName(Int)
    case channelColor(Int)
    case description

    /// OME/OMIO key names: PhysicalSizeZ, PhysicalSizeZUnit, TimeIncrement, Channel 1 Name
    /// (also Channel1Name / Channel:1:Name), Description.
    /// Keys are matched without regard to case (`physicalsizez=5` is what people type).
    public init?(key raw: String) {
        let key = raw.trimmingCharacters(in: .whitespaces).lowercased()
        for axis in ["X", "Y", "Z"] {
            if key == "physicalsize\(axis.lowercased())" { self = .physicalSize(axis: axis); return }
            if key == "physicalsize\(axis.lowercased())unit" { self = .physicalSizeUnit(axis: axis); return }
        }
        switch key {
        case "timeincrement": self = .timeIncrement; return
        case "timeincrementunit": self = .timeIncrementUnit; return
        case "description": self = .description; return
        default: break
        }
        let compact = key.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: ":", with: "")
        guard compact.hasPrefix("channel") else { return nil }
        let rest = compact.dropFirst("channel".count)
        let digits = rest.prefix { $0.isNumber }
        guard let index = Int(digits) else { return nil }
        switch rest.dropFirst(digits.count) {
        case "name": self = .channelName(index)
        case "color", "colour": self = .channelColor(index)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case let .physicalSize(a): return "PhysicalSize\(a)"
        case let .physicalSizeUnit(a): return "PhysicalSize\(a)Unit"
        case .timeIncrement: return "TimeIncrement"
        case .timeIncrementUnit: return "TimeIncrementUnit"
        case let .channelName(i): return "Channel \(i) Name"
        case let .channelColor(i): return "Channel \(i) Color"
        case .description: return "Description"
        }
    }

    /// An example of a value with its unit for fields whose number may carry one ("5000 nm"),
    /// nil for names, colours and text (the editor shows a unit hint only where it applies).
    public var unitExample: String? {
        switch self {
        case .physicalSize: return "5000 nm"
        case .timeIncrement: return "500 ms"
        case .physicalSizeUnit, .timeIncrementUnit, .channelName, .channelColor, .description: return nil
        }
    }

    /// Every key a user may set, for messages and completion.
    public static let keysHelp = "PhysicalSizeX/Y/Z[Unit], TimeIncrement[Unit], Channel N Name, Channel N Color, Description"
}

/// A checked new value. Numbers are held, applied and written in the field's model unit (µm for
/// sizes, s for times: `{"value": 5, "unit": "µm"}` for a typed "5000 nm"), so the sidecar says
/// what is applied.
public enum FieldValue: Equatable, Sendable {
    case number(Double, unit: String)
    case text(String)
    case color(RGBColor)

    static let micrometres = "µm", seconds = "s"

    var json: JSONValue {
        switch self {
        case let .number(v, unit): return .object([("value", .number(v)), ("unit", .string(unit))])
        case let .text(s): return .object([("text", .string(s))])
        case let .color(c): return .object([("color", .string(c.hex))])
        }
    }

    /// The value as written, unchecked (see `checked(for:version:)`).
    init?(json: JSONValue) {
        if let v = json["value"]?.doubleValue, let u = json["unit"]?.stringValue { self = .number(v, unit: u) }
        else if let s = json["text"]?.stringValue { self = .text(s) }
        else if let c = json["color"]?.stringValue.flatMap(RGBColor.init(hex:)) { self = .color(c) }
        else { return nil }
    }

    /// A value read from a sidecar, held to the rules `set` enforces and brought to µm or s.
    /// Sidecar version 1 (omio-tui before the fix) wrote the number already in µm or s beside
    /// the unit the user had typed (`{"value": 5, "unit": "nm"}` meant 5 µm): it is read as it
    /// was applied. From version 2 the number is in its unit.
    func checked(for field: MetadataField, version: Int) throws -> FieldValue {
        func fail(_ why: String) -> FieldParser.Invalid { FieldParser.Invalid(description: "\(field): \(why)") }
        switch (MetadataOverlay.storageField(field), self) {
        case let (.physicalSize, .number(v, unit)):
            guard let f = LengthUnit.micrometres(per: unit), !LengthUnit.isUncalibrated(unit) else { throw fail("unknown length unit '\(unit)'") }
            return try FieldParser.modelNumber(version == 1 ? v : v * f, unit: FieldValue.micrometres, field: field, shown: "\(v) \(unit)")
        case let (.timeIncrement, .number(v, unit)):
            guard let f = TimeUnit.seconds(per: unit) else { throw fail("unknown time unit '\(unit)'") }
            return try FieldParser.modelNumber(version == 1 ? v : v * f, unit: FieldValue.seconds, field: field, shown: "\(v) \(unit)")
        case let (.channelName, .text(s)):
            guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("a name cannot be empty") }
            return self
        case (.channelColor, .color), (.description, .text):
            return self
        default:
            throw fail("the value \(json.serialized()) does not fit this field")
        }
    }
}

/// Turns "5", "5000 nm", "5000nm", "0.5 s", "#00FF00", "green" into a checked value for a field.
public enum FieldParser {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// `current` supplies the field's present value where a unit reinterpretation needs it.
    public static func parse(_ field: MetadataField, _ raw: String, current m: ImageMetadata) throws -> FieldValue {
        let text = raw.trimmingCharacters(in: .whitespaces)
        switch field {
        case .physicalSize:
            let (v, unit) = try number(text, defaultUnit: "µm", field: field)
            guard let f = LengthUnit.micrometres(per: unit), !LengthUnit.isUncalibrated(unit) else {
                throw Invalid(description: "\(field): unknown length unit '\(unit)' (use nm, µm/um, mm, cm, m)")
            }
            return try modelNumber(v * f, unit: FieldValue.micrometres, field: field, shown: text)
        case let .physicalSizeUnit(axis):
            guard let f = LengthUnit.micrometres(per: text), !LengthUnit.isUncalibrated(text) else {
                throw Invalid(description: "\(field): unknown length unit '\(text)' (use nm, µm/um, mm, cm, m)")
            }
            // The number stays; its unit changes: 5 "µm" that were really nm become 0.005 µm.
            return try modelNumber(m.physicalSize(axis) * f, unit: FieldValue.micrometres, field: field, shown: text)
        case .timeIncrement:
            let (v, unit) = try number(text, defaultUnit: "s", field: field)
            guard let f = TimeUnit.seconds(per: unit) else {
                throw Invalid(description: "\(field): unknown time unit '\(unit)' (use ms, s, min, h)")
            }
            return try modelNumber(v * f, unit: FieldValue.seconds, field: field, shown: text)
        case .timeIncrementUnit:
            guard let f = TimeUnit.seconds(per: text) else {
                throw Invalid(description: "\(field): unknown time unit '\(text)' (use ms, s, min, h)")
            }
            guard let current = m.timeIncrement else {
                throw Invalid(description: "TimeIncrementUnit: the file has no TimeIncrement to reinterpret; set TimeIncrement")
            }
            return try modelNumber(current * f, unit: FieldValue.seconds, field: field, shown: text)
        case let .channelName(i), let .channelColor(i):
            guard i >= 0, i < m.shape.c else {
                throw Invalid(description: "\(field): the image has channels 0 to \(m.shape.c - 1)")
            }
            if case .channelName = field {
                guard !text.isEmpty else { throw Invalid(description: "\(field): a name cannot be empty") }
                return .text(text)
            }
            guard let c = color(text) else {
                throw Invalid(description: "\(field): '\(text)' is not a colour (#RRGGBB, a name such as green, or an OME integer)")
            }
            return .color(c)
        case .description:
            return .text(text)
        }
    }

    /// A positive finite number, optionally followed by a unit ("5000nm", "5000 nm"). A decimal
    /// comma is accepted ("5,0", "5,0 nm": how much of Europe types it); a number with both a
    /// comma and a point, or two commas ("1,000.5", "1,000,000"), is refused rather than guessed.
    static func number(_ text: String, defaultUnit: String, field: MetadataField) throws -> (Double, String) {
        let scalars = Array(text.unicodeScalars)
        var end = 0
        while end < scalars.count, "0123456789.,+-eE".unicodeScalars.contains(scalars[end]) {
            // An 'e' only belongs to the number when a digit or sign follows (5e-3, not "5 em").
            if scalars[end] == "e" || scalars[end] == "E" {
                guard end + 1 < scalars.count, "0123456789+-".unicodeScalars.contains(scalars[end + 1]) else { break }
            }
            end += 1
        }
        var numberText = String(String.UnicodeScalarView(scalars[0..<end]))
        let unitText = String(String.UnicodeScalarView(scalars[end...])).trimmingCharacters(in: .whitespaces)
        if numberText.filter({ $0 == "," }).count == 1, !numberText.contains(".") {
            numberText = numberText.replacingOccurrences(of: ",", with: ".")
        }
        guard let v = Double(numberText) else {
            throw Invalid(description: "\(field): '\(text)' is not a number")
        }
        guard v.isFinite, v > 0 else {
            throw Invalid(description: "\(field): \(text) must be a positive finite number")
        }
        return (v, unitText.isEmpty ? defaultUnit : unitText)
    }

    /// The one rule for a size or time in the model's unit, from `set` or from a sidecar: a
    /// positive finite number (5e-324 nm is 0 µm and 1e308 m is infinite µm once converted).
    static func modelNumber(_ v: Double, unit: String, field: MetadataField, shown: String) throws -> FieldValue {
        guard v.isFinite, v > 0 else {
            throw Invalid(description: "\(field): \(shown) is not a positive finite number of \(unit)")
        }
        return .number(v, unit: unit)
    }

    static func color(_ text: String) -> RGBColor? {
        if let c = RGBColor(hex: text) { return c }
        if let n = Int64(text) { return RGBColor(omeColor: n) }
        let names: [String: RGBColor] = [
            "red": RGBColor(255, 0, 0), "green": RGBColor(0, 255, 0), "blue": RGBColor(0, 0, 255),
            "cyan": RGBColor(0, 255, 255), "magenta": RGBColor(255, 0, 255), "yellow": RGBColor(255, 255, 0),
            "white": .white, "gray": .white, "grey": .white,
        ]
        return names[text.lowercased()]
    }
}
