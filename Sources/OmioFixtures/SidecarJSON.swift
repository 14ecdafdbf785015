import Foundation

/// Reads a `<file>.omio.json` sidecar the way another program would: Foundation's
/// JSONSerialization and a unit table of its own, not omio-tui's overlay decoder or Units. Tests
/// use it to check that the sidecar says what omio-tui applies.
public enum SidecarJSON {
    static let micrometresPer: [String: Double] = ["nm": 1e-3, "µm": 1, "um": 1, "mm": 1e3, "cm": 1e4, "m": 1e6]
    static let secondsPer: [String: Double] = ["ms": 1e-3, "s": 1, "min": 60, "h": 3600]

    /// A field's edited number in µm (sizes) or s (TimeIncrement), from `value` × `unit`.
    public static func modelValue(_ sidecar: String, field: String, series: Int = 0) throws -> Double {
        let data = try Data(contentsOf: URL(fileURLWithPath: sidecar))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let all = root["series"] as? [[String: Any]],
              let entry = all.first(where: { ($0["series"] as? Int) == series }),
              let edits = entry["edits"] as? [[String: Any]],
              let edit = edits.first(where: { ($0["field"] as? String) == field }),
              let value = edit["value"] as? [String: Any],
              let number = value["value"] as? Double, let unit = value["unit"] as? String
        else { throw Problem(description: "\(sidecar) has no number for \(field)") }
        let table = field == "TimeIncrement" ? secondsPer : micrometresPer
        guard let factor = table[unit] else { throw Problem(description: "\(sidecar): unknown unit '\(unit)' for \(field)") }
        return number * factor
    }

    public struct Problem: Error, CustomStringConvertible { public let description: String }
}
