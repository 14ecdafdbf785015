/// What a Zarr array's metadata (v2 `.zarray` + `.zattrs`, v3 `zarr.json`) says, checked:
/// every size is positive and bounded, the data type is one omio-tui reads, every codec is one
/// this reader decodes. Reading happens in `ZarrArrayReader`.
public struct ZarrArrayMetadata: Sendable {
    /// 2 or 3.
    public let zarrFormat: Int
    public let shape: [Int]
    /// The unit of decoding: the inner chunk under sharding, else the chunk.
    public let chunkShape: [Int]
    /// The object stored under one key: the shard under sharding, else the chunk.
    public let storedChunkShape: [Int]
    public let dtype: PixelType
    public let dimensionNames: [String]?
    /// The value of samples in chunks that were never written (NaN and ±infinity for floats).
    public let fillValue: Double
    /// v3 `attributes` / v2 `.zattrs`; `.null` when there are none.
    public let attributes: JSONValue
    /// The codecs in a few words for `info`: "blosc lz4 shuffle", "sharding(zstd)", "raw".
    public let codecSummary: String

    /// How the decode unit's bytes are stored and named (not part of the public surface).
    let layout: ZarrLayout

    public var rank: Int { shape.count }
}

/// The decoding side of the metadata: which key holds a chunk and which codecs undo it.
struct ZarrLayout: Sendable {
    let keyEncoding: ZarrChunkKeyEncoding
    /// Decodes one decode unit (the inner chunk under sharding).
    let codecs: ZarrCodecChain
    /// Present when stored objects are shards of several decode units.
    let sharding: ZarrSharding?
    /// The fill value as one little-endian sample of the dtype.
    let fillSample: [UInt8]
}
