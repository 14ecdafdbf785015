import Foundation

public enum FileFormat: String, Sendable, Codable {
    case tiff
    case bigtiff
    case omeTiff = "ome-tiff"
    case imagejTiff = "imagej-tiff"
    case lsm
    case czi
    case thorlabsRaw = "thorlabs-raw"
    /// An OME-NGFF image (or a plain Zarr array) in a folder or behind an HTTP(S) URL.
    case omeZarr = "ome-zarr"

    /// The short badge the browser shows.
    public var badge: String {
        switch self {
        case .tiff: return "TIF"
        case .bigtiff: return "BigTIFF"
        case .omeTiff: return "OME"
        case .imagejTiff: return "IJ"
        case .lsm: return "LSM"
        case .czi: return "CZI"
        case .thorlabsRaw: return "RAW"
        case .omeZarr: return "ZARR"
        }
    }
}

/// An sRGB colour with 8 bits per component, written "#RRGGBB".
public struct RGBColor: Equatable, Hashable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public var hex: String { String(format: "#%02X%02X%02X", r, g, b) }

    public init?(hex: String) {
        var s = hex.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("#") { s.removeFirst() }
        guard s.count == 6, let v = UInt32(s, radix: 16) else { return nil }
        self.init(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
    }

    /// OME's Channel@Color: a signed 32-bit RGBA integer (-1 is opaque white).
    public init(omeColor value: Int64) {
        let u = UInt32(truncatingIfNeeded: value)
        self.init(UInt8(u >> 24 & 0xFF), UInt8(u >> 16 & 0xFF), UInt8(u >> 8 & 0xFF))
    }

    public var omeColor: Int32 { Int32(bitPattern: UInt32(r) << 24 | UInt32(g) << 16 | UInt32(b) << 8 | 0xFF) }

    public static let white = RGBColor(255, 255, 255)
}

/// The sample values a file says its display maps to black and to full colour (OME-NGFF
/// `omero.channels[].window` start and end).
public struct ChannelWindow: Equatable, Sendable {
    public var start: Double
    public var end: Double
    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }
}

public struct ChannelInfo: Equatable, Sendable {
    public var name: String?
    public var color: RGBColor?
    /// The contrast window the file suggests, when it gives one.
    public var window: ChannelWindow?
    public init(name: String? = nil, color: RGBColor? = nil, window: ChannelWindow? = nil) {
        self.name = name
        self.color = color
        self.window = window
    }
}

/// The normalized metadata of one series: OMIO's model. Axes are always TZCYX; physical
/// sizes are in µm and times in s whatever the file used.
public struct ImageMetadata: Sendable {
    public var path: String
    public var format: FileFormat
    public var series: Int
    public var seriesCount: Int
    public var levels: Int
    public var shape: Shape
    public var dtype: PixelType
    public var physicalSizeX: Double
    public var physicalSizeY: Double
    public var physicalSizeZ: Double
    /// Which physical sizes were missing from the file and set to 1 µm.
    public var defaulted: Set<String> = []
    public var timeIncrement: Double?
    public var channels: [ChannelInfo]
    /// The channels are the colour samples of one pixel (R, G, B and maybe A: TIFF
    /// PhotometricInterpretation RGB or YCbCr decoded to RGB, ImageJ RGB, an OME Channel with
    /// SamplesPerPixel 3 or 4, CZI Bgr): shown as one colour image by default.
    public var isRGB = false
    public var description: String?
    /// The file's own keys and values, including original units, for reference.
    public var annotations: [(String, JSONValue)] = []
    /// Problems the reader met (missing members, odd values); plausibility warnings are added
    /// by `warnings` so they follow edits.
    public var readerWarnings: [String] = []
    /// Fields changed by a metadata overlay (filled by OmioEngine).
    public var edited: [String] = []
    /// Where the planes sit (OME `Plane` PositionX/Y/Z and DeltaT): set for a sub-stack, so a
    /// viewer places a crop where it was in the whole.
    public var planePositions: PlanePositions?

    public init(path: String, format: FileFormat, series: Int = 0, seriesCount: Int = 1, levels: Int = 1,
                shape: Shape, dtype: PixelType, physicalSizeX: Double?, physicalSizeY: Double?,
                physicalSizeZ: Double?, timeIncrement: Double? = nil, channels: [ChannelInfo] = []) {
        self.path = path
        self.format = format
        self.series = series
        self.seriesCount = seriesCount
        self.levels = levels
        self.shape = shape
        self.dtype = dtype
        self.physicalSizeX = 1
        self.physicalSizeY = 1
        self.physicalSizeZ = 1
        self.timeIncrement = timeIncrement.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
        var channels = channels
        if channels.count < shape.c { channels += Array(repeating: ChannelInfo(), count: shape.c - channels.count) }
        self.channels = Array(channels.prefix(shape.c))
        setPhysicalSizes(x: physicalSizeX, y: physicalSizeY, z: physicalSizeZ)
    }

