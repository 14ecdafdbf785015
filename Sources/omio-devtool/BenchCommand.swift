import ArgumentParser
import Foundation
import OmioEngine
import OmioFixtures
import OmioFormats
import OmioTUI
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
    @Option(help: "chafa executable (default: chafa on PATH).") var chafa: String?
    @Option(name: .customLong("no-chafa"), help: "Why the chafa cases are skipped.") var noChafa: String?
    @Option(name: .customLong("omio-tui"), help: "omio-tui executable (default: next to this tool).") var omioTUI: String?
    @Option(name: .customLong("foreign-script"), help: "The Python helper.") var foreignScript = "scripts/bench-foreign.py"
    @Option(help: "Keep the quality case's PNG and ANSI files here.") var artifacts: String?
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
        section("render quality and time vs chafa") { try $0.qualityCases() }

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

    mutating func openCases() throws {
        for (label, file) in [("0.5 GB movie", movie), ("1.1 GB stack", stack)] {
            let info = try repeated(opt.runs, "info \(label) per process") { _ in try proc([tui, "info", file], stdout: "/dev/null") }
            let open = try repeated(opt.runs, "open \(label) in-process") { _ in try inproc(["open", "--file", file]) }
            var tf: [Sample]?
            if pythonReady {
                tf = try repeated(opt.foreignRuns, "tifffile open \(label)") { _ in try py(["tifffile-open", file]) }
            }
            let isStack = file == stack
            var r1 = BenchRow(id: "", title: "open + `info`, \(label) — per process", ours: "`omio-tui info`", oursStat: stat(info))
            var r2 = BenchRow(id: "", title: "open + metadata, \(label) — in-process", ours: "ImageOpener.open + metadata", oursStat: stat(open, inProcess: true))
            if let tf {
                r1.other = "tifffile `TiffFile(f).series[0]`, whole Python process"
                r1.otherStat = stat(tf)
                r1.ratio = BenchRow.speedRatio(ours: r1.oursStat!.median, other: r1.otherStat!.median)
                r2.other = "tifffile `TiffFile(f).series[0]` in-process (after imports)"
                r2.otherStat = stat(tf, inProcess: true)
                r2.ratio = BenchRow.speedRatio(ours: r2.oursStat!.median, other: r2.otherStat!.median)
            } else {
                r1.other = skipped("python")
            }
            if isStack {
                r1.goal = "< 100 ms per process"
                r1.goalMet = r1.oursStat!.median < 0.1
                r1.note = cpuNote(info, what: "omio-tui's CPU time (user+sys)")
            }
            rows += [r1, r2]
        }
    }

    /// The stack's middle plane: Z 130 of 260, channel 0, and its IFD index for tifffile.
    var midPlane: (z: Int, c: Int, key: Int) {
        (130, 0, 130 * 2 + 0) // ImageJ stores C fastest, then Z
    }

    var tifffilePage: [Sample]? = nil

    mutating func planeCases() throws {
        let p = midPlane
        let read = try repeated(opt.runs, "read plane in-process") { _ in
            try inproc(["read-plane", "--file", stack, "--z", "\(p.z)", "--c", "\(p.c)"])
        }
        let oursNPY = (work as NSString).appendingPathComponent("ours.npy")
        let slice = try repeated(opt.runs, "slice per process") { _ in
            try proc([tui, "slice", stack, "--z", "\(p.z)", "--c", "\(p.c)", "-o", oursNPY])
        }
        var r1 = BenchRow(id: "", title: "read one full plane (Z \(p.z), C \(p.c); 1024×1024 uint16) of the 1.1 GB stack — in-process",
                          ours: "`source.readPlane`", oursStat: stat(read, inProcess: true), goal: "< 10 ms")
        r1.goalMet = r1.oursStat!.median < 0.010
        r1.note = cpuNote(read, what: "CPU time of the read")
        var r2 = BenchRow(id: "", title: "`slice` that plane to .npy — per process", ours: "`omio-tui slice`", oursStat: stat(slice))
        if pythonReady {
            let tfNPY = (work as NSString).appendingPathComponent("tifffile.npy")
            let tf = try repeated(opt.foreignRuns, "tifffile imread(key=\(p.key))") { _ in try py(["tifffile-page", stack, "\(p.key)", tfNPY]) }
            tifffilePage = tf
            r1.other = "`tifffile.imread(f, key=\(p.key))` in-process (opens the file too)"
            r1.otherStat = stat(tf, inProcess: true)
            r1.ratio = BenchRow.speedRatio(ours: r1.oursStat!.median, other: r1.otherStat!.median)
            r2.other = "`tifffile.imread(f, key=\(p.key))` + `np.save`, whole Python process"
            r2.otherStat = stat(tf)
            r2.ratio = BenchRow.speedRatio(ours: r2.oursStat!.median, other: r2.otherStat!.median)
            // Same pixels? Compare the data behind the .npy headers.
            if let a = FileManager.default.contents(atPath: oursNPY), let b = FileManager.default.contents(atPath: tfNPY) {
                let n = 1024 * 1024 * 2
                let same = a.count >= n && b.count >= n && a.suffix(n) == b.suffix(n)
                r2.note = same ? "pixels identical to tifffile's" : "PIXELS DIFFER from tifffile's"
                if !same { notes.append("`omio-tui slice` and tifffile disagree on plane Z \(p.z) C \(p.c) of the stack.") }
            }
        } else {
            r1.other = skipped("python")
        }
        rows += [r1, r2]
    }

    mutating func firstSliceCases() throws {
        let p = midPlane
        let args = ["--file", stack, "--z", "\(p.z)", "--c", "\(p.c)", "--width", "160", "--height", "48"]
        let s2d = try repeated(opt.runs, "slice2D in-process") { _ in try inproc(["slice2d"] + args) }
        let pipe = try repeated(opt.runs, "SlicePipeline in-process") { _ in try inproc(["pipeline"] + args) }
        let render = try repeated(opt.runs, "render per process") { _ in
            try proc([tui, "render", stack, "--z", "\(p.z)", "--c", "\(p.c)", "--width", "160", "--height", "48"],
                     stdout: (work as NSString).appendingPathComponent("render-auto.ansi"))
        }
        let grid = (s2d.first?.json?["grid"] as? String) ?? "?"
        var r1 = BenchRow(id: "", title: "first display slice of the stack's middle plane, 160×48-cell area, no store — in-process",
                          ours: "`DisplaySlicer.slice2D`, fresh LazyArray (\(grid))", oursStat: stat(s2d, inProcess: true), goal: "≤ 20 ms")
        r1.goalMet = r1.oursStat!.median <= 0.020
        r1.note = cpuNote(s2d, what: "CPU time of the slice")
        var r2 = BenchRow(id: "", title: "the same, whole pipeline (slice → contrast → composite → cells) — in-process",
                          ours: "`SlicePipeline` (\((pipe.first?.json?["grid"] as? String) ?? "?") cells)", oursStat: stat(pipe, inProcess: true), goal: "≤ 20 ms")
        r2.goalMet = r2.oursStat!.median <= 0.020
        r2.note = cpuNote(pipe, what: "CPU time of the pipeline")
        var r3 = BenchRow(id: "", title: "the same — per process (open, slice, render, print)", ours: "`omio-tui render`", oursStat: stat(render))
        if pythonReady {
            if let tf = tifffilePage {
                r1.other = "`tifffile.imread(f, key=\(p.key))` in-process (full plane, no downsampling; same runs as above)"
                r1.otherStat = stat(tf, inProcess: true)
                r1.ratio = BenchRow.speedRatio(ours: r1.oursStat!.median, other: r1.otherStat!.median)
            }
            let om = try repeated(opt.omioBigRuns, "OMIO imread(zarr_store=memory) + index") { _ in
                try py(["omio-memory", stack, "\(p.z)", "\(p.c)"])
            }
            r2.other = "OMIO `imread(f, zarr_store=\"memory\")` then `arr[0, \(p.z), \(p.c)]`, in-process"
            r2.otherStat = stat(om, inProcess: true)
            r2.ratio = BenchRow.speedRatio(ours: r2.oursStat!.median, other: r2.otherStat!.median)
            r3.other = "the same OMIO code, whole Python process"
            r3.otherStat = stat(om)
            r3.ratio = BenchRow.speedRatio(ours: r3.oursStat!.median, other: r3.otherStat!.median)
            if let tf = tifffilePage {
                r3.note = "tifffile's whole process for reading the plane alone (no downsampling or rendering): \(BenchStat.format(stat(tf).median, .seconds))"
            }
            notes.append("OMIO's memory mode copies the whole file into an in-memory Zarr store before any plane can be indexed: \(opt.omioBigRuns) run\(opt.omioBigRuns == 1 ? "" : "s") (about a minute each on this machine, so fewer than the other cases).")
        } else {
            r1.other = skipped("python")
            r2.other = skipped("python")
        }
        rows += [r1, r2, r3]
    }

    mutating func storeCases() throws {
        for (label, file, goalRatio) in [("0.5 GB movie", movie, true), ("1.1 GB stack", stack, false)] {
            let size = BenchHarness.fileSize(file)
            let cat = try repeated(5, "cat \(label)") { _ in try proc(["cat", file], stdout: "/dev/null") }
            var summary = ""
            let ours = try repeated(opt.buildRuns, "cache build \(label)") { _ in
                let dir = try BenchProcess.makeTempDir("omio-bench-store-")
                BenchProcess.sync()
                defer {
                    BenchProcess.sync()
                    BenchProcess.removeTree(dir)
                }
                let s = try proc([tui, "cache", "build", file, "--cache-dir", dir], stdout: "/dev/null")
                let store = (dir as NSString).appendingPathComponent((file as NSString).lastPathComponent + ".ome.zarr")
                guard FileManager.default.fileExists(atPath: (store as NSString).appendingPathComponent("zarr.json")) else {
                    throw BenchError("cache build left no store at \(store)")
                }
                summary = s.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                return s
            }
            let mb = Double(size) / 1e6
            let oursStat = stat(ours)
            var r = BenchRow(id: "", title: "full store build, \(label) (\(String(format: "%.0f", mb)) MB) — per process",
                             ours: "`omio-tui cache build` (\(String(format: "%.0f MB/s", mb / oursStat.median)))", oursStat: oursStat)
            if goalRatio {
                r.goal = "≥ 10× faster than OMIO disk mode"
            } else {
                r.goal = "peak RSS ≤ 100 MB"
                r.goalMet = Double(oursStat.peakRSSKiB ?? .max) * 1024 <= 100e6
            }
            r.note = (summary.isEmpty ? "" : summary.replacingOccurrences(of: "omio-tui: ", with: "") + "; ") + cpuNote(ours, what: "omio-tui's CPU time (user+sys, both cores)")
            if pythonReady {
                let omioRuns = goalRatio ? opt.omioRuns : opt.omioBigRuns
                let om = try repeated(omioRuns, "OMIO imread(zarr_store=disk) \(label)") { _ in
                    let parent = try BenchProcess.makeTempDir("omio-bench-omio-")
                    BenchProcess.sync()
                    defer {
                        BenchProcess.sync()
                        BenchProcess.removeTree(parent)
                    }
                    let s = try py(["omio-disk", file, parent])
                    guard FileManager.default.fileExists(atPath: (parent as NSString).appendingPathComponent(".omio_cache")) else {
                        throw BenchError("OMIO wrote no .omio_cache under \(parent)")
                    }
                    return s
                }
                let os = stat(om)
                r.other = "OMIO `imread(f, zarr_store=\"disk\")`, whole Python process (\(String(format: "%.0f MB/s", mb / os.median)))"
                r.otherStat = os
                r.ratio = BenchRow.speedRatio(ours: oursStat.median, other: os.median)
                r.note! += "; " + cpuNote(om, what: "OMIO's CPU time")
                if goalRatio { r.goalMet = os.median / oursStat.median >= 10 }
            } else {
                r.other = skipped("python")
                if goalRatio { r.goal += " (OMIO not run; see the raw read speed)" }
            }
            rows.append(r)
            let catRate = rate(cat, bytes: size)
            var rc = BenchRow(id: "", title: "  for scale: raw read of the same file, page cache warm",
                              ours: "store build", oursStat: rate(ours, bytes: size), other: "`cat file > /dev/null`", otherStat: catRate)
            rc.oursStat?.peakRSSKiB = nil
            rc.ratio = String(format: "build at %.0f%% of raw read speed", 100 * rc.oursStat!.median / catRate.median)
            rows.append(rc)
        }
        notes.append("Store builds use omio-tui's defaults (OME-Zarr 0.5 on Zarr v3, the default compressor, pyramid levels) into a fresh `--cache-dir` per run, removed afterwards; OMIO writes `.omio_cache/<stem>.zarr` under a fresh `zarr_store_path` per run, removed afterwards. Nothing is written into the data folder. Dirty pages are flushed (`sync`, untimed) before and after every build, so one build's writeback does not land in the next one's time; neither tool's time includes flushing its own store to disk. OMIO disk-mode runs: \(opt.omioRuns) for the movie, \(opt.omioBigRuns) for the stack (tens of seconds each, so fewer than the other cases).")
        notes.append("MB/s is the TIFF's size over the whole process time.")
    }

    mutating func stepCases() throws {
        let frames = 2000
        let render = try repeated(opt.stepRuns, "step 2000 frames, SlicePipeline in-process") { _ in
            try inproc(["step-render", "--file", movie, "--width", "160", "--height", "48"])
        }
        let fps = BenchStat(values: render.map { $0.number("fps") ?? .nan }, unit: .framesPerSecond, peakRSSKiB: render.map(\.rssKiB).max())
        let grid = (render.first?.json?["grid"] as? String) ?? "?"
        var rr = BenchRow(id: "", title: "step the movie's \(frames) frames through the renderer — in-process",
                          ours: "`SlicePipeline`, \(grid) sextant cells, truecolor", oursStat: fps)
        let perFrame = BenchStat(values: render.compactMap { $0.cpu.map { $0 / Double(frames) } }, unit: .seconds)
        rr.note = String(format: "CPU time per frame median %@ (%.0f frames/s if the process had a core to itself; the wall-clock rate above is what it got on the shared machine)",
                         BenchStat.format(perFrame.median, .seconds), 1 / perFrame.median)
        rows.append(rr)

        let flip = try repeated(1, "render --t 0:1999 per process") { _ in
            try proc([tui, "render", movie, "--t", "0:\(frames - 1)", "--width", "160", "--height", "48"], stdout: "/dev/null")
        }
        rows.append(BenchRow(id: "", title: "the same as a flipbook, `render --t 0:1999` to /dev/null — per process",
                             ours: "`omio-tui render`", oursStat: BenchStat(values: flip.map { Double(frames) / $0.wall }, unit: .framesPerSecond,
                                                                           peakRSSKiB: flip.map(\.rssKiB).max())))

        let tuiRuns = try repeated(opt.stepRuns, "hold } in the TUI model") { _ in try inproc(["step-tui", "--file", movie]) }
        let shown = BenchStat(values: tuiRuns.map { $0.number("fps") ?? .nan }, unit: .framesPerSecond, peakRSSKiB: tuiRuns.map(\.rssKiB).max())
        let keys = BenchStat(values: tuiRuns.map { $0.number("keys_per_second") ?? .nan }, unit: .framesPerSecond)
        let framesShown = tuiRuns.compactMap { $0.number("frames_shown") }.map { String(Int($0)) }.joined(separator: ", ")
        let tgrid = (tuiRuns.first?.json?["grid"] as? String) ?? "?"
        var r = BenchRow(id: "", title: "hold `}` through the movie in the TUI (AppModel + slice worker + drawing, 160×50 screen, headless)",
                         ours: "frames shown (preview \(tgrid) cells)", oursStat: shown, goal: "≥ 60 frames/s")
        r.goalMet = shown.median >= 60
        let cores = BenchStat(values: tuiRuns.compactMap { s in s.cpu.flatMap { c in s.inproc.map { c / $0 } } }, unit: .seconds)
        r.note = "keys taken: \(BenchStat.format(keys.median, .framesPerSecond).replacingOccurrences(of: "frames", with: "keys")); frames shown per run: \(framesShown) of \(frames) time points; "
            + String(format: "CPU used while stepping: %.2f cores on average (median; main loop and slice worker together, out of the machine's %d)", cores.median, ProcessInfo.processInfo.activeProcessorCount)
        rows.append(r)
        notes.append("Stepping: the renderer case renders every one of the 2000 frames in turn (fresh process, warm page cache). The TUI case runs the real AppModel, BackgroundServices slice worker and view code headlessly (OmioTUI/Benchmark): after the first frame it presses `}` once per main-loop turn, as fast as the loop turns, until T 2000/2000 is drawn; each turn applies finished slices and draws (panes and status on a text canvas, the preview as truecolor SGR text). The worker renders only the newest request, so frames shown is lower than keys taken; frames/s is frames shown over the time from the first `}` to the last frame drawn.")
    }

    mutating func qualityCases() throws {
        let p = midPlane
        let source = try ImageOpener.open(path: stack)
        let m = source.metadata(series: 0)
        let cells = OmioBenchmark.previewSize(m, width: 160, height: 48)
        let array = LazyArray(levels: SourceLevels(source: source, series: 0))
        let auto = try OmioBenchmark.renderFrame(array: array, metadata: m, t: 0, z: p.z, channels: [p.c], cols: cells.cols, rows: cells.rows)
        guard let limits = auto.limits[p.c] else { throw BenchError("no contrast limits for channel \(p.c)") }
        let plane = try source.readPlane(plane: PlaneIndex(t: 0, z: p.z, c: p.c))
        let gray = BenchQuality.gray8(plane.floats(), low: limits.low, high: limits.high)
        let png = (artifacts as NSString).appendingPathComponent("plane-z\(p.z)-c\(p.c).png")
        try BenchQuality.grayPNG(width: plane.width, height: plane.height, gray: gray).write(to: URL(fileURLWithPath: png))
        func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(format: "%.17g", v) }
        let contrast = "\(number(limits.low)):\(number(limits.high))"
        log("quality: plane Z \(p.z) C \(p.c), limits \(contrast), \(cells.cols)x\(cells.rows) cells, PNG \(png)")

        let oursANSI = (artifacts as NSString).appendingPathComponent("omio-tui.ansi")
        let ours = try repeated(opt.runs, "render (fixed limits) per process") { _ in
            try proc([tui, "render", stack, "--z", "\(p.z)", "--c", "\(p.c)", "--width", "160", "--height", "48",
                      "--symbols", "sextant", "--colors", "truecolor", "--contrast", contrast], stdout: oursANSI)
        }
        func measure(_ ansiPath: String, name: String) throws -> (psnr: Double, linear: Double, grid: CellGrid) {
            let text = try String(contentsOfFile: ansiPath, encoding: .utf8)
            let grid = try ANSIParser.parse(text)
            let raster = CellRasterizer.rasterize(grid, cellWidth: 8, cellHeight: 16)
            let reference = BenchQuality.areaAverage(gray, width: plane.width, height: plane.height, outW: raster.width, outH: raster.height)
            try PNGWriter.encode(width: raster.width, height: raster.height, rgb: raster.pixels)
                .write(to: URL(fileURLWithPath: (artifacts as NSString).appendingPathComponent("\(name)-cells.png")))
            try PNGWriter.encode(width: reference.width, height: reference.height, rgb: reference.pixels)
                .write(to: URL(fileURLWithPath: (artifacts as NSString).appendingPathComponent("\(name)-reference.png")))
            return (psnr(a: raster, b: reference), BenchQuality.linearPSNR(raster, gray: gray, width: plane.width, height: plane.height), grid)
        }
        let oursQ = try measure(oursANSI, name: "omio-tui")
        var q = BenchRow(id: "", title: "render quality: PSNR of the stack's middle plane at 160×48 cells, contrast \(contrast) for both, cells rasterized at 8×16 px",
                         ours: "`render --symbols sextant --colors truecolor` (\(oursQ.grid.cols)×\(oursQ.grid.rows) cells)",
                         oursStat: BenchStat(values: [oursQ.psnr], unit: .decibels), goal: "≥ chafa's")
        var t = BenchRow(id: "", title: "render time: that plane straight from the 1.1 GB TIFF vs chafa on a PNG of it — per process",
                         ours: "`omio-tui render`", oursStat: stat(ours), goal: "faster than chafa")
        if chafaReady {
            let chafaANSI = (artifacts as NSString).appendingPathComponent("chafa.ansi")
            let ch = try repeated(opt.runs, "chafa per process") { _ in
                try proc([chafa!, "--format", "symbols", "--colors", "full", "-s", "160x48", png], stdout: chafaANSI)
            }
            let chQ = try measure(chafaANSI, name: "chafa")
            q.other = "`chafa --format symbols --colors full -s 160x48` (default symbols; \(chQ.grid.cols)×\(chQ.grid.rows) cells)"
            q.otherStat = BenchStat(values: [chQ.psnr], unit: .decibels)
            let d = oursQ.psnr - chQ.psnr
            q.ratio = String(format: "%@%.2f dB (omio-tui %@)", d >= 0 ? "+" : "−", abs(d), d >= 0 ? "ahead" : "behind")
            q.goalMet = d >= 0
            let unknown = BenchQuality.unknownGlyphs(chQ.grid)
            let unknownOurs = BenchQuality.unknownGlyphs(oursQ.grid)
            q.note = String(format: "the same cells measured in linear light instead (reference area-averaged in linear light, peak 1): omio-tui %.2f dB, chafa %.2f dB. ", oursQ.linear, chQ.linear)
                + "Glyphs the rasterizer does not know (drawn as background): chafa \(unknown.values.reduce(0, +)) cells, omio-tui \(unknownOurs.values.reduce(0, +)) cells"
            if !unknown.isEmpty {
                notes.append("chafa used glyphs the rasterizer does not know: " + unknown.map { String(format: "U+%04X ×%d", $0.key.value, $0.value) }.joined(separator: ", "))
            }
            t.other = "`chafa` on the 1024×1024 8-bit gray PNG"
            t.otherStat = stat(ch)
            t.ratio = BenchRow.speedRatio(ours: t.oursStat!.median, other: t.otherStat!.median)
            t.goalMet = t.oursStat!.median < t.otherStat!.median
        } else {
            q.other = skipped("chafa")
            t.other = skipped("chafa")
        }
        rows += [q, t]
        notes.append("Render quality: the contrast limits are omio-tui's auto limits for that plane (Fiji's saturated 0.35%), passed to `render --contrast LO:HI`; chafa gets the plane mapped through the same limits as an 8-bit gray PNG (value = round(255·clamp((v−LO)/(HI−LO)))). Both outputs are parsed by ANSIParser and rasterized by CellRasterizer at 8×16 px per cell; the reference is that 8-bit plane area-averaged (exact box filter, in 8-bit sRGB code values, as the engine averages samples) to the same pixel grid. PSNR over R, G and B. The PNG, both ANSI outputs and their rasterizations are kept in \(artifacts).")
    }

    // MARK: report

    mutating func writeReport() throws {
        for i in rows.indices { rows[i].id = "\(i + 1)" }
        let elapsed = BenchProcess.monotonic() - started
        let loadAtEnd = BenchMachine.loadAverage()
        let git = BenchMachine.git()
        var total = String(format: "harness %.0f s (%.1f min)", elapsed, elapsed / 60)
        if let s = opt.startedAt {
            let all = Date().timeIntervalSince1970 - s
            total = String(format: "`make bench` %.0f s (%.1f min), of which the ", all, all / 60) + total
        }
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        var md = "# Benchmarks\n\n"
        md += "Written by `make bench` (`omio-devtool bench`, Sources/omio-devtool/Bench*.swift); rerun it rather than editing this file. "
        md += "omio-tui against OMIO 0.3.0 (`omio-microscopy`), tifffile and chafa on the seed-sized files of `make bench-data`: "
        md += "a calcium movie TYX 2000×355×350 uint16 (0.5 GB) and a structural stack ZCYX 260×2×1024×1024 uint16 (1.1 GB, 520 IFDs).\n\n"
        md += "## Machine and run\n\n"
        for line in BenchMachine.facts(dataFolder: opt.data) { md += "- \(line)\n" }
        md += "- load average (1, 5, 15 min) at start: \(loadAtStart); at end: \(loadAtEnd) (other work on the machine shares its \(ProcessInfo.processInfo.activeProcessorCount) cores)\n"
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let busiest = [loadAtStart, loadAtEnd].compactMap { $0.split(separator: ",").first.flatMap { Double($0) } }.max() ?? 0
        if busiest > Double(cores) {
            md += String(format: "- **the machine was busy**: a 1-minute load average up to %.1f on %d cores, from other work, so the single-threaded cases often waited for a core; their wall-clock times are upper bounds. The CPU times in the notes under the table show what the work itself cost.\n", busiest, cores)
        }
        md += "- date: \(iso.string(from: date))\n"
        md += "- commit: \(git)\n"
        md += "- tools: " + (["omio-tui (this commit, release build)"] + versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }).joined(separator: ", ") + "\n"
        if let r = pythonSkip { md += "- **Python cases not run**: \(r)\n" }
        if let r = chafaSkip { md += "- **chafa cases not run**: \(r)\n" }
        for s in opt.setupNotes { md += "- \(s)\n" }
        md += "- repetitions: \(opt.runs) for fast cases, \(opt.foreignRuns) for tifffile, \(opt.buildRuns) for omio-tui's store builds, \(opt.stepRuns) for the 2000-frame stepping (1 for the flipbook), \(opt.omioRuns) for OMIO's disk mode on the movie and \(opt.omioBigRuns) for OMIO on the 1.1 GB stack (tens of seconds to a minute or more each)\n"
        md += "- total run time: \(total)\n\n"
        md += "## Results\n\n"
        md += "Median [min–max] over the repetitions; peak RSS is the largest over them. \"Per process\" times run from spawn to exit of a fresh process (peak RSS from wait4); \"in-process\" times cover the work alone, measured inside a fresh process per repetition (peak RSS of that process from getrusage). Ratios are as measured, whichever way they fall.\n\n"
        md += BenchMarkdown.table(rows)
        let withNotes = rows.filter { $0.note != nil }
        if !withNotes.isEmpty {
            md += "\n"
            for r in withNotes { md += "- row \(r.id): \(r.note!)\n" }
        }
        let missed = rows.filter { $0.goalMet == false }
        md += "\n## Goals\n\n"
        if missed.isEmpty && failures.isEmpty {
            md += "Every goal with a number was met in this run.\n"
        } else {
            for r in missed { md += "- **not met**, row \(r.id) (\(r.title)): \(r.goal); measured \(r.oursStat.map { r.goal.contains("RSS") ? $0.rssText : BenchStat.format($0.median, $0.unit) } ?? "?")\n" }
            for f in failures { md += "- **failed**: \(f)\n" }
        }
        md += "\n## Method\n\n"
        md += "- The page cache is warmed first (`cat` of both files), so the cases measure the programs, not the disk; the raw read rows give the machine's warm read speed for scale.\n"
        md += "- Middle plane of the stack: Z 130, C 0 (tifffile key 260: ImageJ stores C fastest). \"160×48 cells\" is the area the image is fitted into, as `omio-tui render --width 160 --height 48` does: true to the pixel size with cells about twice as tall as wide, which gives 96×48 cells for the square stack plane and 95×48 for the movie. The sextant renderer asks the engine for 2×24 px per cell.\n"
        md += "- First display slice: a fresh process opens the file (headers only; not timed here, see the open rows), then times `DisplaySlicer.slice2D` (or the whole `SlicePipeline`) through a new LazyArray, so no chunk is cached; there is no store.\n"
        md += "- tifffile runs in a fresh Python process per repetition: whole-process time includes starting Python and importing numpy and tifffile; the in-process time starts after the imports. OMIO likewise.\n"
        for n in notes { md += "- \(n)\n" }
        md += "\n## How to rerun\n\n"
        md += "```sh\nmake bench                     # builds (release, .build-bench), makes bench-data if missing, sets up .venv-bench and chafa, runs, writes BENCHMARKS.md\n"
        md += "make bench BENCH_ARGS=\"--runs 5 --omio-runs 1\"   # fewer repetitions\n"
        md += ".build-bench/release/omio-devtool bench --help   # the harness alone\n```\n\n"
        md += "Without Python 3.12 or network access the OMIO and tifffile cases are skipped with the reason printed (and stated above); without chafa, the chafa cases. No benchmark runs in `make test`.\n"
        try md.write(toFile: opt.output, atomically: true, encoding: .utf8)
        log("wrote \(opt.output); \(total)")
        print(BenchMarkdown.table(rows))
        if !missed.isEmpty { print("goals not met: " + missed.map { "row \($0.id)" }.joined(separator: ", ")) }
        fflush(stdout)
    }
}

