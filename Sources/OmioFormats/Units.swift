import Foundation

/// Length and time units as files spell them, converted to the model's µm and s.
public enum LengthUnit {
    /// Micrometres per unit for every spelling seen in ImageJ descriptions, OME-XML
    /// (UnitsLength) and LSM/CZI metadata. `nil` means "not a physical length" (pixel,
    /// reference frame) or not recognised.
    public static func micrometres(per unit: String) -> Double? {
        let key = normalize(unit)
        return table[key]
    }

    /// The canonical spelling for a recognised unit ("micron" -> "µm").
    public static func canonical(_ unit: String) -> String? {
        let key = normalize(unit)
        guard table[key] != nil else { return nil }
        return canonicalNames[key] ?? key
    }

    /// True for units that say "no physical calibration" (ImageJ's pixel, OME's reference frame).
    public static func isUncalibrated(_ unit: String) -> Bool {
        let key = normalize(unit)
        return key == "pixel" || key == "pixels" || key == "px" || key == "referenceframe" || key.isEmpty
    }

    static func normalize(_ unit: String) -> String {
        var s = unit.trimmingCharacters(in: .whitespacesAndNewlines)
        // ImageJ writes µ as the literal escape "\u00B5" in some versions.
        s = s.replacingOccurrences(of: "\\u00B5", with: "µ").replacingOccurrences(of: "\\u00b5", with: "µ")
        s = s.replacingOccurrences(of: "\u{03BC}", with: "µ") // Greek mu -> micro sign
        s = s.replacingOccurrences(of: " ", with: "")
        let lowered = s.lowercased()
        // Keep case only where it matters (Mm vs mm); everything we accept is unambiguous lower-cased
        // except the SI prefixes M/m and P/p, which OME distinguishes.
        if ["Mm", "Pm", "Gm", "Tm", "Em", "Zm", "Ym"].contains(s) { return s }
        return lowered
    }

    private static let table: [String: Double] = [
        "ym": 1e-18, "zm": 1e-15, "am": 1e-12, "fm": 1e-9, "pm": 1e-6,
        "å": 1e-4, "angstrom": 1e-4, "ångström": 1e-4,
        "nm": 1e-3, "nanometer": 1e-3, "nanometre": 1e-3, "nanometers": 1e-3,
        "µm": 1, "um": 1, "micron": 1, "microns": 1, "micrometer": 1, "micrometre": 1,
        "micrometers": 1, "micrometres": 1,
        "mm": 1e3, "millimeter": 1e3, "millimetre": 1e3,
        "cm": 1e4, "centimeter": 1e4, "centimetre": 1e4,
        "dm": 1e5, "m": 1e6, "meter": 1e6, "metre": 1e6, "dam": 1e7, "hm": 1e8, "km": 1e9,
        "Mm": 1e12, "Gm": 1e15, "Tm": 1e18, "Pm": 1e21,
        "in": 25_400, "inch": 25_400, "inches": 25_400, "thou": 25.4, "mil": 25.4,
        "ft": 304_800, "yd": 914_400, "pt": 25_400.0 / 72,
    ]

    private static let canonicalNames: [String: String] = [
        "um": "µm", "micron": "µm", "microns": "µm", "micrometer": "µm", "micrometre": "µm",
        "micrometers": "µm", "micrometres": "µm",
        "nanometer": "nm", "nanometre": "nm", "nanometers": "nm",
        "millimeter": "mm", "millimetre": "mm", "centimeter": "cm", "centimetre": "cm",
        "meter": "m", "metre": "m", "angstrom": "Å", "å": "Å", "ångström": "Å",
        "inch": "in", "inches": "in", "mil": "thou",
    ]
}

public enum TimeUnit {
    /// Seconds per unit, or nil when not a time unit.
    public static func seconds(per unit: String) -> Double? {
        table[normalize(unit)]
    }

    public static func canonical(_ unit: String) -> String? {
        let key = normalize(unit)
        guard table[key] != nil else { return nil }
        return canonicalNames[key] ?? key
    }

    static func normalize(_ unit: String) -> String {
        var s = unit.trimmingCharacters(in: .whitespacesAndNewlines)
        s = s.replacingOccurrences(of: "\\u00B5", with: "µ").replacingOccurrences(of: "\\u00b5", with: "µ")
        s = s.replacingOccurrences(of: "\u{03BC}", with: "µ")
        return s.lowercased()
    }

    private static let table: [String: Double] = [
        "fs": 1e-15, "ps": 1e-12, "ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3,
        "msec": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3,
        "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
        "min": 60, "mins": 60, "minute": 60, "minutes": 60,
        "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
        "d": 86400, "day": 86400, "days": 86400,
    ]

    private static let canonicalNames: [String: String] = [
        "us": "µs", "msec": "ms", "millisecond": "ms", "milliseconds": "ms",
        "sec": "s", "secs": "s", "second": "s", "seconds": "s",
        "mins": "min", "minute": "min", "minutes": "min",
        "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "day": "d", "days": "d",
    ]
}
