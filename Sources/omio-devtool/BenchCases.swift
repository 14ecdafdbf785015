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

/// The timing cases of `bench`: open, plane reads, first display slice, store builds, stepping.
extension BenchHarness {
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
        notes.append("Stepping: the renderer case renders every one of the 2000 frames in turn (fresh process, warm page cache). The TUI case runs the real AppModel, BackgroundServices slice worker and view code headlessly (MainLoop, the loop turn TUIApp runs, driven by omio-devtool's BenchHoldKey): after the first frame it presses `}` once per main-loop turn, as fast as the loop turns, until T 2000/2000 is drawn; each turn applies finished slices and draws (panes and status on a text canvas, the preview as truecolor SGR text). The worker renders only the newest request, so frames shown is lower than keys taken; frames/s is frames shown over the time from the first `}` to the last frame drawn.")
    }
}
