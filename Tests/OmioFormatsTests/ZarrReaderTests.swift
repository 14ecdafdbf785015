import Foundation
import OmioFixtures
@testable import OmioFormats
import Testing

/// The Zarr reader against zarr-python 3: every region (whole, inner, stepped, edge, odd step,
/// one sample, empty) of stores in every supported format, codec and layout.
@Suite(.enabled(if: ZarrTestStores.available, ZarrTestStores.skipReason))
struct ZarrReaderTests {
    @Test func everyRegionMatchesZarrPython() throws {
        let (dir, cases) = try ZarrTestStores.cases()
        #expect(cases.count >= 30)
        for c in cases {
            let reader = try ZarrArrayReader(store: LocalZarrStore(folder: dir + "/" + c.store), path: c.path)
            #expect(reader.metadata.dtype.rawValue == c.dtype, "\(c.store)")
            #expect(reader.metadata.shape == c.shape, "\(c.store)")
            for r in c.regions {
                let region = r.region.map { ZarrRange(lower: $0[0], upper: $0[1], step: $0[2]) }
                let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/" + r.file)))
                let got = try reader.read(region)
                #expect(got == expected, "\(c.store) \(region)")
                // Again, from the decoded-chunk cache.
                #expect(try reader.read(region) == expected, "\(c.store) \(region) cached")
            }
        }
    }

    @Test func metadataSaysWhatTheStoreHolds() throws {
        let dir = try ZarrTestStores.folder.get()
        func open(_ name: String, _ path: String = "") throws -> ZarrArrayMetadata {
            try ZarrArrayReader(store: LocalZarrStore(folder: dir + "/" + name), path: path).metadata
        }
        let lz4 = try open("v2_blosc_lz4.zarr")
        #expect(lz4.zarrFormat == 2)
        #expect(lz4.codecSummary == "blosc lz4 shuffle")
        #expect(lz4.chunkShape == [1, 32, 48] && lz4.storedChunkShape == [1, 32, 48])
        #expect(try open("v2_blosc_zstd.zarr").codecSummary == "blosc zstd bitshuffle")
        #expect(try open("v2_be_u2.zarr").codecSummary == "gzip")
        let sharded = try open("v3_sharded.zarr")
        #expect(sharded.zarrFormat == 3)
        #expect(sharded.codecSummary == "sharding(zstd)")
        #expect(sharded.chunkShape == [1, 16, 32])
        #expect(sharded.storedChunkShape == [1, 64, 128])
        #expect(try open("v3_sharded_start.zarr").fillValue == -5)
        let zstd = try open("v3_zstd.zarr")
        #expect(zstd.dimensionNames == ["c", "y", "x"])
        #expect(zstd.codecSummary == "zstd")
        #expect(try open("v3_zstd_crc.zarr").codecSummary == "zstd + crc32c")
        #expect(try open("v3_transpose.zarr").codecSummary == "transpose + zstd")
        #expect(try open("v3_crc_gzip.zarr").codecSummary == "crc32c + gzip")
        #expect(try open("v3_nan.zarr").fillValue.isNaN)
        #expect(try open("v2_nan.zarr").fillValue.isNaN)
        #expect(try open("v2_fill.zarr").fillValue == 7)
        #expect(try open("v3_dot.zarr").codecSummary == "raw")
        #expect(try open("v3_group.zarr", "level/0").shape == [30, 40])
    }

    @Test func nodesAreArraysOrGroups() throws {
        let dir = try ZarrTestStores.folder.get()
        let v3 = LocalZarrStore(folder: dir + "/v3_group.zarr")
        let group = try #require(try ZarrNode.open(store: v3, path: ""))
        #expect(group.zarrFormat == 3 && !group.isArray)
        #expect(group.attributes["note"]?.stringValue == "group")
        #expect(try ZarrNode.open(store: v3, path: "level")?.isArray == false)
        #expect(try ZarrNode.open(store: v3, path: "level/0")?.isArray == true)
        #expect(try ZarrNode.open(store: v3, path: "nothing") == nil)
        let v2 = LocalZarrStore(folder: dir + "/v2_group.zarr")
        let g2 = try #require(try ZarrNode.open(store: v2, path: ""))
        #expect(g2.zarrFormat == 2 && !g2.isArray)
        #expect(g2.attributes["note"]?.stringValue == "group")
        #expect(try ZarrNode.open(store: v2, path: "0")?.isArray == true)
        #expect(try ZarrNode.open(store: v2, path: "0")?.zarrFormat == 2)
        // A group is not an array.
        #expect(throws: FormatError.self) { try ZarrArrayReader(store: v3, path: "level") }
    }