/// Facts about the machine for the report.
enum BenchMachine {
    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    static func loadAverage() -> String {
        read("/proc/loadavg").split(separator: " ").prefix(3).joined(separator: ", ")
    }

    static func facts(dataFolder: String) -> [String] {
        let cpu = read("/proc/cpuinfo").split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let memKiB = read("/proc/meminfo").split(separator: "\n").first { $0.hasPrefix("MemTotal") }
            .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Double($0) } } ?? 0
        var u = utsname()
        uname(&u)
        let kernel = withUnsafeBytes(of: &u.release) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        var fs = statvfs()
        let free = statvfs(dataFolder, &fs) == 0 ? Double(fs.f_bavail) * Double(fs.f_frsize) / 1e9 : .nan
        let total = statvfs(dataFolder, &fs) == 0 ? Double(fs.f_blocks) * Double(fs.f_frsize) / 1e9 : .nan
        let os = read("/etc/os-release").split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { $0.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "Linux"
        return [
            "CPU: \(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores",
            String(format: "memory: %.1f GB", memKiB * 1024 / 1e9),
            "OS: \(os), kernel \(kernel)",
            String(format: "disk: %.0f GB free of %.0f GB on the filesystem of %@", free, total, dataFolder),
        ]
    }

    static func git() -> String {
        guard let head = BenchProcess.output(["git", "rev-parse", "--short", "HEAD"]) else { return "unknown (not a git checkout)" }
        let status = BenchProcess.output(["git", "status", "--porcelain"]) ?? ""
        let lines = status.split(separator: "\n")
        let modified = lines.filter { !$0.hasPrefix("??") }.count
        let untracked = lines.filter { $0.hasPrefix("??") }.count
        if modified == 0 && untracked == 0 { return "\(head) (clean tree)" }
        return "\(head) (dirty: \(modified) tracked files modified, \(untracked) untracked)"
    }
}
