/// What the attributes of an OME-NGFF image group say: its axes, its pyramid levels (the
/// `datasets`, full resolution first) with their scales, and the `omero` display hints.
/// 0.5 keeps everything under `ome`; 0.4 puts `multiscales` and `omero` at the top.
struct NGFFMultiscales: Sendable {
    struct Dataset: Sendable {
        var path: String
        /// The dataset's `scale` transformation times the multiscale-level one, per axis.
        var scale: [Double]?
    }

    var version: String?
    var name: String?
    var axes: NGFFAxes
    var datasets: [Dataset]
    var omero: JSONValue?

    /// nil when the attributes hold no multiscales (not an NGFF image group).
    init?(attributes: JSONValue) throws {
        let ome = attributes["ome"]
        guard let list = (ome?["multiscales"] ?? attributes["multiscales"])?.arrayValue else { return nil }
        guard let first = list.first else { throw FormatError("the multiscales list is empty") }
        version = ome?["version"]?.stringValue ?? first["version"]?.stringValue
        name = first["name"]?.stringValue
        guard let axesList = first["axes"]?.arrayValue else {
            // 0.1 and 0.2 had no axes: always 5-D TCZYX.
            axes = try NGFFAxes(names: ["t", "c", "z", "y", "x"], types: Array(repeating: nil, count: 5), units: Array(repeating: nil, count: 5))
            datasets = try NGFFMultiscales.datasets(first, rank: 5)
            omero = ome?["omero"] ?? attributes["omero"]
            return
        }
        axes = try NGFFAxes(ngff: axesList)
        datasets = try NGFFMultiscales.datasets(first, rank: axes.count)
        omero = ome?["omero"] ?? attributes["omero"]
    }

    private static func datasets(_ multiscale: JSONValue, rank: Int) throws -> [Dataset] {
        guard let list = multiscale["datasets"]?.arrayValue, !list.isEmpty else { throw FormatError("the multiscales entry lists no datasets") }
        let common = scale(in: multiscale["coordinateTransformations"], rank: rank)
        return try list.map { d in
            guard let path = d["path"]?.stringValue, !path.isEmpty else { throw FormatError("a multiscales dataset has no path") }
            guard !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }), !path.hasPrefix("/") else {
                throw FormatError("the dataset path \"\(path)\" leaves the image group")
            }
            var s = scale(in: d["coordinateTransformations"], rank: rank)
            if let c = common { s = s.map { zip($0, c).map { $0 * $1 } } ?? c }
            return Dataset(path: path, scale: s)
        }
    }

    /// The `scale` of a list of coordinate transformations, when it has one per axis.
    private static func scale(in transforms: JSONValue?, rank: Int) -> [Double]? {
        guard let list = transforms?.arrayValue,
              let s = list.first(where: { $0["type"]?.stringValue == "scale" })?["scale"]?.arrayValue?.compactMap(\.doubleValue),
              s.count == rank else { return nil }
        return s
    }

    /// The axis's size of a level-0 sample in µm (space) or s (time), the original value and
    /// unit (for Annotations), and whether the unit was missing.
    struct Calibration {
        var value: Double?
        var original: String?
        var noUnit = false
    }

    func calibration(_ dim: Int?, time: Bool) -> Calibration {
        guard let dim, let scale = datasets[0].scale?[dim] else { return Calibration() }
        guard let unit = axes.units[dim], !unit.isEmpty else {
            return Calibration(value: scale, original: JSONValue.format(scale), noUnit: true)
        }
        let factor = time ? NGFFUnits.seconds(per: unit) : NGFFUnits.micrometres(per: unit)
        return Calibration(value: factor.map { scale * $0 }, original: "\(JSONValue.format(scale)) \(unit)")
    }

    /// `omero.channels`: names, colours ("RRGGBB", no '#') and contrast windows.
    func channels() -> [ChannelInfo] {
        guard let list = omero?["channels"]?.arrayValue else { return [] }
        return list.map { ch in
            var window: ChannelWindow?
            if let s = ch["window"]?["start"]?.doubleValue, let e = ch["window"]?["end"]?.doubleValue, s.isFinite, e.isFinite {
                window = ChannelWindow(start: s, end: e)
            }
            let label = ch["label"]?.stringValue
            return ChannelInfo(name: label?.isEmpty == false ? label : nil, color: ch["color"]?.stringValue.flatMap { RGBColor(hex: $0) }, window: window)
        }
    }
}