    /// Sets the sizes, defaulting missing or invalid ones to 1 µm (OMIO's policy) and
    /// recording which were defaulted. A missing Y takes X and vice versa (square pixels).
    public mutating func setPhysicalSizes(x: Double?, y: Double?, z: Double?) {
        func valid(_ v: Double?) -> Double? { v.flatMap { $0.isFinite && $0 > 0 ? $0 : nil } }
        // Only a missing size borrows the other: an invalid one (-5, 0, NaN) was given and is
        // wrong, so it defaults like Z does instead of taking a value meant for another axis.
        let vx = valid(x) ?? (x == nil ? valid(y) : nil)
        let vy = valid(y) ?? (y == nil ? valid(x) : nil)
        defaulted = []
        if let vx { physicalSizeX = vx } else { physicalSizeX = 1; defaulted.insert("PhysicalSizeX") }
        if let vy { physicalSizeY = vy } else { physicalSizeY = 1; defaulted.insert("PhysicalSizeY") }
        if let vz = valid(z) { physicalSizeZ = vz } else { physicalSizeZ = 1; defaulted.insert("PhysicalSizeZ") }
    }

    public func physicalSize(_ axis: String) -> Double {
        switch axis {
        case "X": return physicalSizeX
        case "Y": return physicalSizeY
        default: return physicalSizeZ
        }
    }

    public var warnings: [String] {
        var out = readerWarnings
        for key in ["PhysicalSizeX", "PhysicalSizeY", "PhysicalSizeZ"] where defaulted.contains(key) {
            if key == "PhysicalSizeZ", shape.z <= 1 { continue } // a single plane has no Z spacing to miss
            out.append("\(key) is not in the file; defaulted to 1 µm")
        }
        out += plausibilityWarnings
        return out
    }

    /// A size over 1000x smaller or larger than the lateral pixel size is almost certainly a
    /// unit mistake (the seed case: ImageJ spacing 0.0000185 µm next to 0.3 µm pixels).
    /// Sizes and intervals outside these ranges are implausible whatever the other axes say.
    public var plausibilityWarnings: [String] {
        var out: [String] = []
        let lateral = physicalSizeX
        func absurd(_ key: String, _ v: Double, _ range: ClosedRange<Double>, _ unit: String) -> Bool {
            guard !range.contains(v) else { return false }
            out.append("\(key) \(ImageMetadata.format(v)) \(unit) is implausible (outside \(String(format: "%g", range.lowerBound)) to \(String(format: "%g", range.upperBound)) \(unit))")
            return true
        }
        func check(_ key: String, _ v: Double) {
            guard !absurd(key, v, ImageMetadata.plausibleSizes, "µm") else { return }
            let ratio = v / lateral
            if ratio < 1e-3 || ratio > 1e3 {
                out.append("\(key) \(ImageMetadata.format(v)) µm is implausible next to PhysicalSizeX \(ImageMetadata.format(lateral)) µm")
            }
        }
        let lateralAbsurd = !defaulted.contains("PhysicalSizeX") && absurd("PhysicalSizeX", lateral, ImageMetadata.plausibleSizes, "µm")
        if !defaulted.contains("PhysicalSizeY"), !defaulted.contains("PhysicalSizeX") {
            if lateralAbsurd { _ = absurd("PhysicalSizeY", physicalSizeY, ImageMetadata.plausibleSizes, "µm") } else { check("PhysicalSizeY", physicalSizeY) }
        }
        if shape.z > 1, !defaulted.contains("PhysicalSizeZ"), !defaulted.contains("PhysicalSizeX") {
            if lateralAbsurd { _ = absurd("PhysicalSizeZ", physicalSizeZ, ImageMetadata.plausibleSizes, "µm") } else { check("PhysicalSizeZ", physicalSizeZ) }
        }
        if shape.t > 1, let dt = timeIncrement { _ = absurd("TimeIncrement", dt, ImageMetadata.plausibleTimeIncrements, "s") }
        return out
    }

