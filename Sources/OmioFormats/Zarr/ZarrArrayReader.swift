import Foundation

/// Reads regions of one Zarr array (v2 or v3, sharded or not) from a key store. Each touched
/// chunk is fetched and decoded once per read and kept in a bounded cache of decoded chunks;
/// remote stores fetch a region's chunks in parallel, and a sharded array reads only the shard
/// indexes and the inner chunks a region needs, by byte range.
public final class ZarrArrayReader: @unchecked Sendable {
    public let store: ZarrKeyStore
    public let path: String
    public let metadata: ZarrArrayMetadata

    /// A region's output is allocated whole; past this it has to be read in parts.
    static let maxRegionBytes = 4 << 30
    /// Requests in flight for a remote store; decoding threads for a local one.
    static let remoteWidth = 12
    static let localWidth = min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// Decoded chunks and shard indexes of all readers share one budget (a pyramid opens a
    /// reader per level); entries carry their reader's serial number, never reused.
    static let chunks = ZarrChunkCache<[UInt8]>(budget: 64 << 20)
    static let shardIndexes = ZarrChunkCache<[Range<Int>?]>(budget: 8 << 20)
    private static let serials = SerialCounter()
    private let serial = ZarrArrayReader.serials.next()

    /// `path` is the array's key prefix: "" for a store that is one array, "0", "labels/x/0".
    public init(store: ZarrKeyStore, path: String) throws {
        self.store = store
        self.path = path
        metadata = try Self.loadMetadata(store: store, path: path)
    }

    deinit {
        Self.chunks.removeAll(prefix: "\(serial)|")
        Self.shardIndexes.removeAll(prefix: "\(serial)|")
    }

    static func loadMetadata(store: ZarrKeyStore, path: String) throws -> ZarrArrayMetadata {
        let v3Key = ZarrNode.key(path, "zarr.json"), v2Key = ZarrNode.key(path, ".zarray")
        enum Found { case v3([UInt8]), v2([UInt8]) }
        let metadata: ZarrArrayMetadata
        switch try ZarrNode.eitherVersion(store, path, v3: { Found.v3($0) }, v2: { try store.get(v2Key).map { Found.v2($0) } }) {
        case let .v3(bytes):
            metadata = try Self.naming(v3Key) { try ZarrMetadataParser.parseV3(ZarrNode.document(store, v3Key, bytes)) }
        case let .v2(bytes):
            let attrsKey = ZarrNode.key(path, ".zattrs")
            metadata = try Self.naming(v2Key) {
                let attributes = try store.get(attrsKey).map { try ZarrNode.document(store, attrsKey, $0) }
                return try ZarrMetadataParser.parseV2(ZarrNode.document(store, v2Key, bytes), attributes: attributes)
            }
        case nil:
            throw FormatError("no Zarr array \(path.isEmpty ? "here" : "at \(path)") (no zarr.json or .zarray)")
        }
        guard metadata.rank > 0 else { throw FormatError("\(path.isEmpty ? "the array" : path) has no dimensions, which is not supported") }
        return metadata
    }

    // MARK: reading

    /// The samples of `region` in C order, little-endian, `metadata.dtype` each; chunks never
    /// written read as the fill value. Safe to call from several threads at once.
    public func read(_ region: [ZarrRange]) throws -> [UInt8] {
        let plan = try ZarrRegionPlan(region: region, shape: metadata.shape, unitShape: metadata.chunkShape,
                                      width: metadata.dtype.bytes, maxBytes: Self.maxRegionBytes)
        if let runs = plan.wholeUnit(unitShape: metadata.chunkShape) { return try readWhole(self.unit(runs)) }
        var out = Self.filled(count: plan.byteCount, sample: metadata.layout.fillSample)
        if plan.isEmpty { return out }
        try out.withUnsafeMutableBytes { buffer in
            let base = buffer.baseAddress!
            var pending: [Unit] = []
            plan.forEachUnit { runs in
                let unit = self.unit(runs)
                if let decoded = Self.chunks.value(unit.cacheKey) {
                    decoded.withUnsafeBytes { plan.copy(runs, from: $0.baseAddress!, unitShape: metadata.chunkShape, to: base, width: metadata.dtype.bytes) }
                } else {
                    pending.append(unit)
                }
            }
            guard !pending.isEmpty else { return }
            let place: (Unit, [UInt8]) throws -> Void = { unit, encoded in
                let decoded = try self.decode(encoded, unit: unit)
                Self.chunks.insert(unit.cacheKey, decoded, cost: decoded.count)
                decoded.withUnsafeBytes { plan.copy(unit.runs, from: $0.baseAddress!, unitShape: self.metadata.chunkShape, to: base, width: self.metadata.dtype.bytes) }
            }
            if metadata.layout.sharding != nil {
                try readSharded(pending, place: place)
            } else {
                try readUnsharded(pending, place: place)
            }
        }
        return out
    }

