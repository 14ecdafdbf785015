/// The `sharding_indexed` codec: a stored object (shard) holds a grid of inner chunks, each
/// encoded on its own, and an index of (offset, nbytes) pairs, little-endian uint64, at the
/// start or the end of the shard. An inner chunk never written has offset = nbytes = 2^64-1.
struct ZarrSharding: Sendable {
    let chunksPerShard: [Int]
    let indexAtStart: Bool
    let indexBigEndian: Bool
    let indexChecksum: Bool
    /// The largest encoded inner chunk believed: its decoded size with room for a compressor's
    /// worst case. An index claiming more is damaged (and is not allowed to size a read).
    let maxInnerBytes: Int

    var innerCount: Int { chunksPerShard.reduce(1, *) }
    var indexByteCount: Int { innerCount * 16 + (indexChecksum ? 4 : 0) }

    /// The inner chunks' byte ranges in the shard, by C-order inner index; nil = empty.
    func parseIndex(_ raw: [UInt8]) throws -> [Range<Int>?] {
        guard raw.count == indexByteCount else {
            throw FormatError("shard index is \(raw.count) bytes where \(indexByteCount) were expected (the shard is truncated)")
        }
        var data = raw
        if indexChecksum {
            do { data = try ZarrCRC32C.verifiedPayload(raw) } catch { throw FormatError("shard index: \(error.omioReason)") }
        }
        let reader = ByteOrderReader(bigEndian: indexBigEndian)
        var out = [Range<Int>?]()
        out.reserveCapacity(innerCount)
        for i in 0..<innerCount {
            let offset = reader.u64(data, 16 * i), nbytes = reader.u64(data, 16 * i + 8)
            if offset == .max && nbytes == .max { out.append(nil); continue }
            guard nbytes <= UInt64(maxInnerBytes), offset <= UInt64(Int.max) - nbytes else {
                throw FormatError("shard index entry \(i) is damaged (offset \(offset), \(nbytes) bytes)")
            }
            out.append(Int(offset)..<Int(offset + nbytes))
        }
        return out
    }
}