    /// Pixel sizes a microscope gives, 1 pm to 1 m (electron to macro imaging, with room).
    /// Outside, a value is a mistake (a wrong unit, a hand-edited sidecar), and no viewer can
    /// place it: napari's float32 transforms overflow past ~3e38 and flush ~1e-38 to zero.
    public static let plausibleSizes: ClosedRange<Double> = 1e-6...1e6
    /// Time steps from 1 ns to about four months.
    public static let plausibleTimeIncrements: ClosedRange<Double> = 1e-9...1e7

    /// Names of fields whose value is suspicious (defaulted or implausible), for highlighting.
    public var suspiciousFields: Set<String> {
        var s = defaulted
        if shape.z <= 1 { s.remove("PhysicalSizeZ") }
        for w in plausibilityWarnings { if let k = w.split(separator: " ").first { s.insert(String(k)) } }
        return s
    }

    /// Compact number formatting for messages: 0.0000185 -> "1.85e-05", 0.325 -> "0.325".
    public static func format(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e-3, a < 1e7 {
            var s = String(format: "%.6g", v)
            if s.contains("e") { s = "\(v)" }
            return s
        }
        return String(format: "%.3g", v)
    }

    // MARK: JSON, in the order `info --json` documents

    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("path", .string(path)),
            ("format", .string(format.rawValue)),
            ("series", .int(series)),
            ("series_count", .int(seriesCount)),
            ("levels", .int(levels)),
            ("axes", .string("TZCYX")),
            ("shape", .array(shape.array.map { .int($0) })),
            ("dtype", .string(dtype.rawValue)),
            ("SizeT", .int(shape.t)), ("SizeZ", .int(shape.z)), ("SizeC", .int(shape.c)),
            ("SizeY", .int(shape.y)), ("SizeX", .int(shape.x)),
            ("PhysicalSizeX", .number(physicalSizeX)), ("PhysicalSizeXUnit", .string("µm")),
            ("PhysicalSizeY", .number(physicalSizeY)), ("PhysicalSizeYUnit", .string("µm")),
            ("PhysicalSizeZ", .number(physicalSizeZ)), ("PhysicalSizeZUnit", .string("µm")),
            ("TimeIncrement", .optional(timeIncrement)), ("TimeIncrementUnit", .string("s")),
            ("Channels", .array(channels.map {
                .object([("Name", .optional($0.name)), ("Color", .optional($0.color?.hex))]
                    + ($0.window.map { [("Window", .array([.number($0.start), .number($0.end)]))] } ?? []))
            })),
        ]
        if let description { pairs.append(("Description", .string(description))) }
        pairs.append(("Annotations", .object(annotations)))
        pairs.append(("defaulted", .array(defaulted.sorted().map { .string($0) })))
        if !edited.isEmpty { pairs.append(("edited", .array(edited.map { .string($0) }))) }
        pairs.append(("warnings", .array(warnings.map { .string($0) })))
        return .object(pairs)
    }
}

/// Plane positions as OME writes them: X and Y of every plane, Z per Z index and the time
/// per T index; nil where the source's size or time step is unknown.
public struct PlanePositions: Sendable, Equatable {
    /// µm.
    public var x, y: Double?
    /// µm, one per Z index of the image.
    public var z: [Double]?
    /// Seconds, one per T index of the image.
    public var deltaT: [Double]?

    public init(x: Double?, y: Double?, z: [Double]?, deltaT: [Double]?) {
        self.x = x
        self.y = y
        self.z = z
        self.deltaT = deltaT
    }
}

/// A TZCYX shape.
public struct Shape: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var t, z, c, y, x: Int
    public init(t: Int = 1, z: Int = 1, c: Int = 1, y: Int, x: Int) {
        self.t = t
        self.z = z
        self.c = c
        self.y = y
        self.x = x
    }

    public var array: [Int] { [t, z, c, y, x] }
    public var planeCount: Int { t * z * c }
    public var description: String { "T\(t) Z\(z) C\(c) Y\(y) X\(x)" }
    /// Bytes of every sample, saturating at Int64.max: a header may claim sizes whose product
    /// overflows (this is used for progress totals and BigTIFF decisions, never to allocate).
    public func byteCount(bytesPerSample: Int) -> Int64 {
        var total: Int64 = 1
        for n in array + [bytesPerSample] {
            let (v, overflow) = total.multipliedReportingOverflow(by: Int64(max(0, n)))
            if overflow { return .max }
            total = v
        }
        return total
    }
    /// Flat plane number, C fastest then Z then T (ImageJ's order).
    public func planeNumber(t: Int, z: Int, c: Int) -> Int { (t * self.z + z) * self.c + c }
}
