/// Zarr data type names to the sample types omio-tui reads. v3 names them ("uint16"); v2 by a
/// NumPy type string ("<u2", ">f4", "|u1") whose first character is the byte order.
enum ZarrDataType {
    static func parseV3(_ json: JSONValue?) throws -> PixelType {
        guard let json else { throw FormatError("the array has no data_type") }
        // Extension types are objects {"name": …}; none of them is a pixel type here.
        guard let name = json.stringValue ?? json["name"]?.stringValue else { throw FormatError("data_type is not a name") }
        guard let type = PixelType(rawValue: name) else { throw FormatError("data type \(name) is not supported") }
        return type
    }

    /// The type and whether the samples are stored big-endian.
    static func parseV2(_ json: JSONValue?) throws -> (PixelType, bigEndian: Bool) {
        guard let json else { throw FormatError("the array has no dtype") }
        guard let descr = json.stringValue else { throw FormatError("structured data types are not supported") }
        guard descr.count >= 3, let order = descr.first, "<>|=".contains(order) else {
            throw FormatError("data type '\(descr)' is not understood")
        }
        let kind = descr.dropFirst().first!
        // Sizes past 16 bytes name no pixel type (and "<u999999999999" must not become "uint7999999999992").
        guard let size = Int(descr.dropFirst(2)), size > 0 else { throw FormatError("data type '\(descr)' is not understood") }
        guard size <= 16 else { throw FormatError("data type '\(descr)' is not supported") }
        let name: String
        switch kind {
        case "u": name = "uint\(size * 8)"
        case "i": name = "int\(size * 8)"
        case "f": name = "float\(size * 8)"
        case "b": name = "bool"
        case "c": name = "complex\(size * 8)"
        default: throw FormatError("data type '\(descr)' is not supported")
        }
        guard let type = PixelType(rawValue: name), type.bytes == size else { throw FormatError("data type \(name) is not supported") }
        return (type, order == ">" && size > 1)
    }
}
