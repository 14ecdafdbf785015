import OmioFormats

/// The group metadata of a store: OME-NGFF multiscales (0.5 on Zarr v3, 0.4 on Zarr v2) plus
/// `omio` (the normalized metadata and the manifest).
enum OMEZarrMetadata {
    /// Axes in t,c,z,y,x order with UDUNITS names, as OME-NGFF requires.
    static var axes: JSONValue {
        .array([
            .object([("name", .string("t")), ("type", .string("time")), ("unit", .string("second"))]),
            .object([("name", .string("c")), ("type", .string("channel"))]),
            .object([("name", .string("z")), ("type", .string("space")), ("unit", .string("micrometer"))]),
            .object([("name", .string("y")), ("type", .string("space")), ("unit", .string("micrometer"))]),
            .object([("name", .string("x")), ("type", .string("space")), ("unit", .string("micrometer"))]),
        ])
    }

    /// Level k's scale: the physical sizes (µm) and the time increment (s; 1 when unknown),
    /// with Y and X doubled per level.
    static func scale(_ m: ImageMetadata, level: Int) -> [Double] {
        let f = Double(1 << level)
        return [m.timeIncrement ?? 1, 1, m.physicalSizeZ, m.physicalSizeY * f, m.physicalSizeX * f]
    }

    static func multiscales(_ m: ImageMetadata, levels: Int, name: String, format: ZarrFormat) -> JSONValue {
        let datasets: [JSONValue] = (0..<levels).map { k in
            .object([
                ("path", .string(String(k))),
                ("coordinateTransformations", .array([
                    .object([("type", .string("scale")), ("scale", .array(scale(m, level: k).map { .number($0) }))]),
                ])),
            ])
        }
        var entry: [(String, JSONValue)] = []
        if format == .v2 { entry.append(("version", .string("0.4"))) } // 0.5 moved it up to `ome`
        entry += [("name", .string(name)), ("axes", axes), ("datasets", .array(datasets))]
        return .array([.object(entry)])
    }

    static func omio(_ m: ImageMetadata, manifest: StoreManifest) -> JSONValue {
        .object([("metadata", m.json), ("manifest", manifest.json)])
    }

    /// The group's metadata files: (file name, content). For v2 `.zgroup` never changes and
    /// `.zattrs` carries the attributes; for v3 `zarr.json` carries both.
    static func groupFiles(_ m: ImageMetadata, levels: Int, name: String, manifest: StoreManifest) -> [(String, JSONValue)] {
        let format = manifest.zarrFormat
        let multiscales = multiscales(m, levels: levels, name: name, format: format)
        switch format {
        case .v3:
            let ome: JSONValue = .object([("version", .string("0.5")), ("multiscales", multiscales)])
            return [("zarr.json", .object([
                ("zarr_format", .int(3)),
                ("node_type", .string("group")),
                ("attributes", .object([("ome", ome), ("omio", omio(m, manifest: manifest))])),
            ]))]
        case .v2:
            return [
                (".zgroup", .object([("zarr_format", .int(2))])),
                (".zattrs", .object([("multiscales", multiscales), ("omio", omio(m, manifest: manifest))])),
            ]
        }
    }
}
