import Foundation

/// How a ThorImage .raw file is laid out and calibrated, from the folder's Experiment.xml or,
/// failing that, OMIO's YAML sidecar. The rules are OMIO's (`read_thorlabs_raw`):
/// - XML: X/Y from `LSM@pixelX/pixelY`; C is the number of `Wavelengths/Wavelength` (else
///   `LSM@channel`); T from `Timelapse@timepoints`, the time increment from its `@intervalSec`;
///   Z from `ZStage@steps` only when `Streaming@zFastEnable` is 1; pixel size
///   `LSM@pixelSizeUM`, Z step `ZStage@stepSizeUM`; bits from `Camera@bitsPerPixel` (16 when
///   absent). Z is then re-derived from the file size (flyback frames, aborted runs): a file
///   that is not a whole number of T x C x Y x X volumes makes the XML unusable.
/// - YAML (when the XML is missing or unusable): keys T, Z, C, Y, X, bits, optionally
///   PhysicalSizeX/Y/Z with `pixelunit`, TimeIncrement with `TimeIncrementUnit`; the sizes
///   must match the file exactly.
/// - bits 32 is float32, 9 to 16 uint16, up to 8 uint8. Planes run C fastest, then Z, then T.
/// Where OMIO fails on a missing optional attribute (pixelSizeUM, intervalSec, stepSizeUM),
/// the value is left unknown instead (sizes then default to 1 µm with a warning).
struct ThorlabsExperiment {
    var shape: Shape
    var bits: Int
    var physicalSizeX: Double?
    var physicalSizeY: Double?
    var physicalSizeZ: Double?
    var timeIncrement: Double?
    var channelNames: [String?] = []
    var annotations: [(String, JSONValue)] = []
    var warnings: [String] = []
    /// The file the metadata came from, and its content for the raw tree.
    var source: String = ""
    var raw: MetaNode?

    var dtype: PixelType { ThorlabsExperiment.dtype(bits: bits) }

    static func dtype(bits: Int) -> PixelType { bits == 32 ? .float32 : (bits > 8 ? .uint16 : .uint8) }

    static let maxSide = 1 << 20
    static let maxPlanes = 1 << 24

    /// Reads the metadata beside `rawPath`: the XML if usable, else the YAML sidecar.
    static func load(rawPath: String, fileSize: UInt64) throws -> ThorlabsExperiment {
        let folder = (rawPath as NSString).deletingLastPathComponent
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? [])
            .filter { !$0.hasPrefix(".") } // macOS ._ resource forks and editor leftovers
            .sorted()
        func lower(_ name: String, hasSuffix s: String...) -> Bool { s.contains { name.lowercased().hasSuffix($0) } }
        let xmls = names.filter { lower($0, hasSuffix: ".xml") }
        let yamls = names.filter { lower($0, hasSuffix: ".yaml", ".yml") }
        let raws = names.filter { lower($0, hasSuffix: ThorlabsRawSource.rawSuffix) }
        // ThorImage names it Experiment.xml; OMIO takes the first .xml, which is usually the same.
        let xmlName = xmls.first { $0.lowercased() == "experiment.xml" } ?? xmls.first
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

