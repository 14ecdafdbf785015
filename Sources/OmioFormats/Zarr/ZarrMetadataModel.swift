/// The normalized model (TZCYX, µm, s) of a Zarr image, from whichever metadata it carries:
/// OME-NGFF axes and scales with their units, OMIO's `omio_metadata` on its cache arrays, and
/// for our own stores the full model they were built with (`omio.metadata`), which wins.
enum ZarrMetadataModel {
    static func build(path: String, plan: ZarrImageSource.Plan, axes: NGFFAxes, level0: ZarrArrayMetadata, levelCount: Int) -> ImageMetadata {
        let s = level0.shape
        let shape = Shape(t: axes.t.map { s[$0] } ?? 1, z: axes.z.map { s[$0] } ?? 1, c: axes.c.map { s[$0] } ?? 1, y: s[axes.y], x: s[axes.x])
        var warnings = plan.warnings
        var annotations: [(String, JSONValue)] = [("ZarrFormat", .int(plan.zarrFormat))]
        var sizes: [String: Double] = [:]
        var timeIncrement: Double?
        var channels: [ChannelInfo] = []
        if let ms = plan.multiscales {
            if let v = ms.version { annotations.append(("NGFFVersion", .string(v))) }
            if let n = ms.name { annotations.append(("NGFFName", .string(n))) }
            annotations.append(("NGFFAxes", .string(axes.names.joined(separator: ","))))
            for (key, dim, time) in [("PhysicalSizeX", axes.x, false), ("PhysicalSizeY", axes.y, false), ("PhysicalSizeZ", axes.z, false), ("TimeIncrement", axes.t, true)] {
                let cal = ms.calibration(dim, time: time)
                guard let original = cal.original, let dim else { continue }
                annotations.append(("\(key)Original", .string(original)))
                let axis = axes.names[dim], model = time ? "s" : "µm"
                if cal.noUnit {
                    // A scale of 1 without a unit is what writers put when they know nothing.
                    if cal.value == 1 { continue }
                    warnings.append("axis \(axis) has no unit; its scale \(original) is taken as \(model)")
                } else if cal.value == nil {
                    warnings.append("axis \(axis) has the unit \"\(axes.units[dim] ?? "")\", which is not a \(time ? "time" : "length"); \(key) ignored")
                    continue
                }
                if time { timeIncrement = cal.value } else { sizes[key] = cal.value }
            }
            channels = ms.channels()
        } else if let omio = plan.attributes["omio_metadata"] {
            // OMIO's cache: sizes with their unit names ("micron"), annotations as OMIO has them.
            for key in ["PhysicalSizeX", "PhysicalSizeY", "PhysicalSizeZ"] {
                guard let v = omio[key]?.doubleValue else { continue }
                let unit = omio[key + "Unit"]?.stringValue ?? "micrometer"
                sizes[key] = NGFFUnits.micrometres(per: unit).map { v * $0 }
            }
            if let dt = omio["TimeIncrement"]?.doubleValue {
                timeIncrement = dt * (omio["TimeIncrementUnit"]?.stringValue.flatMap { NGFFUnits.seconds(per: $0) } ?? 1)
            }
            annotations += omio["Annotations"]?.objectValue ?? []
        }
        var description: String?
        var defaulted: [String] = []
        if let own = plan.attributes["omio"]?["metadata"], own.objectValue != nil {
            // Our store: the model it was built with (already in µm and s, corrections applied).
            for key in ["PhysicalSizeX", "PhysicalSizeY", "PhysicalSizeZ"] { sizes[key] = own[key]?.doubleValue }
            timeIncrement = own["TimeIncrement"]?.doubleValue
            if let list = own["Channels"]?.arrayValue {
                channels = list.map { ChannelInfo(name: $0["Name"]?.stringValue, color: $0["Color"]?.stringValue.flatMap { RGBColor(hex: $0) }) }
            }
            description = own["Description"]?.stringValue
            annotations += own["Annotations"]?.objectValue ?? []
            defaulted = own["defaulted"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        for key in defaulted { sizes[key] = nil } // a size the source lacked stays marked as defaulted
        var m = ImageMetadata(path: path, format: .omeZarr, levels: levelCount, shape: shape, dtype: level0.dtype,
                              physicalSizeX: sizes["PhysicalSizeX"], physicalSizeY: sizes["PhysicalSizeY"],
                              physicalSizeZ: sizes["PhysicalSizeZ"], timeIncrement: timeIncrement, channels: channels)
        m.description = description
        m.annotations = annotations
        if !axes.unmapped.isEmpty {
            warnings.append("the axes \(axes.unmapped.map { axes.names[$0] }.joined(separator: ", ")) are not T, C, Z, Y or X; index 0 of each is shown")
        }
        m.readerWarnings = warnings
        return m
    }
}