    /// A region that is exactly one decode unit (a plane of a store chunked by planes, as OMIO's
    /// caches and ours are) is the decoded unit itself: no output to fill and copy into.
    private func readWhole(_ unit: Unit) throws -> [UInt8] {
        if let decoded = Self.chunks.value(unit.cacheKey) { return decoded }
        var result: [UInt8]?
        let take: (Unit, [UInt8]) throws -> Void = { unit, encoded in
            let decoded = try self.decode(encoded, unit: unit)
            Self.chunks.insert(unit.cacheKey, decoded, cost: decoded.count)
            result = decoded
        }
        // One unit: these run on this thread.
        if metadata.layout.sharding != nil { try readSharded([unit], place: take) } else { try readUnsharded([unit], place: take) }
        return result ?? Self.filled(count: metadata.chunkShape.reduce(metadata.dtype.bytes, *), sample: metadata.layout.fillSample)
    }

    /// The keys of the stored objects (chunks or shards) `region` needs, in grid order; empty
    /// for a region outside the array. Under sharding these are whole shards: prefetching them
    /// would fetch far more than `read`, which takes the index and the inner chunks by range.
    public func keys(touching region: [ZarrRange]) -> [String] {
        // Keys are listed for regions a read would take (the key list is as long as the region).
        guard let plan = try? ZarrRegionPlan(region: region, shape: metadata.shape, unitShape: metadata.chunkShape,
                                             width: metadata.dtype.bytes, maxBytes: Self.maxRegionBytes) else { return [] }
        var seen = Set<String>(), keys = [String]()
        plan.forEachUnit { runs in
            let key = unit(runs).key
            if seen.insert(key).inserted { keys.append(key) }
        }
        return keys
    }

    // MARK: units

    /// One decode unit of a read: where its bytes are and which samples the region takes.
    struct Unit {
        var runs: [ZarrRegionPlan.Run]
        /// The stored object: the chunk, or the shard holding the inner chunk.
        var key: String
        /// Under sharding, the inner chunk's C-order index in its shard.
        var inner: Int
        var cacheKey: String
    }

    private func unit(_ runs: [ZarrRegionPlan.Run]) -> Unit {
        let grid = runs.map(\.unit)
        guard let sharding = metadata.layout.sharding else {
            let key = ZarrNode.key(path, metadata.layout.keyEncoding.key(grid))
            return Unit(runs: runs, key: key, inner: 0, cacheKey: "\(serial)|" + key)
        }
        var shard = [Int](), inner = 0
        for (d, g) in grid.enumerated() {
            let per = sharding.chunksPerShard[d]
            shard.append(g / per)
            inner = inner * per + g % per
        }
        let key = ZarrNode.key(path, metadata.layout.keyEncoding.key(shard))
        return Unit(runs: runs, key: key, inner: inner, cacheKey: "\(serial)|\(key)#\(inner)")
    }

    private func decode(_ encoded: [UInt8], unit: Unit) throws -> [UInt8] {
        let name = metadata.layout.sharding == nil ? unit.key : "\(unit.key) (inner chunk \(unit.inner))"
        return try Self.naming(name, chunk: true) {
            try metadata.layout.codecs.decode(encoded, shape: metadata.chunkShape, dtype: metadata.dtype)
        }
    }

    private var width: Int { store.isRemote ? Self.remoteWidth : Self.localWidth }

    /// The most bytes the object under one key (a chunk, or a shard) may hold: 4× its decoded
    /// size (a v2 `astype` filter may widen the type, compressing noise adds a little) plus
    /// 64 KiB of headers per chunk in it. A file or an answer past it is an error, not a read
    /// of whatever length a server streams.
    private var storedObjectLimit: Int {
        let cap = ZarrCodecParser.maxUnitBytes
        let stored = metadata.storedChunkShape
        guard let decoded = try? ZarrCodecParser.boundedBytes(stored, dtype: metadata.dtype, what: "") else { return cap }
        let chunks = zip(stored, metadata.chunkShape).reduce(1) { $0 * max(1, $1.0 / max(1, $1.1)) }
        return min(cap, 4 * decoded + min(chunks, cap >> 16) << 16)
    }

    /// Remote stores fetch all keys at once (the store runs the requests in parallel); then the
    /// chunks decode on a few threads.
    private func readUnsharded(_ units: [Unit], place: @escaping (Unit, [UInt8]) throws -> Void) throws {
        let limit = storedObjectLimit
        let fetched: [String: [UInt8]?] = store.isRemote && units.count > 1 ? try store.getMany(units.map(\.key), atMost: limit) : [:]
        // Once fetched, decoding is CPU work: as many threads as cores, not as requests.
        let threads = !fetched.isEmpty ? Self.localWidth : (units.count >= 4 || store.isRemote ? width : 1)
        try ZarrParallel.forEach(units.count, width: threads) { i in
            let unit = units[i]
            let bytes: [UInt8]?
            if let entry = fetched[unit.key] { bytes = entry } else { bytes = try Self.naming(unit.key) { try self.store.get(unit.key, atMost: limit) } }
            guard let bytes else { return } // never written: the fill value is in place
            do { try place(unit, bytes) } catch {
                self.store.discard(unit.key, range: nil)
                throw error
            }
        }
    }

