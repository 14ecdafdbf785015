import Foundation

/// The `ImageJ=...` ImageDescription: newline-separated key=value pairs, values parsed as
/// int, then float, then bool, else kept as text (tifffile's rules).
public struct ImageJDescription: Sendable {
    public private(set) var pairs: [(String, JSONValue)] = []

    public static func isImageJ(_ description: String) -> Bool {
        description.hasPrefix("ImageJ=")
    }

    public init(_ text: String) {
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0.isNewline }) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let raw = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { continue }
            pairs.append((key, ImageJDescription.value(raw)))
        }
    }

    static func value(_ raw: String) -> JSONValue {
        if let i = Int(raw) { return .number(Double(i)) }
        if let d = Double(raw), d.isFinite { return .number(d) }
        switch raw.lowercased() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: return .string(raw)
        }
    }

    public subscript(key: String) -> JSONValue? {
        pairs.last(where: { $0.0 == key })?.1
    }

    public func int(_ key: String) -> Int? {
        guard let v = self[key] else { return nil }
        if let i = v.intValue { return i }
        if let s = v.stringValue { return Int(s) }
        return nil
    }

    public func double(_ key: String) -> Double? {
        guard let v = self[key] else { return nil }
        if let d = v.doubleValue { return d }
        if let s = v.stringValue { return Double(s) }
        return nil
    }

    public func string(_ key: String) -> String? {
        guard let v = self[key] else { return nil }
        switch v {
        case let .string(s): return s
        case let .number(n): return JSONValue.format(n)
        case let .bool(b): return b ? "true" : "false"
        default: return nil
        }
    }
}

/// ImageJ's binary IJMetadata tag (50839): per-channel LUTs, display ranges, Info, labels.
/// Layout: a header of 4-byte type codes and counts, then the blocks (IJMetadataByteCounts
/// gives each block's size). Strings are UTF-16 in the file's byte order.
public struct ImageJBinaryMetadata: Sendable {
    public var luts: [[UInt8]] = [] // 768 bytes each: 256 R, 256 G, 256 B
    public var ranges: [Double] = []
    public var info: String?
    public var labels: [String] = []
    public var properties: [(String, String)] = []

    /// `blocks` are the tag value split by IJMetadataByteCounts; the first is the header.
    public init(blocks: [[UInt8]], bigEndian: Bool) {
        guard let header = blocks.first, header.count >= 4 else { return }
        let order = ByteOrderReader(bigEndian: bigEndian)
        let magic = order.u32(header, 0)
        guard magic == 0x494A_494A else { return } // "IJIJ"
        var types: [(UInt32, Int)] = []
        var p = 4
        while p + 8 <= header.count {
            types.append((order.u32(header, p), Int(order.u32(header, p + 4))))
            p += 8
        }
        var blockIndex = 1
        var pendingKey: String?
        for (type, count) in types {
            for _ in 0..<max(0, min(count, 100_000)) {
                guard blockIndex < blocks.count else { return }
                let b = blocks[blockIndex]
                blockIndex += 1
                switch type {
                case 0x696E_666F: info = ImageJBinaryMetadata.utf16(b, order) // "info"
                case 0x6C61_626C: labels.append(ImageJBinaryMetadata.utf16(b, order)) // "labl"
                case 0x7261_6E67: // "rang": float64 pairs
                    ranges += stride(from: 0, to: b.count - 7, by: 8).map { order.f64(b, $0) }
                case 0x6C75_7473: if b.count == 768 { luts.append(b) } // "luts"
                case 0x7072_6F70: // "prop": alternating key, value strings
                    let s = ImageJBinaryMetadata.utf16(b, order)
                    if let key = pendingKey {
                        properties.append((key, s))
                        pendingKey = nil
                    } else {
                        pendingKey = s
                    }
                default: break
                }
            }
        }
    }

    static func utf16(_ b: [UInt8], _ order: ByteOrderReader) -> String {
        let units = stride(from: 0, to: b.count - 1, by: 2).map { order.u16(b, $0) }
        return String(decoding: units, as: UTF16.self)
    }

    /// The colour a LUT ends in: what ImageJ and napari call the channel's colour.
    public static func color(ofLUT lut: [UInt8]) -> RGBColor? {
        guard lut.count == 768 else { return nil }
        return RGBColor(lut[255], lut[511], lut[767])
    }
}