    /// A second read of the same region fetches nothing; a sharded read fetches the index and
    /// the inner chunks it needs, not the shard.
    @Test func cachedAndRangedReads() throws {
        let dir = try ZarrTestStores.folder.get()
        let store = CountingStore(LocalZarrStore(folder: dir + "/v3_sharded.zarr"), remote: false)
        let reader = try ZarrArrayReader(store: store, path: "")
        let region = [ZarrRange(lower: 1, upper: 2), ZarrRange(lower: 10, upper: 30), ZarrRange(lower: 40, upper: 70)]
        let first = try reader.read(region)
        let afterFirst = store.snapshot()
        // 2 x 2 inner chunks of 16 x 32 uint16, zstd-compressed, plus one shard index.
        #expect(afterFirst.bytes < 8 * 1024 + 16 * 16 + 4)
        #expect(afterFirst.wholeGets == 0)
        #expect(try reader.read(region) == first)
        #expect(store.snapshot().requests == afterFirst.requests)
        #expect(reader.keys(touching: region) == ["c/1/0/0"])
    }

    /// Remote stores take the parallel paths: one getMany for unsharded chunks, threads for
    /// shard ranges; the samples are those of the local read.
    @Test func remotePathsReadTheSameSamples() throws {
        let (dir, cases) = try ZarrTestStores.cases()
        for name in ["v2_blosc_lz4.zarr", "v3_sharded.zarr", "v3_sharded_start.zarr", "v3_fill.zarr"] {
            let c = try #require(cases.first { $0.store == name })
            let store = CountingStore(LocalZarrStore(folder: dir + "/" + name), remote: true)
            let reader = try ZarrArrayReader(store: store, path: "")
            for r in c.regions {
                let region = r.region.map { ZarrRange(lower: $0[0], upper: $0[1], step: $0[2]) }
                let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/" + r.file)))
                #expect(try reader.read(region) == expected, "\(name) \(region)")
            }
            if !name.hasPrefix("v3_sharded") { #expect(store.snapshot().getManyCalls > 0, "\(name)") }
        }
    }

    /// Remote and sharded: per shard one index request and one request for its inner chunks
    /// (they lie back to back), the requests in flight together.
    @Test func remoteShardedReadsAreFewAndParallel() throws {
        let dir = try ZarrTestStores.folder.get()
        let store = CountingStore(LocalZarrStore(folder: dir + "/v3_sharded.zarr"), remote: true, latency: 0.02)
        let reader = try ZarrArrayReader(store: store, path: "")
        _ = try reader.read([.all(2), .all(150), .all(170)])
        let counts = store.snapshot()
        // 2 x 3 x 2 shards of 1 x 64 x 128.
        #expect(counts.requests == 2 * 12)
        #expect(counts.wholeGets == 0)
        #expect(counts.maxInFlight > 1)
    }

    /// A region that is exactly one chunk (or inner chunk) is that chunk decoded; one never
    /// written is the fill value. Compared with the same samples cut from a whole read.
    @Test func oneWholeChunk() throws {
        let dir = try ZarrTestStores.folder.get()
        for (name, lower, upper) in [("v2_blosc_lz4.zarr", [1, 32, 48], [2, 64, 96]), ("v3_fill.zarr", [32, 48], [48, 64]),
                                     ("v3_fill.zarr", [16, 16], [32, 32]), ("v3_sharded_start.zarr", [16, 32], [32, 64]),
                                     ("v3_sharded_start.zarr", [128, 0], [144, 32])] {
            let reader = try ZarrArrayReader(store: LocalZarrStore(folder: dir + "/" + name), path: "")
            let m = reader.metadata
            let whole = try reader.read(m.shape.map { .all($0) })
            // The samples of [lower, upper) cut from the whole array, row by row.
            var expected = [UInt8]()
            let rowBytes = (upper.last! - lower.last!) * m.dtype.bytes
            var index = lower
            while index[0] < upper[0] {
                var offset = 0
                for d in 0..<m.rank { offset = offset * m.shape[d] + index[d] }
                expected += whole[(offset * m.dtype.bytes)..<(offset * m.dtype.bytes + rowBytes)]
                var d = m.rank - 2
                while d >= 0 {
                    index[d] += 1
                    if index[d] < upper[d] || d == 0 { break }
                    index[d] = lower[d]
                    d -= 1
                }
                if d < 0 { break }
            }
            let fresh = try ZarrArrayReader(store: LocalZarrStore(folder: dir + "/" + name), path: "")
            let region = zip(lower, upper).map { ZarrRange(lower: $0, upper: $1) }
            #expect(try fresh.read(region) == expected, "\(name) \(lower)")
            #expect(try fresh.read(region) == expected, "\(name) \(lower) cached")
        }
    }

    @Test func keysTouchingARegion() throws {
        let dir = try ZarrTestStores.folder.get()
        let v2 = try ZarrArrayReader(store: LocalZarrStore(folder: dir + "/v2_slash.zarr"), path: "")
        #expect(v2.keys(touching: [ZarrRange(lower: 30, upper: 34), ZarrRange(lower: 0, upper: 90, step: 40)])
            == ["0/0", "0/1", "0/2", "1/0", "1/1", "1/2"])
        #expect(v2.keys(touching: [ZarrRange(lower: 0, upper: 71), ZarrRange(lower: 0, upper: 1)]) == [])
        let grouped = try ZarrArrayReader(store: LocalZarrStore(folder: dir + "/v3_group.zarr"), path: "level/0")
        #expect(grouped.keys(touching: [ZarrRange(lower: 0, upper: 1), ZarrRange(lower: 20, upper: 21)]) == ["level/0/c/0/1"])
        let dot = try ZarrArrayReader(store: LocalZarrStore(folder: dir + "/v3_dot.zarr"), path: "")
        #expect(dot.keys(touching: [ZarrRange(lower: 64, upper: 65), ZarrRange(lower: 0, upper: 1)]) == ["c.2.0"])
    }
}