    /// Shard indexes first (one ranged read per shard), then the inner chunks, ranges that
    /// touch or nearly touch read as one.
    private func readSharded(_ units: [Unit], place: @escaping (Unit, [UInt8]) throws -> Void) throws {
        let sharding = metadata.layout.sharding!
        var byShard: [String: [Unit]] = [:], shardOrder: [String] = []
        for u in units {
            if byShard[u.key] == nil { shardOrder.append(u.key) }
            byShard[u.key, default: []].append(u)
        }
        let indexes = Indexes(count: shardOrder.count)
        try ZarrParallel.forEach(shardOrder.count, width: store.isRemote ? width : 1) { [shardOrder] i in
            indexes.set(i, try self.shardIndex(shardOrder[i], sharding))
        }
        struct Group { var key: String; var range: Range<Int>; var members: [(Unit, Range<Int>)] }
        let gap = store.isRemote ? 64 << 10 : 0, maxSpan = 16 << 20
        var groups: [Group] = []
        for (i, key) in shardOrder.enumerated() {
            guard let index = indexes.get(i) else { continue } // no shard: all fill
            let wanted = byShard[key]!.compactMap { u in index[u.inner].map { (u, $0) } }.sorted { $0.1.lowerBound < $1.1.lowerBound }
            for (u, r) in wanted {
                if var last = groups.last, last.key == key, r.lowerBound >= last.range.upperBound,
                   r.lowerBound - last.range.upperBound <= gap, r.upperBound - last.range.lowerBound <= maxSpan {
                    last.range = last.range.lowerBound..<r.upperBound
                    last.members.append((u, r))
                    groups[groups.count - 1] = last
                } else {
                    groups.append(Group(key: key, range: r, members: [(u, r)]))
                }
            }
        }
        try ZarrParallel.forEach(groups.count, width: groups.count >= 4 || store.isRemote ? width : 1) { [groups, store] i in
            let g = groups[i]
            guard let bytes = try Self.naming(g.key, { try store.get(g.key, range: g.range) }) else {
                throw FormatError("\(g.key): the shard disappeared while it was read")
            }
            guard bytes.count == g.range.count else { throw FormatError("\(g.key): a ranged read returned \(bytes.count) of \(g.range.count) bytes") }
            do {
                for (u, r) in g.members {
                    try place(u, Array(bytes[(r.lowerBound - g.range.lowerBound)..<(r.upperBound - g.range.lowerBound)]))
                }
            } catch {
                store.discard(g.key, range: g.range)
                throw error
            }
        }
    }

    final class SerialCounter: @unchecked Sendable {
        private var value = 0
        private let lock = NSLock()
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }

    /// Shard indexes as parallel fetches deliver them.
    private final class Indexes: @unchecked Sendable {
        private var values: [[Range<Int>?]?]
        private let lock = NSLock()
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ v: [Range<Int>?]?) {
            lock.lock()
            values[i] = v
            lock.unlock()
        }
        func get(_ i: Int) -> [Range<Int>?]? {
            lock.lock()
            defer { lock.unlock() }
            return values[i]
        }
    }

    /// The shard's index (cached), nil when the shard was never written.
    private func shardIndex(_ key: String, _ sharding: ZarrSharding) throws -> [Range<Int>?]? {
        if let cached = Self.shardIndexes.value("\(serial)|" + key) { return cached }
        let size = sharding.indexByteCount
        let raw = try Self.naming(key) {
            try sharding.indexAtStart ? store.get(key, range: 0..<size) : store.get(key, suffix: size, atMost: storedObjectLimit)
        }
        guard let raw else { return nil }
        let index: [Range<Int>?]
        do {
            index = try Self.naming(key) { try sharding.parseIndex(raw) }
        } catch {
            // Not an index (a portal's page, a server that ignored the range): not kept either.
            sharding.indexAtStart ? store.discard(key, range: 0..<size) : store.discard(key, suffix: size)
            throw error
        }
        Self.shardIndexes.insert("\(serial)|" + key, index, cost: size)
        return index
    }

    // MARK: helpers

    static func filled(count: Int, sample: [UInt8]) -> [UInt8] {
        if sample.allSatisfy({ $0 == 0 }) { return [UInt8](repeating: 0, count: count) }
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { buf in
            guard count >= sample.count else { return }
            sample.withUnsafeBytes { buf.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: sample.count) }
            var filled = sample.count
            while filled < count {
                let n = min(filled, count - filled)
                (buf.baseAddress! + filled).copyMemory(from: buf.baseAddress!, byteCount: n)
                filled += n
            }
        }
        return out
    }

    /// Runs `body`, naming `key` in any error that does not already: "c/0/3: zstd data …".
    static func naming<T>(_ key: String, chunk: Bool = false, _ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            let reason = error.omioReason
            if reason.hasPrefix(key) { throw error }
            throw FormatError((chunk ? "chunk " : "") + "\(key): \(reason)")
        }
    }
}
