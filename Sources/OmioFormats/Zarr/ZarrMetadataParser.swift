import Foundation

/// `.zarray` (v2) and `zarr.json` (v3) to `ZarrArrayMetadata`.
enum ZarrMetadataParser {
    static let maxRank = 32

    static func parseV3(_ json: JSONValue) throws -> ZarrArrayMetadata {
        guard json["zarr_format"]?.intValue == 3 else { throw FormatError("zarr.json is not Zarr format 3") }
        guard json["node_type"]?.stringValue == "array" else { throw FormatError("is a Zarr group, not an array") }
        let shape = try ints(json["shape"], "shape", minimum: 0)
        try checkSampleCount(shape)
        let grid = json["chunk_grid"]
        guard let gridName = grid?["name"]?.stringValue else { throw FormatError("the array has no chunk_grid") }
        guard gridName == "regular" else { throw FormatError("chunk grid '\(gridName)' is not supported") }
        let chunks = try ints(grid?["configuration"]?["chunk_shape"], "chunk_shape", minimum: 1)
        guard chunks.count == shape.count else { throw FormatError("chunk_shape has \(chunks.count) dimensions, shape \(shape.count)") }
        if let transformers = json["storage_transformers"]?.arrayValue, !transformers.isEmpty {
            throw FormatError("storage transformers are not supported")
        }
        let dtype = try ZarrDataType.parseV3(json["data_type"])
        let fill = try ZarrFillValue.parse(json["fill_value"], dtype: dtype)
        let keys = try ZarrChunkKeyEncoding.parseV3(json["chunk_key_encoding"])
        guard let codecList = json["codecs"]?.arrayValue else { throw FormatError("the array has no codecs") }
        let codecs = try ZarrCodecParser.parseV3(codecList, chunkShape: chunks, dtype: dtype)
        if codecs.sharding == nil { _ = try ZarrCodecParser.boundedBytes(chunks, dtype: dtype, what: "chunk") }
        var names: [String]?
        if let list = json["dimension_names"]?.arrayValue, list.count == shape.count, list.contains(where: { $0 != .null }) {
            names = list.map { $0.stringValue ?? "" }
        }
        let attributes = json["attributes"] ?? .null
        return ZarrArrayMetadata(
            zarrFormat: 3, shape: shape, chunkShape: codecs.unitShape, storedChunkShape: chunks, dtype: dtype,
            dimensionNames: names, fillValue: fill, attributes: attributes, codecSummary: codecs.summary,
            layout: ZarrLayout(keyEncoding: keys, codecs: codecs.codecs, sharding: codecs.sharding,
                               fillSample: ZarrFillValue.sample(fill, dtype: dtype)))
    }

    static func parseV2(_ json: JSONValue, attributes: JSONValue?) throws -> ZarrArrayMetadata {
        guard json["zarr_format"]?.intValue == 2 else { throw FormatError(".zarray is not Zarr format 2") }
        let shape = try ints(json["shape"], "shape", minimum: 0)
        try checkSampleCount(shape)
        let chunks = try ints(json["chunks"], "chunks", minimum: 1)
        guard chunks.count == shape.count else { throw FormatError("chunks has \(chunks.count) dimensions, shape \(shape.count)") }
        let (dtype, bigEndian) = try ZarrDataType.parseV2(json["dtype"])
        let fill = try ZarrFillValue.parse(json["fill_value"], dtype: dtype)
        _ = try ZarrCodecParser.boundedBytes(chunks, dtype: dtype, what: "chunk")
        var chain = ZarrCodecChain()
        chain.bigEndian = bigEndian
        chain.bytesCodecs = try ZarrCodecParser.parseV2(compressor: json["compressor"], filters: json["filters"])
        // Fortran order is the C-order array transposed by the reversed dimension order.
        switch json["order"]?.stringValue ?? "C" {
        case "C": break
        case "F": if shape.count > 1 { chain.transposes = [Array((0..<shape.count).reversed())] }
        case let other: throw FormatError("array order '\(other)' is not understood")
        }
        let separator = try ZarrChunkKeyEncoding.check(json["dimension_separator"]?.stringValue ?? ".")
        var summary = chain.bytesCodecs.map(\.summary).joined(separator: " + ")
        if summary.isEmpty { summary = "raw" }
        if !chain.transposes.isEmpty { summary += " (F order)" }
        return ZarrArrayMetadata(
            zarrFormat: 2, shape: shape, chunkShape: chunks, storedChunkShape: chunks, dtype: dtype,
            dimensionNames: nil, fillValue: fill, attributes: attributes ?? .null, codecSummary: summary,
            layout: ZarrLayout(keyEncoding: .v2(separator: separator), codecs: chain, sharding: nil,
                               fillSample: ZarrFillValue.sample(fill, dtype: dtype)))
    }

    /// JSON metadata bytes, refused past a size no metadata reaches.
    static func json(_ bytes: [UInt8], name: String) throws -> JSONValue {
        guard bytes.count <= 64 << 20 else { throw FormatError("\(name) is over 64 MB") }
        do { return try JSONValue.parse(Data(bytes)) } catch { throw FormatError("\(name) is not valid JSON" + looksLike(bytes)) }
    }

    /// What a document that is not JSON seems to be: a web server's HTML page (a login or
    /// "not found" page answered 200) or an object store's XML error, named so the user knows.
    static func looksLike(_ bytes: [UInt8]) -> String {
        let start = String(decoding: bytes.prefix(256), as: UTF8.self).drop { $0.isWhitespace }.lowercased()
        if start.hasPrefix("<!doctype html") || start.hasPrefix("<html") { return " (it is an HTML page)" }
        if start.hasPrefix("<?xml") || start.hasPrefix("<error") { return " (it is an XML document, perhaps an error message)" }
        if bytes.isEmpty { return " (it is empty)" }
        return ""
    }

    /// A shape whose element count overflows Int64 describes no array anyone wrote: refused
    /// before any size, plane count or index is computed from it.
    static func checkSampleCount(_ shape: [Int]) throws {
        var total = 1
        for n in shape {
            let (v, o) = total.multipliedReportingOverflow(by: n)
            guard !o else { throw FormatError("shape [\(shape.map(String.init).joined(separator: ", "))] holds more than 2^63 samples") }
            total = v
        }
    }

    private static func ints(_ json: JSONValue?, _ name: String, minimum: Int) throws -> [Int] {
        guard let items = json?.arrayValue else { throw FormatError("the array has no \(name)") }
        guard items.count <= maxRank else { throw FormatError("\(name) has \(items.count) dimensions (at most \(maxRank) are read)") }
        return try items.map {
            guard let v = $0.intValue, v >= minimum else { throw FormatError("\(name) \(JSONValue.array(items).serialized()) is not valid") }
            return v
        }
    }
}
