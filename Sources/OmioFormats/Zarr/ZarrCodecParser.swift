import Foundation

/// Codec lists from metadata to `ZarrCodecChain` (and `ZarrSharding`), refusing with one line
/// naming what is not supported.
enum ZarrCodecParser {
    /// The decoded size of a decode unit is capped: a header's claims must not size allocations.
    static let maxUnitBytes = 1 << 30
    static let maxIndexBytes = 64 << 20

    struct V3Result {
        var codecs: ZarrCodecChain
        var sharding: ZarrSharding?
        /// The decode unit's shape: the inner chunk under sharding, else the chunk.
        var unitShape: [Int]
        var summary: String
    }

    /// A v3 `codecs` list for chunks of `chunkShape`.
    static func parseV3(_ list: [JSONValue], chunkShape: [Int], dtype: PixelType, nested: Bool = false) throws -> V3Result {
        var chain = ZarrCodecChain()
        var sawArrayToBytes = false
        for entry in list {
            let (name, config) = try nameAndConfig(entry)
            switch name {
            case "transpose":
                guard !sawArrayToBytes else { throw FormatError("codec transpose after the bytes codec") }
                chain.transposes.append(try transposeOrder(config, rank: chunkShape.count))
            case "bytes", "endian":
                guard !sawArrayToBytes else { throw FormatError("two array-to-bytes codecs") }
                sawArrayToBytes = true
                switch config?["endian"]?.stringValue {
                case nil, "little": chain.bigEndian = false
                case "big": chain.bigEndian = true
                case let other?: throw FormatError("bytes codec endian '\(other)' is not understood")
                }
            case "sharding_indexed":
                guard !nested else { throw FormatError("nested sharding is not supported") }
                guard list.count == 1 else { throw FormatError("sharding combined with other codecs is not supported") }
                return try parseSharding(config, shardShape: chunkShape, dtype: dtype)
            case "gzip", "zstd", "blosc", "crc32c", "numcodecs.zlib", "numcodecs.gzip", "numcodecs.zstd", "numcodecs.blosc":
                guard sawArrayToBytes else { throw FormatError("codec \(name) before the bytes codec") }
                chain.bytesCodecs.append(try bytesCodec(name.replacingOccurrences(of: "numcodecs.", with: ""), config))
            default:
                throw FormatError("codec '\(name)' is not supported")
            }
        }
        guard sawArrayToBytes else { throw FormatError("the codecs have no bytes codec") }
        try chain.checkDecodable()
        return V3Result(codecs: chain, sharding: nil, unitShape: chunkShape, summary: chain.summary)
    }

    private static func parseSharding(_ config: JSONValue?, shardShape: [Int], dtype: PixelType) throws -> V3Result {
        guard let inner = config?["chunk_shape"]?.arrayValue?.map({ $0.intValue ?? 0 }) else {
            throw FormatError("sharding codec has no chunk_shape")
        }
        guard inner.count == shardShape.count, inner.allSatisfy({ $0 > 0 }) else {
            throw FormatError("sharding chunk_shape \(inner) does not fit shards of \(shardShape)")
        }
        guard zip(shardShape, inner).allSatisfy({ $0 % $1 == 0 }) else {
            throw FormatError("shard shape \(shardShape) is not a multiple of the inner chunk shape \(inner)")
        }
        let unitBytes = try boundedBytes(inner, dtype: dtype, what: "inner chunk")
        let innerCodecs = config?["codecs"]?.arrayValue ?? [.string("bytes")]
        let innerResult = try parseV3(innerCodecs, chunkShape: inner, dtype: dtype, nested: true)
        // The index: bytes (either endian), optionally crc32c.
        var indexBig = false, indexCRC = false
        for (i, entry) in (config?["index_codecs"]?.arrayValue ?? [.string("bytes"), .string("crc32c")]).enumerated() {
            let (name, cfg) = try nameAndConfig(entry)
            switch (i, name) {
            case (0, "bytes"): indexBig = cfg?["endian"]?.stringValue == "big"
            case (1, "crc32c"): indexCRC = true
            default: throw FormatError("shard index codec '\(name)' is not supported")
            }
        }
        let location = config?["index_location"]?.stringValue ?? "end"
        guard location == "start" || location == "end" else { throw FormatError("shard index_location '\(location)' is not understood") }
        let perShard = zip(shardShape, inner).map { $0 / $1 }
        let (count, overflow) = perShard.reduce((1, false)) { acc, n in
            let (v, o) = acc.0.multipliedReportingOverflow(by: n); return (v, acc.1 || o)
        }
        guard !overflow, count <= maxIndexBytes / 16 else {
            throw FormatError("shards of \(perShard.map(String.init).joined(separator: "x")) inner chunks are too many to index")
        }
        let sharding = ZarrSharding(chunksPerShard: perShard, indexAtStart: location == "start", indexBigEndian: indexBig,
                                    indexChecksum: indexCRC, maxInnerBytes: unitBytes * 2 + 65536)
        return V3Result(codecs: innerResult.codecs, sharding: sharding, unitShape: inner,
                        summary: "sharding(\(innerResult.summary))")
    }

