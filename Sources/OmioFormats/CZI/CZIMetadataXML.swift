import Foundation

/// What the reader takes from a CZI's ImageDocument XML: voxel sizes (stored in metres),
/// the time increment, channel names and colours, and a few facts worth showing.
struct CZIMetadataXML {
    /// Micrometres per pixel along X, Y, Z (nil when the file does not say).
    var scaling: [String: Double] = [:]
    /// The raw scaling values in metres, for the annotations.
    var scalingMetres: [String: Double] = [:]
    var timeIncrement: Double?
    /// Per CZI channel index.
    var channels: [ChannelInfo] = []
    var annotations: [(String, JSONValue)] = []
    var root: XMLElement?

    init() {}

    init(root: XMLElement) {
        self.root = root
        let metadata = root.child("Metadata")
        for item in metadata?.path("Scaling", "Items")?.children("Distance") ?? [] {
            guard let id = item["Id"], let text = item.child("Value")?.trimmedText, let metres = Double(text) else { continue }
            scalingMetres[id] = metres
            if metres.isFinite, metres > 0 { scaling[id] = metres * 1e6 }
        }
        let image = metadata?.path("Information", "Image")
        // ZEN records a regular time series as an interval (seconds per frame).
        if let text = image?.path("Dimensions", "T", "Positions", "Interval", "Increment")?.trimmedText,
           let v = Double(text), v.isFinite, v > 0 {
            timeIncrement = v
        }
        channels = CZIMetadataXML.channels(information: image?.path("Dimensions", "Channels"),
                                           display: metadata?.path("DisplaySetting", "Channels"))

        var ann: [(String, JSONValue)] = []
        for axis in ["X", "Y", "Z"] {
            if let m = scalingMetres[axis] { ann.append(("Scaling\(axis)", .number(m))) }
        }
        if !scalingMetres.isEmpty { ann.append(("ScalingUnit", .string("m"))) }
        let facts: [(String, XMLElement?)] = [
            ("AcquisitionDateAndTime", image?.child("AcquisitionDateAndTime")),
            ("ApplicationName", metadata?.path("Information", "Application", "Name")),
            ("ApplicationVersion", metadata?.path("Information", "Application", "Version")),
            ("Objective", metadata?.path("Information", "Instrument", "Objectives", "Objective")),
        ]
        for (key, element) in facts {
            guard let element else { continue }
            let text = element.trimmedText.isEmpty ? (element["Name"] ?? "") : element.trimmedText
            if !text.isEmpty { ann.append((key, .string(text))) }
        }
        annotations = ann
    }

    /// Names from Information/Image/Dimensions/Channels, colours from DisplaySetting (what ZEN
    /// shows) else from the acquisition channel. Colours are "#AARRGGBB".
    static func channels(information: XMLElement?, display: XMLElement?) -> [ChannelInfo] {
        let acquired = information?.children("Channel") ?? []
        let shown = display?.children("Channel") ?? []
        return (0..<max(acquired.count, shown.count)).map { i in
            let a = i < acquired.count ? acquired[i] : nil
            let d = i < shown.count ? shown[i] : nil
            let name = a?["Name"] ?? d?["Name"]
            let color = (d?.child("Color")?.trimmedText).flatMap(rgb) ?? (a?.child("Color")?.trimmedText).flatMap(rgb)
            return ChannelInfo(name: name, color: color)
        }
    }

    static func rgb(_ text: String) -> RGBColor? {
        var s = text
        if s.hasPrefix("#") { s.removeFirst() }
        if s.count == 8 { s.removeFirst(2) } // alpha first
        return RGBColor(hex: s)
    }
}