        var xmlError: String?
        if let xmlName {
            do {
                guard let data = FileManager.default.contents(atPath: path(xmlName)) else { throw FormatError("cannot be read") }
                var e = try fromXML(try XMLTree.parse(data), fileSize: fileSize)
                e.source = xmlName
                if raws.count > 1 { e.warnings.append("the folder holds \(raws.count) .raw files; \(xmlName) is read as describing each of them") }
                return e
            } catch {
                xmlError = "\(xmlName) is incomplete or inconsistent: \(error.omioReason)"
            }
        }
        guard let yamlName = yamls.first else {
            throw FormatError(xmlError ?? "no Experiment.xml or YAML sidecar (keys T, Z, C, Y, X, bits) beside the .raw file")
        }
        guard let text = try? String(contentsOfFile: path(yamlName), encoding: .utf8) else {
            throw FormatError("\(yamlName) cannot be read\(xmlError.map { " (and \($0))" } ?? "")")
        }
        var e: ThorlabsExperiment
        do {
            e = try fromYAML(text, fileSize: fileSize)
        } catch {
            throw FormatError("\(yamlName): \(error.omioReason)\(xmlError.map { " (and \($0))" } ?? "")")
        }
        e.source = yamlName
        if let xmlError { e.warnings.insert("\(xmlError); read with \(yamlName) instead", at: 0) }
        if yamls.count > 1 { e.warnings.append("\(yamls.count) YAML files beside the .raw file; \(yamlName) was used") }
        return e
    }

    // MARK: Experiment.xml

    static func fromXML(_ root: XMLElement, fileSize: UInt64) throws -> ThorlabsExperiment {
        guard let lsm = root.descendant("LSM") else { throw FormatError("no LSM element") }
        func int(_ e: XMLElement, _ key: String, default d: Int? = nil) throws -> Int {
            guard let text = e[key] else {
                if let d { return d }
                throw FormatError("\(e.name)@\(key) is missing")
            }
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else { throw FormatError("\(e.name)@\(key)=\(text) is not an integer") }
            return v
        }
        func double(_ e: XMLElement?, _ key: String) -> Double? {
            e?[key].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }.flatMap { $0.isFinite ? $0 : nil }
        }
        let x = try int(lsm, "pixelX"), y = try int(lsm, "pixelY")
        let wavelengths = root.descendant("Wavelengths")?.descendants("Wavelength") ?? []
        let c = wavelengths.isEmpty ? try int(lsm, "channel", default: 1) : wavelengths.count
        let timelapse = root.descendant("Timelapse")
        let t = try timelapse.map { try int($0, "timepoints") } ?? 1
        let bits = try root.descendant("Camera").map { try int($0, "bitsPerPixel", default: 16) } ?? 16
        let zStage = root.descendant("ZStage")
        let streaming = root.descendant("Streaming")
        let zFast = try streaming.map { try int($0, "zFastEnable", default: 0) != 0 } ?? false
        let zFromXML = try zStage.flatMap { zFast ? try int($0, "steps") : nil } ?? 1
        // Z is re-derived from the file size below, so only the other sizes must be valid here.
        try checkSizes(t: t, z: 1, c: c, y: y, x: x, bits: bits)

        let volume = try bytes(t: t, z: 1, c: c, y: y, x: x, bits: bits)
        guard fileSize % UInt64(volume) == 0 else {
            throw FormatError("the .raw file's \(fileSize) bytes are not a whole number of Z planes of T \(t) x C \(c) x Y \(y) x X \(x) x \(dtype(bits: bits).bytes) bytes")
        }
        let z = Int(fileSize / UInt64(volume))
        guard z >= 1 else { throw FormatError("the .raw file is empty") }
        var warnings: [String] = []
        if z != zFromXML {
            warnings.append("Experiment.xml gives Z \(zFromXML) but the .raw file size holds Z \(z) (flyback or streamed frames, or an interrupted run); using Z \(z), as OMIO does")
        }
        try checkSizes(t: t, z: z, c: c, y: y, x: x, bits: bits)

        let pixel = double(lsm, "pixelSizeUM")
        var e = ThorlabsExperiment(shape: Shape(t: t, z: z, c: c, y: y, x: x), bits: bits,
                                   physicalSizeX: pixel, physicalSizeY: pixel,
                                   physicalSizeZ: zFast ? double(zStage, "stepSizeUM") : nil,
                                   timeIncrement: double(timelapse, "intervalSec"))
        e.channelNames = wavelengths.map { $0["name"] }
        var ann: [(String, JSONValue)] = [("bitsPerPixel", .int(bits))]
        if let pixel { ann.append(("pixelSizeUM", .number(pixel))) }
        if let v = double(lsm, "frameRate") { ann.append(("frameRate", .number(v))) }
        if let v = double(zStage, "stepSizeUM") { ann.append(("ZStage.stepSizeUM", .number(v))) }
        if let v = zStage?["steps"] { ann.append(("ZStage.steps", .string(v))) }
        if let v = streaming?["zFastEnable"] { ann.append(("Streaming.zFastEnable", .string(v))) }
        if let v = timelapse?["intervalSec"] { ann.append(("Timelapse.intervalSec", .string(v))) }
        if let v = root.descendant("Date")?["date"] { ann.append(("Date", .string(v))) }
        e.annotations = ann
        e.warnings = warnings
        e.raw = root.metaNode()
        return e
    }

    // MARK: YAML sidecar

    static func fromYAML(_ text: String, fileSize: UInt64) throws -> ThorlabsExperiment {
        let map = flatYAML(text)
        guard !map.isEmpty else { throw FormatError("not a YAML mapping of keys to values") }
        func int(_ key: String) throws -> Int {
            guard let text = map[key] else { throw FormatError("the required key \(key) is missing") }
            if let v = Int(text) { return v }
            if let d = Double(text), d == d.rounded(), abs(d) < 1e15 { return Int(d) }
            throw FormatError("\(key): \(text) is not an integer")
        }
        func double(_ key: String) -> Double? { map[key].flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil } }
        let t = try int("T"), z = try int("Z"), c = try int("C"), y = try int("Y"), x = try int("X"), bits = try int("bits")
        try checkSizes(t: t, z: z, c: c, y: y, x: x, bits: bits)
        let expected = try bytes(t: t, z: z, c: c, y: y, x: x, bits: bits)
        guard UInt64(expected) == fileSize else {
            throw FormatError("RAW data size mismatch: T \(t) x Z \(z) x C \(c) x Y \(y) x X \(x) at \(bits) bits is \(expected) bytes, the .raw file has \(fileSize)")
        }
        var warnings: [String] = []
        let unit = map["pixelunit"] ?? map["PixelUnit"] ?? "micron"
        var perUnit = LengthUnit.micrometres(per: unit)
        if perUnit == nil {
            warnings.append("pixel unit \"\(unit)\" is not a length unit; sizes are read as µm")
            perUnit = 1
        }
        let timeUnit = map["TimeIncrementUnit"] ?? "s"
        var perTime = TimeUnit.seconds(per: timeUnit)
        if perTime == nil {
            warnings.append("time unit \"\(timeUnit)\" is not recognised; the increment is read as seconds")
            perTime = 1
        }
        var e = ThorlabsExperiment(shape: Shape(t: t, z: z, c: c, y: y, x: x), bits: bits,
                                   physicalSizeX: double("PhysicalSizeX").map { $0 * perUnit! },
                                   physicalSizeY: double("PhysicalSizeY").map { $0 * perUnit! },
                                   physicalSizeZ: double("PhysicalSizeZ").map { $0 * perUnit! },
                                   timeIncrement: double("TimeIncrement").map { $0 * perTime! })
        e.annotations = map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }
        e.warnings = warnings
        e.raw = MetaNode("YAML", nil, e.annotations.map { MetaNode($0.0, $0.1.stringValue) })
        return e
    }

    /// The top-level `key: value` pairs of a YAML document: all OMIO's sidecar holds.
    /// Nested blocks, lists and comments are skipped; quotes around values are removed.
    static func flatYAML(_ text: String) -> [String: String] {
        var map: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let first = line.first, !first.isWhitespace, first != "#", first != "-" else { continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if let hash = value.range(of: " #") { value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces) }
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = String(value.dropFirst().dropLast())
            }
            if !key.isEmpty, !value.isEmpty { map[key] = value }
        }
        return map
    }

    // MARK: checks

    static func checkSizes(t: Int, z: Int, c: Int, y: Int, x: Int, bits: Int) throws {
        for (name, v, cap) in [("T", t, maxPlanes), ("Z", z, maxPlanes), ("C", c, maxPlanes), ("Y", y, maxSide), ("X", x, maxSide)] {
            guard v >= 1, v <= cap else { throw FormatError("\(name) \(v) is invalid") }
        }
        guard (1...16).contains(bits) || bits == 32 else { throw FormatError("\(bits) bits per pixel is not supported (1-16 or 32)") }
        let (planes, o1) = t.multipliedReportingOverflow(by: z)
        let (all, o2) = planes.multipliedReportingOverflow(by: c)
        guard !o1, !o2, all <= maxPlanes else { throw FormatError("T \(t) x Z \(z) x C \(c) planes is implausible") }
    }

    /// Bytes of T x Z x C planes of Y x X pixels, refusing sizes past what a file can hold.
    static func bytes(t: Int, z: Int, c: Int, y: Int, x: Int, bits: Int) throws -> Int {
        var total = dtype(bits: bits).bytes
        for v in [x, y, c, z, t] {
            let (p, overflow) = total.multipliedReportingOverflow(by: v)
            guard !overflow, p <= 1 << 50 else { throw FormatError("T \(t) x Z \(z) x C \(c) x Y \(y) x X \(x) is implausibly large") }
            total = p
        }
        return total
    }
}

fileprivate extension XMLElement {
    /// The first element named `name` below this one, depth first (ElementTree's `.//name`).
    func descendant(_ name: String) -> XMLElement? {
        for child in children {
            if child.name == name { return child }
            if let hit = child.descendant(name) { return hit }
        }
        return nil
    }

    /// Every element named `name` below this one, in document order.
    func descendants(_ name: String) -> [XMLElement] {
        children.flatMap { ($0.name == name ? [$0] : []) + $0.descendants(name) }
    }
}
