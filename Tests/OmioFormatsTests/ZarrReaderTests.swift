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
    struct Counts { var requests = 0, bytes = 0, wholeGets = 0, getManyCalls = 0 }
    let inner: LocalZarrStore
    let remote: Bool
    private var counts = Counts()
    private let lock = NSLock()

    init(_ inner: LocalZarrStore, remote: Bool) {
        self.inner = inner
        self.remote = remote
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
        return note(bytes, whole: true)
    }

    func get(_ key: String, range: Range<Int>) throws -> [UInt8]? { note(try inner.get(key, range: range), whole: false) }
    func get(_ key: String, suffix count: Int) throws -> [UInt8]? { note(try inner.get(key, suffix: count), whole: false) }

    func getMany(_ keys: [String]) throws -> [String: [UInt8]?] {
        lock.lock()
        counts.getManyCalls += 1
        lock.unlock()
        var out: [String: [UInt8]?] = [:]
        for k in keys { out[k] = try get(k) }
        return out
    }
}