    /// A v2 `.zarray`'s compressor (numcodecs ids) and filters.
    static func parseV2(compressor: JSONValue?, filters: JSONValue?) throws -> [ZarrBytesCodec] {
        if let list = filters?.arrayValue, let first = list.first {
            throw FormatError("filter '\(first["id"]?.stringValue ?? "?")' is not supported")
        }
        guard let compressor, compressor != .null else { return [] }
        guard let id = compressor["id"]?.stringValue else { throw FormatError("compressor has no id") }
        switch id {
        case "gzip", "zlib", "zstd": return [try bytesCodec(id, nil)]
        case "blosc":
            let cname = compressor["cname"]?.stringValue ?? "lz4"
            let shuffle: String
            switch compressor["shuffle"]?.intValue ?? 1 {
            case 0: shuffle = "noshuffle"
            case 1: shuffle = "shuffle"
            case 2: shuffle = "bitshuffle"
            default: shuffle = "autoshuffle"
            }
            return [try bloscCodec(cname: cname, shuffle: shuffle)]
        default: throw FormatError("codec '\(id)' is not supported")
        }
    }

    /// Decoded bytes of a unit of `shape`, refused past `maxUnitBytes`.
    static func boundedBytes(_ shape: [Int], dtype: PixelType, what: String) throws -> Int {
        var total = dtype.bytes
        for n in shape {
            let (v, o) = total.multipliedReportingOverflow(by: n)
            guard !o, v <= maxUnitBytes else {
                throw FormatError("\(what) of \(shape.map(String.init).joined(separator: "x")) samples is too large (over 1 GiB)")
            }
            total = v
        }
        return total
    }

    private static func nameAndConfig(_ entry: JSONValue) throws -> (String, JSONValue?) {
        if let name = entry.stringValue { return (name, nil) }
        guard let name = entry["name"]?.stringValue else { throw FormatError("a codec has no name") }
        return (name, entry["configuration"])
    }

    private static func transposeOrder(_ config: JSONValue?, rank: Int) throws -> [Int] {
        let order: [Int]
        switch config?["order"] {
        case .string("C")?: order = Array(0..<rank)
        case .string("F")?: order = Array((0..<rank).reversed())
        case let .array(items)?: order = items.map { $0.intValue ?? -1 }
        default: throw FormatError("transpose codec has no order")
        }
        guard order.sorted() == Array(0..<rank) else { throw FormatError("transpose order \(order) is not a permutation of \(rank) dimensions") }
        return order
    }

    private static func bytesCodec(_ name: String, _ config: JSONValue?) throws -> ZarrBytesCodec {
        switch name {
        case "gzip": return .gzip
        case "zlib": return .zlib
        case "zstd": return .zstd
        case "crc32c": return .crc32c
        case "blosc":
            let shuffle: String
            switch config?["shuffle"] {
            case let .string(s)?: shuffle = s
            case let .number(n)?: shuffle = n == 0 ? "noshuffle" : (n == 2 ? "bitshuffle" : "shuffle")
            default: shuffle = "noshuffle"
            }
            return try bloscCodec(cname: config?["cname"]?.stringValue ?? "zstd", shuffle: shuffle)
        default: throw FormatError("codec '\(name)' is not supported")
        }
    }

    private static func bloscCodec(cname: String, shuffle: String) throws -> ZarrBytesCodec {
        guard ["lz4", "lz4hc", "zstd", "zlib", "blosclz"].contains(cname) else {
            throw FormatError("blosc compressor '\(cname)' is not supported")
        }
        return .blosc(summary: cname + " " + shuffle)
    }
}
