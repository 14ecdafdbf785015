import Foundation
import OmioFixtures
import OmioFormats
@testable import OmioRender
@testable import OmioTUI
import Testing

/// A remote image in the TUI: it opens from its URL, asks for a coarse first pass, and a
/// coarse frame never replaces the full frame of the same view (nor the other way round
/// wrongly); the status line counts the network.
@Suite(.serialized, .enabled(if: ZarrHTTPServer.python != nil, "no python3 to run Tests/python/zarr_http_server.py"))
struct RemotePreviewTests {
    /// Our own OME-Zarr 0.5 store of an example stack (with a pyramid), served over HTTP.
    static func servedStore() throws -> (ZarrHTTPServer, String, String) {
        let dir = TestPaths.tempDir()
        let store = dir + "/stack.ome.zarr"
        let r = try ChildProcess.run(TestPaths.omioTUIBinary, ["slice", TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif",
                                                                "--t", ":", "--z", ":", "--c", ":", "-o", store], timeout: 120)
        #expect(r.status == 0, "\(r.stderr)")
        let server = try ZarrHTTPServer(folder: dir, options: ["--latency", "5"])
        return (server, dir, server.baseURL + "/stack.ome.zarr")
    }

    @Test func aURLOpensAndAsksForACoarseFirstPass() throws {
        let (server, dir, url) = try Self.servedStore()
        defer {
            server.stop()
            try? FileManager.default.removeItem(atPath: dir)
        }
        let before = HTTPStats.shared.snapshot.requests
        let d = AppDriver(path: url)
        #expect(d.model.viewer?.error == nil && d.model.viewer?.grid != nil, "\(d.text)")
        #expect(HTTPStats.shared.snapshot.requests > before)
        #expect(d.text.contains("net: "), "\(d.text)")
        // The next view's request asks the worker for the coarse pass first.
        d.model.requestSlice()
        let asked = d.model.takeEffects().compactMap { e -> SliceRequest? in if case let .slice(r) = e { return r } else { return nil } }
        #expect(asked.count == 1 && asked[0].coarseFirst)
    }

    @Test func theFullPassReplacesTheCoarseOneNeverTheReverse() throws {
        let (server, dir, url) = try Self.servedStore()
        defer {
            server.stop()
            try? FileManager.default.removeItem(atPath: dir)
        }
        let d = AppDriver(path: url)
        let m = d.model
        m.requestSlice()
        let request = try #require(m.takeEffects().compactMap { e -> SliceRequest? in if case let .slice(r) = e { return r } else { return nil } }.first)
        var coarse = request
        coarse.coarsestLevel = true
        let coarseResult = try SlicePipeline.run(coarse), fullResult = try SlicePipeline.run(request)
        #expect(coarseResult.coarse && !fullResult.coarse)
        m.apply(.sliced(generation: request.generation, result: .success(coarseResult)))
        #expect(m.viewer?.loading == true) // still fetching the full pass
        #expect(m.shownCoarse)
        m.apply(.sliced(generation: request.generation, result: .success(fullResult)))
        #expect(m.viewer?.loading == false && !m.shownCoarse)
        // A late coarse frame of the same view is not drawn over the full one.
        m.apply(.sliced(generation: request.generation, result: .success(coarseResult)))
        #expect(!m.shownCoarse)
    }
}
