import Foundation
import OmioFixtures
@testable import OmioFormats
import Testing

/// Remote OME-Zarr stores with consolidated metadata (zarr-python 3's consolidate_metadata;
/// Tests/python/consolidated_fixtures.py): opened from the root's metadata alone, without a
/// request for any level's metadata, and read the same as the folder on disk.
@Suite(.serialized, .enabled(if: NGFFTestStores.python != nil, "no test venv (make venv)"))
struct HTTPConsolidatedZarrTests {
    static let made: String? = {
        let dir = TestPaths.tempDir()
        let r = try? ChildProcess.run(NGFFTestStores.python!, [TestPaths.repoRoot + "/Tests/python/consolidated_fixtures.py", dir], timeout: 300)
        return r?.status == 0 ? dir : nil
    }()

    /// The server's requests for level metadata (s0/zarr.json, s1/.zarray, ...) of `store`.
    static func levelMetadataRequests(_ server: ZarrHTTPServer, _ store: String) throws -> [String] {
        try server.stats().paths.keys.filter { key in
            key.hasPrefix(store + "/s") && ConsolidatedKeys.metadataNames.contains(ConsolidatedKeys.split(key).name)
        }.sorted()
    }

    /// Every plane of every level over HTTP equals the local folder's.
    static func expectSamePlanes(_ remote: ZarrImageSource, _ local: ZarrImageSource) throws {
        let sizes = local.levelSizes(series: 0)
        #expect(remote.levelSizes(series: 0).map { [$0.height, $0.width] } == sizes.map { [$0.height, $0.width] })
        #expect(sizes.count == 3)
        for (k, s) in sizes.enumerated() {
            for c in 0..<local.metadata(series: 0).shape.c {
                let region = PixelRegion.full(width: s.width, height: s.height)
                let want = try local.read(series: 0, level: k, plane: PlaneIndex(c: c), region: region)
                #expect(try remote.read(series: 0, level: k, plane: PlaneIndex(c: c), region: region).bytes == want.bytes, "level \(k) c \(c)")
            }
        }
    }

    @Test(arguments: ["v3.ome.zarr", "v2.ome.zarr"])
    func consolidatedStoresOpenWithoutLevelMetadataRequests(store: String) throws {
        let dir = try #require(Self.made, "consolidated_fixtures.py failed")
        let server = try ZarrHTTPServer(folder: dir)
        let remote = try ZarrImageSource.open(store: HTTPKeyStore(url: server.baseURL + "/" + store, cache: nil, stats: HTTPStats()))
        let opening = try server.stats()
        #expect(try Self.levelMetadataRequests(server, store) == [])
        #expect(opening.paths.keys.allSatisfy { !$0.contains("/s") }, "\(opening.paths)") // the root's files only
        try Self.expectSamePlanes(remote, ZarrImageSource.open(store: LocalZarrStore(folder: dir + "/" + store)))
    }

    /// The other Zarr version's metadata keys fail (500 three times: retried, then given up):
    /// the store opens from its own version's files. The failed probe made the open fail.
    @Test(arguments: [("v3.ome.zarr", "*/.z*:3"), ("v2.ome.zarr", "*/zarr.json:3")])
    func theOtherVersionsProbesFailingDoNotMatter(store: String, failing: String) throws {
        let dir = try #require(Self.made, "consolidated_fixtures.py failed")
        let server = try ZarrHTTPServer(folder: dir, options: ["--fail500", failing])
        let remote = try ZarrImageSource.open(store: HTTPKeyStore(url: server.baseURL + "/" + store, cache: nil, stats: HTTPStats()))
        try Self.expectSamePlanes(remote, ZarrImageSource.open(store: LocalZarrStore(folder: dir + "/" + store)))
    }

    /// zarr.json never answers: the open fails at the time limit once, not once per probe
    /// (the failed probe was asked again, one key after another).
    @Test func aHungProbeFailsTheOpenOnce() throws {
        let dir = try #require(Self.made, "consolidated_fixtures.py failed")
        let server = try ZarrHTTPServer(folder: dir, options: ["--hang", "*/zarr.json"])
        let start = Date()
        let e = #expect(throws: Error.self) {
            try ZarrImageSource.open(store: HTTPKeyStore(url: server.baseURL + "/v3.ome.zarr", cache: nil, stats: HTTPStats(), timeout: 2))
        }
        #expect("\(String(describing: e))".contains("timed out after 2 s"))
        #expect(Date().timeIntervalSince(start) < 3.5, "\(Date().timeIntervalSince(start)) s")
    }

    /// Level s1's consolidated entry is garbage: its own metadata is fetched (and no other level's).
    @Test(arguments: ["v3_broken.ome.zarr", "v2_broken.ome.zarr"])
    func aMalformedConsolidatedEntryFallsBackToTheLevelsOwnMetadata(store: String) throws {
        let dir = try #require(Self.made, "consolidated_fixtures.py failed")
        let server = try ZarrHTTPServer(folder: dir)
        let remote = try ZarrImageSource.open(store: HTTPKeyStore(url: server.baseURL + "/" + store, cache: nil, stats: HTTPStats()))
        let requested = try Self.levelMetadataRequests(server, store)
        #expect(!requested.isEmpty && requested.allSatisfy { $0.hasPrefix(store + "/s1/") }, "\(requested)")
        try Self.expectSamePlanes(remote, ZarrImageSource.open(store: LocalZarrStore(folder: dir + "/" + store)))
    }

    /// Level s1's consolidated entry says 30 rows, its own zarr.json (rewritten later) 35: a local
    /// folder reads the level's own file (cheap, always current); a remote store trusts the
    /// consolidation, as zarr-python does (the price of not fetching every level's metadata).
    @Test func localFoldersReadTheLevelsOwnFilesRemoteStoresTheConsolidation() throws {
        let dir = try #require(Self.made, "consolidated_fixtures.py failed")
        let local = try ZarrImageSource.open(store: LocalZarrStore(folder: dir + "/v3_stale.ome.zarr"))
        #expect(local.levelSizes(series: 0)[1].height == 35)
        let server = try ZarrHTTPServer(folder: dir)
        let remote = try ZarrImageSource.open(store: HTTPKeyStore(url: server.baseURL + "/v3_stale.ome.zarr", cache: nil, stats: HTTPStats()))
        #expect(remote.levelSizes(series: 0)[1].height == 30)
    }
}
