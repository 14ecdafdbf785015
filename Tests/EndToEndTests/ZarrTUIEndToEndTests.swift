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

    /// A store written by ome-zarr-py, opened from the command line like a file: the preview,
    /// Z and T stepping, the metadata (scale from the NGFF transforms), a correction saved beside
    /// the store, an export beside it; the store itself is left byte for byte.
    @Test func storeInTheInspector() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let store = try UserZarrStores.make(.v3, in: dir) else { return }
        let before = Self.tree(store)
        let tmux = try TmuxSession(command: BinaryRunner.binary + " v3.ome.zarr", in: dir)
        var s = tmux.wait(for: "Z 2/3")
        #expect(s.contains("T 1/2  Z 2/3  C all/2"), "\(s)")
        #expect(s.contains("PhysicalSizeZ  2.5 µm"), "\(s)")
        s = tmux.wait(for: "[ZARR v3]") // the browser's header probe runs in the background
        #expect(s.contains("[ZARR v3] T2 Z3 C2 64×48 uint16"), "browser badge: \(s)")
        try tmux.send("]")
        #expect(tmux.wait(for: "Z 3/3").contains("Z 3/3"))
        try tmux.send("}")
        #expect(tmux.wait(for: "T 2/2").contains("T 2/2  Z 3/3"))
        try tmux.type(":set PhysicalSizeZ=4")
        try tmux.send("Enter")
        s = tmux.wait(for: "PhysicalSizeZ  4 µm")
        #expect(s.contains("PhysicalSizeZ  4 µm ✎"), "\(s)")
        try tmux.send("x")
        try tmux.send("Enter")
        s = tmux.wait(for: "exported")
        #expect(s.contains("exported \(dir)/v3.corrected.ome.tif"), "\(s)")
        try tmux.send("q")
        _ = tmux.wait(for: "[exit 0]")
        #expect(FileManager.default.fileExists(atPath: dir + "/v3.ome.zarr.omio.json"))
        #expect(Self.tree(store) == before, "nothing was written inside the store")
        // The export holds the corrected spacing and all 12 planes.
        let info = try BinaryRunner.run(["info", dir + "/v3.corrected.ome.tif"])
        #expect(info.stdout.contains("PhysicalSizeZ") && info.stdout.contains("4 µm"), "\(info.stdout)")
    }

    /// Every file below `folder` with its size.
    static func tree(_ folder: String) -> [String: Int] {
        var out: [String: Int] = [:]
        let e = FileManager.default.enumerator(atPath: folder)
        while let rel = e?.nextObject() as? String {
            out[rel] = ((try? FileManager.default.attributesOfItem(atPath: folder + "/" + rel))?[.size] as? NSNumber)?.intValue ?? -1
        }
        return out
    }

    /// `omio-tui napari STORE --check` in the napari venv: the layers come from the store in
    /// place (its channels, the NGFF scale); no copy is built, the launcher sits in .omio_cache.
    @Test func napariOpensTheStoreInPlace() throws {
        let python = TestPaths.repoRoot + "/.venv-napari/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("SKIPPED: \(python) is missing (make venv)")
            return
        }
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard let store = try UserZarrStores.make(.v3, in: dir) else { return }
        let before = Self.tree(store)
        let r = try BinaryRunner.run(["napari", store, "--check", "--python", python], timeout: 300, environment: ["DISPLAY": ""])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let layers = json?["layers"] as? [[String: Any]] ?? []
        #expect(layers.map { $0["name"] as? String } == ["v3 DAPI", "v3 GFP"], "\(r.stdout)")
        #expect(layers.first?["shape"] as? [Int] == [2, 3, 64, 48] && layers.first?["scale"] as? [Double] == [2, 2.5, 0.5, 0.5], "\(r.stdout)")
        #expect(layers.first?["colormap"] as? String == "blue" || (layers.first?["colormap"] as? String)?.lowercased().contains("0000ff") == true, "\(r.stdout)")
        let cache = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/.omio_cache")) ?? []
        #expect(cache.contains("v3.ome.zarr.napari.py") && !cache.contains { $0.hasSuffix(".ome.zarr") }, "no store is built: \(cache)")
        #expect(Self.tree(store) == before)
    }

    /// A store behind a URL (the test server): the inspector opens it, a correction goes to
    /// `$XDG_STATE_HOME/omio-tui/remote/<hash>.json` naming the URL, and napari either opens the
    /// URL in place or, without fsspec/aiohttp in napari's Python, says so in one line.
    @Test func remoteStoreInTheInspectorAndNapari() throws {
        guard let (dir, server, url, env) = try Self.servedStore() else { return }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        defer { server.stop() }
        let tmux = try TmuxSession(command: BinaryRunner.binary + " " + url, in: dir, environment: env)
        var s = tmux.wait(for: "Z 2/3")
        #expect(s.contains("T 1/2  Z 2/3  C all/2") && s.contains("PhysicalSizeZ  2.5 µm"), "\(s)")
        try tmux.type(":set PhysicalSizeZ=4")
        try tmux.send("Enter")
        s = tmux.wait(for: "PhysicalSizeZ  4 µm")
        #expect(s.contains("PhysicalSizeZ  4 µm ✎"), "\(s)")
        try tmux.send("q")
        _ = tmux.wait(for: "[exit 0]")
        let remote = dir + "/state/omio-tui/remote"
        let sidecars = (try? FileManager.default.contentsOfDirectory(atPath: remote)) ?? []
        #expect(sidecars.count == 1 && sidecars.first?.hasSuffix(".json") == true, "\(sidecars)")
        let text = sidecars.first.flatMap { try? String(contentsOfFile: remote + "/" + $0, encoding: .utf8) } ?? ""
        #expect(text.contains("\"source\": \"\(url)\""), "\(text)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).allSatisfy { !$0.hasPrefix("http") })
        // `info` reads the correction back.
        let info = try BinaryRunner.run(["info", url], environment: env)
        #expect(info.stdout.contains("4 µm"), "\(info.stdout) \(info.stderr)")

        let python = TestPaths.repoRoot + "/.venv-napari/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else { return print("SKIPPED: no napari venv") }
        let hasAiohttp = try ChildProcess.run(python, ["-c", "import fsspec, aiohttp"], timeout: 60).status == 0
        let r = try BinaryRunner.run(["napari", url, "--check", "--python", python], timeout: 300, environment: env.merging(["DISPLAY": ""]) { $1 })
        if hasAiohttp {
            #expect(r.status == 0 && r.stdout.contains("\"v3 GFP\""), "\(r.stdout) \(r.stderr)")
        } else {
            #expect(r.status == 1 && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.contains("cannot import") && r.stderr.contains("aiohttp") && r.stderr.contains("-m pip install fsspec aiohttp"), "\(r.stderr)")
        }
    }

    /// `q` while a remote store is still opening (its metadata request hangs) quits at once:
    /// it waited 5 s for the open queue, which only a pending save needs.
    @Test func quittingWhileAStoreOpensIsPrompt() throws {
        guard let (dir, server, url, env) = try Self.servedStore(options: ["--hang", "*zarr.json"]) else { return }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        defer { server.stop() }
        let tmux = try TmuxSession(command: BinaryRunner.binary + " " + url, in: dir, environment: env)
        _ = tmux.wait(for: "in flight")
        let start = Date()
        try tmux.send("q")
        let s = tmux.wait(for: "[exit 0]")
        #expect(s.contains("[exit 0]"), "\(s)")
        #expect(Date().timeIntervalSince(start) < 2.5, "quit took \(Date().timeIntervalSince(start)) s")
    }

    /// A v3 store served by the test server (with `options`), its URL, and an environment whose
    /// XDG folders are in the test's folder; nil (skipped, said) without python3 or zarr.
    static func servedStore(options: [String] = []) throws -> (String, ZarrHTTPServer, String, [String: String])? {
        guard ZarrHTTPServer.python != nil else {
            print("SKIPPED: no python3 for the test server")
            return nil
        }
        let dir = TestPaths.tempDir()
        guard try UserZarrStores.make(.v3, in: dir + "/served") != nil else {
            try? FileManager.default.removeItem(atPath: dir)
            return nil
        }
        let server = try ZarrHTTPServer(folder: dir + "/served", options: options)
        return (dir, server, server.baseURL + "/v3.ome.zarr", ["XDG_STATE_HOME": dir + "/state", "XDG_CACHE_HOME": dir + "/cache"])
    }
}