/// Counts what a reader asks of its store.
final class CountingStore: ZarrKeyStore, @unchecked Sendable {
    struct Counts { var requests = 0, bytes = 0, wholeGets = 0, getManyCalls = 0, maxInFlight = 0 }
    let inner: LocalZarrStore
    let remote: Bool
    /// Seconds each chunk request takes, as a network would.
    let latency: Double
    private var counts = Counts()
    private var inFlight = 0
    private let lock = NSLock()

    init(_ inner: LocalZarrStore, remote: Bool, latency: Double = 0) {
        self.inner = inner
        self.remote = remote
        self.latency = latency
    }

    private func request<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        inFlight += 1
        counts.maxInFlight = max(counts.maxInFlight, inFlight)
        lock.unlock()
        defer {
            lock.lock()
            inFlight -= 1
            lock.unlock()
        }
        if latency > 0 { Thread.sleep(forTimeInterval: latency) }
        return try body()
    }

    var location: String { inner.location }
    var isRemote: Bool { remote }

    func snapshot() -> Counts {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }

    private func note(_ bytes: [UInt8]?, whole: Bool) -> [UInt8]? {
        lock.lock()
        counts.requests += 1
        counts.bytes += bytes?.count ?? 0
        if whole && !(bytes == nil) { counts.wholeGets += 1 }
        lock.unlock()
        return bytes
    }

    func get(_ key: String) throws -> [UInt8]? {
        let bytes = try inner.get(key)
        // Metadata reads are not chunk traffic.
        if key.hasSuffix("zarr.json") || key.hasSuffix(".zarray") || key.hasSuffix(".zattrs") { return bytes }
        return request { note(bytes, whole: true) }
    }

    func get(_ key: String, range: Range<Int>) throws -> [UInt8]? { try request { note(try inner.get(key, range: range), whole: false) } }
    func get(_ key: String, suffix count: Int) throws -> [UInt8]? { try request { note(try inner.get(key, suffix: count), whole: false) } }

    func getMany(_ keys: [String]) throws -> [String: [UInt8]?] {
        lock.lock()
        counts.getManyCalls += 1
        lock.unlock()
        var out: [String: [UInt8]?] = [:]
        for k in keys { out[k] = try get(k) }
        return out
    }
}

/// CRC-32C's check value (RFC 3720's test vector).
struct ZarrCRC32CTests {
    @Test func knownAnswer() {
        #expect(ZarrCRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(ZarrCRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    }
}

/// The decoded-chunk cache keeps what was used last and stays within its budget.
struct ZarrChunkCacheTests {
    @Test func leastRecentlyUsedGoesFirst() {
        let cache = ZarrChunkCache<[UInt8]>(budget: 1000)
        for i in 0..<4 { cache.insert("a\(i)", [UInt8(i)], cost: 200) }
        #expect(cache.value("a0") == [0]) // a0 is now the most recent
        cache.insert("a4", [4], cost: 200) // 1000: at the budget, nothing goes
        #expect(cache.byteCount == 1000)
        cache.insert("a5", [5], cost: 200) // over: down to 3/4, oldest first (a1, a2)
        #expect(cache.byteCount <= 750)
        #expect(cache.value("a1") == nil && cache.value("a2") == nil)
        #expect(cache.value("a0") == [0] && cache.value("a5") == [5])
        cache.insert("big", [9], cost: 600) // over half the budget: not kept
        #expect(cache.value("big") == nil)
        cache.insert("b1", [1], cost: 10)
        cache.removeAll(prefix: "a")
        #expect(cache.byteCount == 10 && cache.value("b1") == [1])
    }
}
