import Foundation
import OmioEngine
#if canImport(Glibc)
import Glibc
#endif

/// The seed's workflow end to end, side by side with OMIO on the same file: the 1.1 GB stack,
/// PhysicalSizeZ=5, napari-ready with dask layers (a real window under Xvfb), full cleanup.
extension BenchHarness {
    mutating func seedWorkflowCases() throws {
        guard pythonReady else {
            rows.append(BenchRow(id: "", title: "the seed's workflow", ours: skipped("python")))
            return
        }
        let xvfb = try BenchXvfb.start()
        defer { xvfb.stop() }
        // A folder beside the data with a hard link to the stack: the sidecar, the store and
        // OMIO's .omio_cache go there, never into the data folder.
        let folder = try BenchProcess.makeTempDir("omio-bench-seed-", in: opt.data)
        defer { BenchProcess.removeTree(folder) }
        let file = (folder as NSString).appendingPathComponent((stack as NSString).lastPathComponent)
        if link(stack, file) != 0 { _ = try BenchProcess.check(["cp", stack, file]) }
        let env = ["DISPLAY": xvfb.display, "OMIO_NAPARI_SOCKET": (folder as NSString).appendingPathComponent("napari.sock")]
        var phases: [[String: Double]] = []
        var windowPid: Int32 = 0

        let ours = try repeated(opt.omioBigRuns + 1, "seed workflow omio-tui") { _ in
            BenchProcess.sync()
            let start = BenchProcess.monotonic()
            _ = try BenchProcess.check([tui, "set", file, "PhysicalSizeZ=5"], stdoutPath: "/dev/null")
            let sent = try BenchProcess.check([tui, "napari", file, "--python", python!, "--wait", "300"], environment: env)
            let ready = BenchProcess.monotonic() - start
            windowPid = try BenchSeed.windowPid(sent.stdout)
            var p = BenchSeed.phases(sent.stdout)
            p["store"] = BenchSeed.storeSeconds(sent.stderr)
            // Cleanup: close the window and purge everything made for the file (--force: the
            // window may still be closing), then wait until the window is gone.
            let cleanup = BenchProcess.monotonic()
            kill(windowPid, SIGTERM)
            _ = try BenchProcess.check([tui, "cache", "purge", file, "--yes", "--force"], stdoutPath: "/dev/null")
            BenchSeed.stop(windowPid)
            p["cleanup"] = BenchProcess.monotonic() - cleanup
            p["napari-ready"] = ready
            phases.append(p)
            unlink(file + ".omio.json") // the user's edit stays in real use; the next run starts fresh
            let total = BenchProcess.monotonic() - start
            return Sample(wall: total, inproc: nil, rssKiB: sent.maxRSSKiB, cpu: sent.cpuSeconds, json: nil, stderr: sent.stderr)
        }
        let om = try repeated(opt.omioBigRuns, "seed workflow OMIO") { _ in
            BenchProcess.sync()
            let r = try BenchProcess.check([python!, opt.foreignScript, "omio-seed", file], environment: env)
            guard let j = r.json(), (j["array_type"] as? String)?.hasPrefix("dask") == true else {
                throw BenchError("OMIO's napari layers are not dask arrays: \(r.stdout)")
            }
            return Sample(wall: r.seconds, inproc: (j["seconds"] as? NSNumber)?.doubleValue, rssKiB: r.maxRSSKiB, cpu: r.cpuSeconds, json: j, stderr: r.stderr)
        }
        // The first omio-tui run starts napari's Python cold (its files not in the page cache
        // yet); OMIO's single run comes after ours, warm. Compare warm with warm.
        let warm = Array(ours.dropFirst())
        let oursStat = stat(warm)
        var r = BenchRow(id: "", title: "the seed's workflow: 1.1 GB stack → PhysicalSizeZ=5 → napari-ready with dask layers (Xvfb) → full cleanup",
                         ours: "`omio-tui set` + `omio-tui napari` (until the window shows the layers) + `cache purge --force`",
                         oursStat: oursStat, goal: "≥ 8× faster than OMIO")
        let os = stat(om)
        r.other = "OMIO `imread(f, zarr_store=\"disk\")`, PhysicalSizeZ=5, `open_in_napari(zarr_mode=\"zarr_dask\")`, `cleanup_omio_cache(full_cleanup=True)`, whole Python process"
        r.otherStat = os
        r.ratio = BenchRow.speedRatio(ours: oursStat.median, other: os.median)
        r.goalMet = os.median / oursStat.median >= 8
        let medians = BenchSeed.medians(Array(phases.dropFirst()))
        let j = om.first?.json ?? [:]
        func n(_ k: String) -> String { (j[k] as? NSNumber).map { String(format: "%.2f s", $0.doubleValue) } ?? "?" }
        r.note = "omio-tui phases (median): " + medians + "; the launcher starts at once and loads napari while the store builds. "
            + "OMIO: imports \(n("import_seconds")), imread \(n("imread_seconds")), open_in_napari \(n("napari_seconds")), cleanup \(n("cleanup_seconds"))"
        rows.append(r)
        notes.append("Seed workflow: both tools use the same Python (the bench venv's napari \(versions["napari"] ?? "") and PyQt6) and one Xvfb server; each run starts from no store and no sidecar. omio-tui's time runs from `set` to the `napari` command's exit, which waits until the window reports the layers added (its pid and phases come back over the socket), plus closing the window and `cache purge --force`; omio-tui's first run (cold napari files) is not counted. The file is a hard link in a folder beside the data (removed afterwards).")
    }
}

