import Foundation

/// Builds OME-XML 2016-06 for one image written as an OME-TIFF: Pixels in XYZCT order with
/// one TiffData per plane, calibrated sizes with their units, channels, and the annotations
/// as a MapAnnotation. Element order follows the schema (it is a sequence).
public enum OMEXMLBuilder {
    public static let namespace = "http://www.openmicroscopy.org/Schemas/OME/2016-06"

    /// IFD number of plane (t, z, c) in XYZCT order: Z fastest, then C, then T.
    public static func ifdIndex(_ p: PlaneIndex, shape: Shape) -> Int {
        (p.t * shape.c + p.c) * shape.z + p.z
    }

    public static func document(_ m: ImageMetadata, name: String, uuid: String) -> String {
        let s = m.shape
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<OME xmlns=\"\(namespace)\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        x += "xsi:schemaLocation=\"\(namespace) \(namespace)/ome.xsd\" UUID=\"\(uuid)\" Creator=\"omio-tui \(escape(OmioVersion.string))\">"
        x += "<Image ID=\"Image:0\" Name=\"\(escape(name))\">"
        if let d = m.description { x += "<Description>\(escape(d))</Description>" }
        x += "<Pixels ID=\"Pixels:0\" DimensionOrder=\"XYZCT\" Type=\"\(omeType(m.dtype))\" "
        x += "SizeX=\"\(s.x)\" SizeY=\"\(s.y)\" SizeZ=\"\(s.z)\" SizeC=\"\(s.c)\" SizeT=\"\(s.t)\""
        // Sizes the source did not state stay unstated: a default is not a measurement.
        for axis in ["X", "Y", "Z"] where !m.defaulted.contains("PhysicalSize\(axis)") {
            x += " PhysicalSize\(axis)=\"\(number(m.physicalSize(axis)))\" PhysicalSize\(axis)Unit=\"µm\""
        }
        if let dt = m.timeIncrement { x += " TimeIncrement=\"\(number(dt))\" TimeIncrementUnit=\"s\"" }
        x += " BigEndian=\"false\" Interleaved=\"false\" SignificantBits=\"\(m.dtype.bytes * 8)\">"
        for (i, ch) in m.channels.enumerated() {
            x += "<Channel ID=\"Channel:0:\(i)\" SamplesPerPixel=\"1\""
            if let n = ch.name { x += " Name=\"\(escape(n))\"" }
            if let c = ch.color { x += " Color=\"\(c.omeColor)\"" }
            x += "><LightPath/></Channel>"
        }
        for t in 0..<s.t {
            for c in 0..<s.c {
                for z in 0..<s.z {
                    let ifd = ifdIndex(PlaneIndex(t: t, z: z, c: c), shape: s)
                    x += "<TiffData IFD=\"\(ifd)\" FirstZ=\"\(z)\" FirstC=\"\(c)\" FirstT=\"\(t)\" PlaneCount=\"1\"/>"
                }
            }
        }
        if let pos = m.planePositions { x += planes(pos, shape: s) }
        x += "</Pixels>"
        if !m.annotations.isEmpty { x += "<AnnotationRef ID=\"Annotation:0\"/>" }
        x += "</Image>"
        if !m.annotations.isEmpty {
            x += "<StructuredAnnotations><MapAnnotation ID=\"Annotation:0\" Namespace=\"omio-tui/annotations\"><Value>"
            for (k, v) in m.annotations { x += "<M K=\"\(escape(k))\">\(escape(v.displayString))</M>" }
            x += "</Value></MapAnnotation></StructuredAnnotations>"
        }
        x += "</OME>"
        return x
    }

    /// One `Plane` per plane (after the TiffData, as the schema orders them), in IFD order.
    static func planes(_ pos: PlanePositions, shape s: Shape) -> String {
        var x = ""
        for t in 0..<s.t {
            for c in 0..<s.c {
                for z in 0..<s.z {
                    x += "<Plane TheZ=\"\(z)\" TheT=\"\(t)\" TheC=\"\(c)\""
                    if let dt = pos.deltaT, t < dt.count { x += " DeltaT=\"\(number(dt[t]))\" DeltaTUnit=\"s\"" }
                    if let v = pos.x { x += " PositionX=\"\(number(v))\" PositionXUnit=\"µm\"" }
                    if let v = pos.y { x += " PositionY=\"\(number(v))\" PositionYUnit=\"µm\"" }
                    if let pz = pos.z, z < pz.count { x += " PositionZ=\"\(number(pz[z]))\" PositionZUnit=\"µm\"" }
                    x += "/>"
                }
            }
        }
        return x
    }

    static func omeType(_ t: PixelType) -> String {
        switch t {
        case .float32: return "float"
        case .float64: return "double"
        default: return t.rawValue
        }
    }

    /// Shortest round-tripping decimal (never exponent-free lossy formatting).
    static func number(_ v: Double) -> String { "\(v)" }

    public static func escape(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#10;"
            case "\t": out += "&#9;"
            default:
                // XML 1.0 forbids most control characters even escaped: drop them.
                if ch.value < 0x20 && ch != "\r" { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
