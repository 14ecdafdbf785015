import ArgumentParser
import Foundation
import OmioEngine
import OmioFixtures
import OmioFormats
import OmioRender
import OmioRenderQuality
#if canImport(Glibc)
import Glibc
#endif

/// `omio-devtool bench`: the harness behind `make bench`. Times omio-tui on the seed-sized
/// files and, in the same run, the same work with tifffile, OMIO and chafa when they are
/// available; prints the table and writes BENCHMARKS.md.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the benchmarks (omio-tui vs OMIO, tifffile, chafa) and write BENCHMARKS.md.",
        discussion: """
            Every case runs in fresh processes: per-process cases are timed from spawn to exit \
            with peak RSS from wait4; in-process cases re-run this tool (`bench-case`) once per \
            repetition, which times the work itself and reports its own peak RSS (getrusage).
            """
    )

    @Option(help: "Folder with the benchmark files (`make bench-data`).") var data = "bench-data"
    @Option(name: .shortAndLong, help: "Markdown report to write.") var output = "BENCHMARKS.md"
    @Option(help: "Repetitions of the fast cases.") var runs = 10
    @Option(name: .customLong("foreign-runs"), help: "Repetitions of the fast Python cases (tifffile).") var foreignRuns = 5
    @Option(name: .customLong("build-runs"), help: "Repetitions of omio-tui's store builds.") var buildRuns = 3
    @Option(name: .customLong("omio-runs"), help: "Repetitions of OMIO's disk-mode imread of the movie (tens of seconds each).") var omioRuns = 2
    @Option(name: .customLong("omio-big-runs"), help: "Repetitions of OMIO's imread of the 1.1 GB stack, disk and memory mode (about a minute each).") var omioBigRuns = 1
    @Option(name: .customLong("step-runs"), help: "Repetitions of the 2000-frame stepping cases.") var stepRuns = 3
    @Option(help: "Python with omio-microscopy and tifffile (scripts/bench-venv.sh).") var python: String?
    @Option(name: .customLong("no-python"), help: "Why the Python cases are skipped.") var noPython: String?
    @Option(name: .customLong("remote-python"), help: "Python with zarr 3, ome-zarr, dask, fsspec and aiohttp for the remote OME-Zarr rows (default: --python).") var remotePython: String?
    @Option(help: "chafa executable (default: chafa on PATH).") var chafa: String?
    @Option(name: .customLong("no-chafa"), help: "Why the chafa cases are skipped.") var noChafa: String?
    @Option(name: .customLong("omio-tui"), help: "omio-tui executable (default: next to this tool).") var omioTUI: String?
    @Option(name: .customLong("foreign-script"), help: "The Python helper.") var foreignScript = "scripts/bench-foreign.py"
    @Option(help: "Keep the quality case's PNG and ANSI files here.") var artifacts: String?
    @Option(help: "Run only the sections whose name contains this (repeatable), e.g. quality; for a quick look, with --output elsewhere.") var only: [String] = []
    @Option(name: .customLong("started-at"), help: "Epoch seconds when `make bench` started (for the total time).") var startedAt: Double?
    @Option(name: .customLong("setup-note"), help: "A line about set-up (venv, packages) for the report.") var setupNotes: [String] = []

    func run() throws {
        var h = try BenchHarness(self)
        try h.runAll()
    }
}

/// The run itself: state shared by the cases.
struct BenchHarness {
    let opt: BenchCommand
    let movie: String
    let stack: String
    let tui: String
    let work: String
    let artifacts: String
    var python: String?
    var pythonSkip: String?
    var chafa: String?
    var chafaSkip: String?
    var versions: [String: String] = [:]
    var rows: [BenchRow] = []
    var notes: [String] = []
    var failures: [String] = []
    let started = BenchProcess.monotonic()
    let date = Date()
    var loadAtStart = ""
    /// tifffile's timing of the middle plane, shared by the plane and first-slice rows.
    var tifffilePage: [Sample]? = nil

