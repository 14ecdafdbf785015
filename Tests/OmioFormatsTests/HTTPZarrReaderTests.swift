import Foundation
import OmioFixtures
@testable import OmioFormats
import Testing

/// The Zarr reader over HTTP equals zarr-python's reads of the same stores on disk: every
/// store, codec and layout of ZarrTestStores served by the test server (with latency, and
/// without Range support: the sharded reads then slice whole objects).
@Suite(.serialized, .enabled(if: ZarrTestStores.available, ZarrTestStores.skipReason))
struct HTTPZarrReaderTests {
    func readEveryRegion(serverOptions: [String], stores: Set<String>? = nil) throws -> HTTPStats.Snapshot {
        let (dir, all) = try ZarrTestStores.cases()
        let cases = all.filter { stores?.contains($0.store) ?? true }
        #expect(!cases.isEmpty)
        let server = try ZarrHTTPServer(folder: dir, options: serverOptions)
        let stats = HTTPStats()
        for c in cases {
            let store = try HTTPKeyStore(url: server.baseURL + "/" + c.store, cache: nil, stats: stats)
            let reader = try ZarrArrayReader(store: store, path: c.path)
            #expect(reader.metadata.shape == c.shape, "\(c.store)")
            for r in c.regions {
                let region = r.region.map { ZarrRange(lower: $0[0], upper: $0[1], step: $0[2]) }
                let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/" + r.file)))
                #expect(try reader.read(region) == expected, "\(c.store) \(region) over HTTP \(serverOptions)")
            }
        }
        return stats.snapshot
    }

    @Test func everyRegionOverHTTPMatchesZarrPython() throws {
        let s = try readEveryRegion(serverOptions: ["--latency", "1-5"])
        #expect(s.requests > 100 && s.inFlight == 0)
    }

    @Test func serversWithoutRangeSupportAreSliced() throws {
        _ = try readEveryRegion(serverOptions: ["--no-ranges"])
    }

    /// Every key's first answer is a 500: each is retried once and every read is still right
    /// (a sharded store's index and inner-chunk ranges too).
    @Test func serverErrorsOnEveryKeyAreRetried() throws {
        let s = try readEveryRegion(serverOptions: ["--fail500", "*:1"], stores: ["v3_sharded.zarr", "v2_blosc_lz4.zarr"])
        #expect(s.retries > 10)
    }
}
