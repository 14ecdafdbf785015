import Foundation
import OmioFixtures

/// Remote OME-Zarr, first view (issue 18): a 0.5 store served by the test server with 50 ms
/// per request; `omio-tui render URL` with a cold HTTP cache against `ome_zarr info URL` plus
/// dask reading the same level, and the same store with consolidated metadata. Requests and
/// bytes come from the server's own counts.
extension BenchHarness {
    static let remoteLatency = 0.050
    /// The level omio-tui's display slicer reads for a 160-column preview of the store (its
    /// coarsest, 1024 x 1024): the Python side reads the same.
    static let remoteLevel = "2"

    mutating func remoteCases() throws {
        guard let py = opt.remotePython ?? python else {
            rows.append(BenchRow(id: "", title: "remote OME-Zarr first view", ours: "not run: no Python with zarr 3 to write the store (--remote-python)"))
            return
        }
        let folder = (work as NSString).appendingPathComponent("remote")
        let store = (folder as NSString).appendingPathComponent("remote.ome.zarr")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        log("writing the remote store (8 x 4096 x 4096 uint16, 3 levels) with \(py)")
        _ = try proc([py, opt.foreignScript, "remote-store", store])
        let server = try ZarrHTTPServer(folder: folder, options: ["--latency", "\(Int(Self.remoteLatency * 1000))"])
        // The same server without latency: what the transfer and HTTP themselves cost.
        let instant = try ZarrHTTPServer(folder: folder)
        defer {
            server.stop()
            instant.stop()
        }
        let url = server.baseURL + "/remote.ome.zarr"
        let render = ["render", "--width", "160"]
        _ = try? BenchProcess.run([tui] + render + [store], stdoutPath: "/dev/null") // page cache, not timed

        // What one run of `argv` asked of the server.
        func served(_ argv: [String], environment: [String: String] = [:], keepStdout: Bool = false) throws -> (Sample, requests: Int, bytes: Int) {
            let before = try server.stats()
            let r = try BenchProcess.check(argv, stdoutPath: keepStdout ? nil : "/dev/null", environment: environment)
            let after = try server.stats()
            let s = Sample(wall: r.seconds, inproc: (r.json()?["seconds"] as? NSNumber)?.doubleValue, rssKiB: r.maxRSSKiB, cpu: r.cpuSeconds,
                           json: r.json(), stderr: r.stderr)
            return (s, after.requests - before.requests, after.bytes - before.bytes)
        }
        let local = try repeated(opt.runs, "render of the store on disk") { _ in try proc([tui] + render + [store], stdout: "/dev/null") }
        var cold: [(Sample, requests: Int, bytes: Int)] = []
        var warm: [(Sample, requests: Int, bytes: Int)] = []
        var noLatency: [Sample] = []
        for i in 0..<opt.runs {
            let fresh = ["XDG_CACHE_HOME": (folder as NSString).appendingPathComponent("xdg-instant-\(i)")]
            let r = try BenchProcess.check([tui] + render + [instant.baseURL + "/remote.ome.zarr"], stdoutPath: "/dev/null", environment: fresh)
            noLatency.append(Sample(wall: r.seconds, inproc: nil, rssKiB: r.maxRSSKiB, cpu: r.cpuSeconds, json: nil, stderr: r.stderr))
            // A fresh XDG cache folder each run: the HTTP cache is cold, then warm for a second look.
            let env = ["XDG_CACHE_HOME": (folder as NSString).appendingPathComponent("xdg-\(i)")]
            cold.append(try served([tui] + render + [url], environment: env))
            warm.append(try served([tui] + render + [url], environment: env))
        }
        let coldStat = stat(cold.map(\.0)), localStat = stat(local), instantStat = stat(noLatency)
        log("omio-tui render URL, cold: \(BenchStat.format(coldStat.median, .seconds)) median; \(cold[0].requests) requests, \(cold[0].bytes) bytes")
        // Latency's share: the same cold render from the server without latency subtracted.
        let overhead = coldStat.median - instantStat.median
        let roundTrips = overhead / Self.remoteLatency
        var r = BenchRow(id: "", title: "remote OME-Zarr 0.5 (8×4096×4096 uint16, 3 levels, 512² zstd chunks) over HTTP at 50 ms per request: first preview, cold HTTP cache — per process",
                         ours: "`omio-tui render URL --width 160`", oursStat: coldStat,
                         goal: "latency adds at most 3 round trips (150 ms) to the same render without latency; ahead of the Python readers")
        r.note = String(format: "omio-tui: %d requests, %.2f MB; latency adds %.0f ms (%.1f round trips of 50 ms) to the render without latency (%@), which is %.0f ms over the render from disk",
                        cold[0].requests, Double(cold[0].bytes) / 1e6, overhead * 1000, roundTrips, BenchStat.format(instantStat.median, .seconds),
                        (instantStat.median - localStat.median) * 1000)
        let ok = overhead <= 3 * Self.remoteLatency
        // The same store with consolidated metadata (the levels' zarr.json inline in the root's):
        // its first view needs no request wave for the levels' metadata.
        let consolidatedName = "remote-consolidated.ome.zarr"
        _ = try proc([py, opt.foreignScript, "consolidated-copy", store, (folder as NSString).appendingPathComponent(consolidatedName)])
        var consolidated: [(Sample, requests: Int, bytes: Int)] = []
        for i in 0..<opt.runs {
            let env = ["XDG_CACHE_HOME": (folder as NSString).appendingPathComponent("xdg-consolidated-\(i)")]
            consolidated.append(try served([tui] + render + [server.baseURL + "/" + consolidatedName], environment: env))
        }
        let consolidatedStat = stat(consolidated.map(\.0))
        var c = BenchRow(id: "", title: "  the same store with consolidated metadata (zarr.consolidate_metadata), cold HTTP cache",
                         ours: "`omio-tui render URL --width 160`", oursStat: consolidatedStat)
        c.note = String(format: "%d requests (%d without consolidation), %.2f MB; %.0f ms faster than the store without",
                        consolidated[0].requests, cold[0].requests, Double(consolidated[0].bytes) / 1e6, (coldStat.median - consolidatedStat.median) * 1000)
        var added = [BenchRow]()
        if let pyRemote = opt.remotePython ?? (pythonReady ? python : nil) {
            let script = opt.foreignScript
            let foreign = try repeated(opt.foreignRuns, "ome_zarr info + dask level \(Self.remoteLevel)") { _ in
                try served([pyRemote, script, "remote-first-view", url, Self.remoteLevel], keepStdout: true).0
            }
            let counted = try served([pyRemote, opt.foreignScript, "remote-first-view", url, Self.remoteLevel], keepStdout: true)
            let fs = stat(foreign)
            r.other = "`ome_zarr info URL` + `dask.array.from_zarr(URL/\(Self.remoteLevel))[0].compute()`, whole process"
            r.otherStat = fs
            r.ratio = BenchRow.speedRatio(ours: coldStat.median, other: fs.median)
            r.goalMet = ok && coldStat.median < fs.median
            let inner = BenchStat(values: foreign.compactMap(\.inproc), unit: .seconds).median
            let imports = BenchStat(values: foreign.compactMap { $0.number("import_seconds") }, unit: .seconds).median
            r.note! += String(format: "; Python: %d requests, %.2f MB; its info + read alone (after %.2f s of imports) %@",
                              counted.requests, Double(counted.bytes) / 1e6, imports, BenchStat.format(inner, .seconds))
        } else {
            r.other = skipped("python") + " (needs ome-zarr, zarr 3, dask, fsspec, aiohttp: --remote-python)"
            r.goalMet = ok
        }
        added.append(r)
        added.append(c)
        added.append(BenchRow(id: "", title: "  the same URL from the server without latency (transfer and HTTP alone)", ours: "`omio-tui render URL --width 160`", oursStat: instantStat))
        added.append(BenchRow(id: "", title: "  the same render from the store on disk", ours: "`omio-tui render DIR --width 160`", oursStat: localStat))
        var w = BenchRow(id: "", title: "  the same URL again, warm HTTP cache", ours: "`omio-tui render URL --width 160`", oursStat: stat(warm.map(\.0)))
        w.note = "requests: \(warm.map { String($0.requests) }.joined(separator: ", ")) (metadata is trusted from the cache for 60 s, chunks until evicted)"
        added.append(w)
        rows += added
        notes.append("Remote rows: the store is written by zarr-python (`bench-foreign.py remote-store`; its consolidated twin by `bench-foreign.py consolidated-copy`: chunks hard-linked, `zarr.consolidate_metadata`) and served by Tests/python/zarr_http_server.py on 127.0.0.1 with 50 ms before every answer; requests and bytes are the server's counts; each omio-tui run has a fresh `$XDG_CACHE_HOME` (cold HTTP cache), then runs again on it (warm).")
    }
}
