/// Which dimension of a Zarr array is T, C, Z, Y and X. OME-NGFF names its axes and gives each a
/// type; files from other writers use custom names (`"angle"`, `"depth"`), so roles come from
/// the name when it is one of t,c,z,y,x and otherwise from the type: time → T, channel → C, and
/// of the space axes the last two are Y and X and the one before them Z.
struct NGFFAxes: Sendable {
    var names: [String]
    var units: [String?]
    /// Array dimension of each role; nil when the image lacks that axis.
    var t: Int?, c: Int?, z: Int?
    var y: Int, x: Int
    /// Dimensions with no role (a fourth space axis, an unknown type): read at index 0.
    var unmapped: [Int]

    var count: Int { names.count }

    /// From `multiscales[].axes`: objects {name, type, unit} (0.4, 0.5) or plain names (0.3).
    init(ngff axes: [JSONValue]) throws {
        var names: [String] = [], types: [String?] = [], units: [String?] = []
        for a in axes {
            if let name = a.stringValue {
                names.append(name)
                types.append(nil)
                units.append(nil)
            } else if let name = a["name"]?.stringValue {
                names.append(name)
                types.append(a["type"]?.stringValue?.lowercased())
                units.append(a["unit"]?.stringValue)
            } else {
                throw FormatError("an axis of the multiscales has no name")
            }
        }
        try self.init(names: names, types: types, units: units)
    }

    /// For a plain array: its dimension names when they are axis letters, else by rank
    /// (2-D YX, 3-D ZYX, 4-D CZYX, 5-D TCZYX: OME-NGFF's order).
    init(rank: Int, dimensionNames: [String]?) throws {
        if let names = dimensionNames, names.count == rank,
           names.allSatisfy({ ["t", "c", "z", "y", "x"].contains($0.lowercased()) }), Set(names.map { $0.lowercased() }).count == rank {
            try self.init(names: names.map { $0.lowercased() }, types: Array(repeating: nil, count: rank), units: Array(repeating: nil, count: rank))
            return
        }
        guard (2...5).contains(rank) else { throw FormatError("a \(rank)-D array is not an image (2 to 5 dimensions are)") }
        let names = Array(["t", "c", "z", "y", "x"].suffix(rank))
        try self.init(names: names, types: Array(repeating: nil, count: rank), units: Array(repeating: nil, count: rank))
    }

    init(names: [String], types: [String?], units: [String?]) throws {
        self.names = names
        self.units = units
        var role: [String: Int] = [:]
        var unmapped: [Int] = []
        var spaces: [Int] = []
        // Standard names first: they decide even when the type is missing (0.3) or odd.
        for (i, n) in names.enumerated() {
            let key = n.lowercased()
            if ["t", "c", "z", "y", "x"].contains(key), role[key] == nil { role[key] = i }
        }
        for i in names.indices where !role.values.contains(i) {
            switch types[i] {
            case "time" where role["t"] == nil: role["t"] = i
            case "channel" where role["c"] == nil: role["c"] = i
            case "space": spaces.append(i)
            default: unmapped.append(i)
            }
        }
        // Custom space axes fill Y and X from the end, then Z.
        for key in ["x", "y", "z"] where role[key] == nil {
            if let i = spaces.popLast() { role[key] = i }
        }
        unmapped += spaces
        guard let y = role["y"], let x = role["x"] else {
            throw FormatError("the axes \(names.joined(separator: ",")) have no two space axes for Y and X")
        }
        self.y = y
        self.x = x
        t = role["t"]
        c = role["c"]
        z = role["z"]
        self.unmapped = unmapped.sorted()
    }

    /// The unit of the axis in role `key`, if the file gives one.
    func unit(_ dim: Int?) -> String? { dim.flatMap { units[$0] } }
}

/// OME-NGFF units (UDUNITS-2 names) in the model's µm and s. The spec lists every SI prefix
/// of metre and second plus a few imperial lengths; other spellings go through `LengthUnit`.
enum NGFFUnits {
    static func micrometres(per unit: String) -> Double? {
        if let v = lengths[unit.lowercased()] { return v }
        return LengthUnit.micrometres(per: unit)
    }

    static func seconds(per unit: String) -> Double? {
        if let v = times[unit.lowercased()] { return v }
        return TimeUnit.seconds(per: unit)
    }

    private static let prefixes: [(String, Double)] = [
        ("yocto", 1e-24), ("zepto", 1e-21), ("atto", 1e-18), ("femto", 1e-15), ("pico", 1e-12), ("nano", 1e-9),
        ("micro", 1e-6), ("milli", 1e-3), ("centi", 1e-2), ("deci", 1e-1), ("", 1), ("deca", 1e1), ("hecto", 1e2),
        ("kilo", 1e3), ("mega", 1e6), ("giga", 1e9), ("tera", 1e12), ("peta", 1e15), ("exa", 1e18), ("zetta", 1e21), ("yotta", 1e24),
    ]

    private static let lengths: [String: Double] = {
        var t: [String: Double] = ["angstrom": 1e-4, "foot": 304_800, "inch": 25_400, "mile": 1_609_344_000, "yard": 914_400, "parsec": 3.0857e22]
        for (p, f) in prefixes { t[p + "meter"] = f * 1e6 }
        return t
    }()

    private static let times: [String: Double] = {
        var t: [String: Double] = ["minute": 60, "hour": 3600, "day": 86400]
        for (p, f) in prefixes { t[p + "second"] = f }
        return t
    }()
}