/// Helpers of the seed case: parsing what `omio-tui napari` prints, stopping the window.
enum BenchSeed {
    /// "... to the napari window (pid N); launcher: ..."
    static func windowPid(_ stdout: String) throws -> Int32 {
        guard let r = stdout.range(of: "napari window (pid "), let end = stdout[r.upperBound...].firstIndex(of: ")"),
              let pid = Int32(stdout[r.upperBound..<end]) else {
            throw BenchError("omio-tui napari did not report a window: \(stdout)")
        }
        return pid
    }

    /// "launcher: imports done 0.81 s, window up 2.0 s, ..." as seconds by phase.
    static func phases(_ stdout: String) -> [String: Double] {
        guard let r = stdout.range(of: "launcher: ") else { return [:] }
        let list = stdout[r.upperBound...].prefix { $0 != ";" }
        var out: [String: Double] = [:]
        for item in list.split(separator: ",") {
            let words = item.trimmingCharacters(in: .whitespaces).split(separator: " ")
            guard words.count >= 3, let v = Double(words[words.count - 2]) else { continue }
            out["napari " + words.dropLast(2).joined(separator: " ")] = v
        }
        return out
    }

    /// "built PATH in 1.75 s" on stderr.
    static func storeSeconds(_ stderr: String) -> Double? {
        guard let line = stderr.split(separator: "\n").last(where: { $0.contains("built ") }),
              let r = line.range(of: " in ", options: .backwards) else { return nil }
        return Double(line[r.upperBound...].split(separator: " ").first ?? "")
    }

    static func medians(_ runs: [[String: Double]]) -> String {
        let keys = Set(runs.flatMap(\.keys)).sorted { a, b in (runs.first?[a] ?? 0) < (runs.first?[b] ?? 0) }
        return keys.map { k in
            let v = runs.compactMap { $0[k] }.sorted()
            return String(format: "%@ %.2f s", k, v.isEmpty ? .nan : v[v.count / 2])
        }.joined(separator: ", ")
    }

    /// SIGTERM, and wait until it has exited (it is not our child: poll).
    static func stop(_ pid: Int32) {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        for _ in 0..<1000 where running(pid) { usleep(10_000) }
        if running(pid) { kill(pid, SIGKILL) }
    }

    /// True while `pid` runs. A zombie has exited: the detached window's parent is PID 1,
    /// and this machine's init (firecracker's process_api) reaps about once a second, which
    /// `kill(pid, 0)` counted as 1.2 s of our cleanup (the window's exit_group came 1 ms
    /// after SIGTERM, its threads were gone 30 ms later).
    static func running(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }
}

/// One Xvfb server for the napari cases.
struct BenchXvfb {
    let pid: Int32
    let display: String

    static func start() throws -> BenchXvfb {
        guard let xvfb = BenchHarness.which("Xvfb") else { throw BenchError("Xvfb is not installed (Makefile NAPARI_DEPS)") }
        for n in 90..<130 where !FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(n)") && !FileManager.default.fileExists(atPath: "/tmp/.X\(n)-lock") {
            var pid: pid_t = 0
            let args = [xvfb, ":\(n)", "-nolisten", "tcp", "-screen", "0", "1600x1000x24"]
            let cArgs = args.map { strdup($0) } + [nil]
            defer { cArgs.forEach { free($0) } }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            guard posix_spawn(&pid, xvfb, &actions, nil, cArgs, environ) == 0 else { continue }
            for _ in 0..<100 where !FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(n)") { usleep(50_000) }
            if FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(n)") { return BenchXvfb(pid: pid, display: ":\(n)") }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        throw BenchError("Xvfb did not start on any display :90 to :129")
    }

    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
