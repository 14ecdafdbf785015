import Foundation
import OmioFixtures
import Testing

/// OME-Zarr in the real binary's TUI (tmux, 160x50): the browser's badges, and the `p` menu's
/// HTTP chunk cache entry.
@Suite(.serialized)
struct ZarrTUIEndToEndTests {
    /// `p` lists the remote stores' chunk cache (`$XDG_CACHE_HOME/omio-tui/http`) as one entry
    /// with its size; `d`, `y` removes it, and nothing else.
    @Test func purgeMenuOffersTheHTTPCache() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let http = dir + "/cache/omio-tui/http"
        try FileManager.default.createDirectory(atPath: http + "/3f", withIntermediateDirectories: true)
        try Data(count: 300_000).write(to: URL(fileURLWithPath: http + "/3f/chunk"))
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/rgb.tif", toPath: dir + "/rgb.tif")
        let tmux = try TmuxSession(command: BinaryRunner.binary, in: dir, environment: ["XDG_CACHE_HOME": dir + "/cache"])
        _ = tmux.wait(for: "rgb.tif")
        try tmux.send("p")
        var s = tmux.wait(for: "remote stores → http")
        #expect(s.contains(#/complete +http +3\d\d KB/#) && s.contains("remote stores → http"), "\(s)")
        try tmux.send("End", "d")
        s = tmux.wait(for: "y / n")
        #expect(s.contains("purge http: remove 1 entry"), "\(s)")
        try tmux.send("y")
        s = tmux.wait(for: "no caches here")
        #expect(s.contains("removed 1 entry"), "\(s)")
        try tmux.send("Escape", "q")
        _ = tmux.wait(for: "[exit 0]")
        #expect(!FileManager.default.fileExists(atPath: http))
        #expect(FileManager.default.fileExists(atPath: dir + "/cache/omio-tui"))
        #expect(FileManager.default.fileExists(atPath: dir + "/rgb.tif"))
    }
}