    init(_ opt: BenchCommand) throws {
        self.opt = opt
        movie = (opt.data as NSString).appendingPathComponent(BenchData.movie)
        stack = (opt.data as NSString).appendingPathComponent(BenchData.stack)
        for f in [movie, stack] where !FileManager.default.fileExists(atPath: f) {
            throw BenchError("\(f) is missing: run `make bench-data` first")
        }
        tui = opt.omioTUI ?? ((BenchProcess.selfPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("omio-tui")
        guard access(tui, X_OK) == 0 else { throw BenchError("\(tui) is not an executable: build omio-tui first (or pass --omio-tui)") }
        work = try BenchProcess.makeTempDir("omio-bench-")
        artifacts = opt.artifacts ?? (work as NSString).appendingPathComponent("artifacts")
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        python = opt.python
        pythonSkip = opt.noPython
        if python == nil, pythonSkip == nil { pythonSkip = "no --python given (make bench sets one up with scripts/bench-venv.sh)" }
        if let c = opt.chafa { chafa = c } else if opt.noChafa == nil { chafa = BenchHarness.which("chafa") }
        chafaSkip = opt.noChafa ?? (chafa == nil ? "chafa not found on PATH (Debian package chafa)" : nil)
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if access(p, X_OK) == 0 { return p }
        }
        return nil
    }

    func log(_ s: String) {
        let t = BenchProcess.monotonic() - started
        fflush(stdout)
        FileHandle.standardError.write(Data((String(format: "[bench %5.1fs] ", t) + s + "\n").utf8))
    }

    // MARK: running things

    struct Sample {
        var wall: Double
        var inproc: Double?
        var rssKiB: Int
        /// CPU time (user + system, all threads) of the process, or of the timed work in-process.
        var cpu: Double?
        var json: [String: Any]?
        var stderr: String
        func number(_ k: String) -> Double? { (json?[k] as? NSNumber)?.doubleValue }
    }

    /// A command in a fresh process: wall time, wait4 peak RSS, its JSON line when it prints one.
    func proc(_ argv: [String], stdout: String? = nil) throws -> Sample {
        let r = try BenchProcess.check(argv, stdoutPath: stdout)
        let j = r.json()
        return Sample(wall: r.seconds, inproc: (j?["seconds"] as? NSNumber)?.doubleValue, rssKiB: r.maxRSSKiB, cpu: r.cpuSeconds, json: j, stderr: r.stderr)
    }

    /// An in-process case in a fresh child (`bench-case`): its own timing and getrusage peak.
    func inproc(_ args: [String]) throws -> Sample {
        var s = try proc([BenchProcess.selfPath, "bench-case"] + args)
        guard s.inproc != nil else { throw BenchError("bench-case \(args.joined(separator: " ")) printed no timing") }
        if let k = s.number("maxrss_kb") { s.rssKiB = Int(k) }
        s.cpu = s.number("cpu_seconds")
        return s
    }

    func repeated(_ n: Int, _ what: String, _ body: (Int) throws -> Sample) throws -> [Sample] {
        var out: [Sample] = []
        for i in 0..<n { out.append(try body(i)) }
        let med = BenchStat(values: out.map { $0.inproc ?? $0.wall }, unit: .seconds).median
        log("\(what): \(BenchStat.format(med, .seconds)) median of \(n)")
        return out
    }

    func stat(_ s: [Sample], inProcess: Bool = false) -> BenchStat {
        BenchStat(values: s.map { inProcess ? ($0.inproc ?? .nan) : $0.wall }, unit: .seconds, peakRSSKiB: s.map(\.rssKiB).max())
    }

    /// "CPU time median X": what the work cost without waiting for a core (the machine is shared).
    func cpuNote(_ s: [Sample], what: String = "CPU time (user+sys)") -> String {
        let c = BenchStat(values: s.compactMap(\.cpu), unit: .seconds)
        return "\(what) median \(BenchStat.format(c.median, .seconds)) [\(BenchStat.format(c.min, .seconds))–\(BenchStat.format(c.max, .seconds))]"
    }

    func rate(_ s: [Sample], bytes: Int64) -> BenchStat {
        BenchStat(values: s.map { Double(bytes) / 1e6 / $0.wall }, unit: .megabytesPerSecond, peakRSSKiB: s.map(\.rssKiB).max())
    }

    var pythonReady: Bool { python != nil && pythonSkip == nil }
    var chafaReady: Bool { chafa != nil && chafaSkip == nil }

    func py(_ args: [String], stdout: String? = nil) throws -> Sample {
        try proc([python!, opt.foreignScript] + args, stdout: stdout)
    }

    static func fileSize(_ p: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Runs one section; a failure becomes a note and a row, never the end of the run.
    mutating func section(_ name: String, _ body: (inout BenchHarness) throws -> Void) {
        guard opt.only.isEmpty || opt.only.contains(where: { name.contains($0) }) else { return }
        log("— \(name)")
        do {
            try body(&self)
        } catch {
            log("FAILED \(name): \(error)")
            failures.append("\(name): \(error)")
            rows.append(BenchRow(id: "!", title: name, ours: "failed: \(error)"))
        }
    }

    // MARK: the run

    mutating func runAll() throws {
        defer { BenchProcess.removeTree(work) }
        loadAtStart = BenchMachine.loadAverage()
        log("omio-tui: \(tui); data: \(opt.data); work: \(work); load average \(loadAtStart)")
        checkTools()
        // Warm the page cache: every case below reads the files from memory, as a user
        // looking at a file they just copied or opened would.
        for f in [movie, stack] { _ = try? BenchProcess.run(["cat", f], stdoutPath: "/dev/null") }
        // And the executables and their shared libraries (the first start of each is not timed).
        _ = try? BenchProcess.run([tui, "info", stack], stdoutPath: "/dev/null")
        _ = try? BenchProcess.run([BenchProcess.selfPath, "bench-case", "open", "--file", stack], stdoutPath: "/dev/null")
        if pythonReady { _ = try? BenchProcess.run([python!, opt.foreignScript, "tifffile-open", stack], stdoutPath: "/dev/null") }
        if chafaReady { _ = try? BenchProcess.run([chafa!, "--version"], stdoutPath: "/dev/null") }
        let cacheBefore = BenchHarness.omioCaches(in: opt.data)

        section("open + info") { try $0.openCases() }
        section("one plane") { try $0.planeCases() }
        section("first display slice") { try $0.firstSliceCases() }
        section("store build") { try $0.storeCases() }
        section("stepping the movie") { try $0.stepCases() }
        section("sub-stacks to .npy") { try $0.subStackCases() }
        section("render quality and time vs chafa") { try $0.qualityCases() }
        section("terminal graphics vs chafa") { try $0.graphicsCases() }
        section("terminal graphics: kitty stepping") { $0.rows.append(try $0.kittyStepRow()) }
        section("256-colour quality vs chafa -c 256") { try $0.quality256Cases() }
        section("seed workflow with napari") { try $0.seedWorkflowCases() }
        section("remote OME-Zarr first view") { try $0.remoteCases() }

        let leftovers = BenchHarness.omioCaches(in: opt.data).subtracting(cacheBefore)
        for p in leftovers {
            BenchProcess.removeTree(p)
            notes.append("A cache appeared in \(opt.data) during the run (\(p)) and was removed.")
        }
        try writeReport()
    }

    mutating func checkTools() {
        if let p = python, pythonSkip == nil {
            do {
                let s = try proc([p, opt.foreignScript, "check"])
                for (k, v) in s.json ?? [:] where k != "maxrss_kb" { versions[k] = "\(v)" }
                log("python: \(p) (\(versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))")
            } catch {
                pythonSkip = "\(p) cannot import omio and tifffile: \(error)"
            }
        }
        if let r = pythonSkip { log("Python cases SKIPPED: \(r)") }
        if let c = chafa, chafaSkip == nil {
            if let v = BenchProcess.output([c, "--version"])?.split(separator: "\n").first {
                versions["chafa"] = v.replacingOccurrences(of: "Chafa version ", with: "")
            } else {
                chafaSkip = "\(c) --version fails"
            }
        }
        if let r = chafaSkip { log("chafa cases SKIPPED: \(r)") }
    }

    static func omioCaches(in folder: String) -> Set<String> {
        let p = (folder as NSString).appendingPathComponent(".omio_cache")
        return FileManager.default.fileExists(atPath: p) ? [p] : []
    }

    func skipped(_ tool: String) -> String {
        tool == "chafa" ? "not run: \(chafaSkip ?? "")" : "not run: \(pythonSkip ?? "")"
    }

    // MARK: cases

}
