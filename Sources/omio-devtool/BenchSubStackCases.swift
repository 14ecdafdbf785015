import Foundation

/// Sub-stacks to .npy (issue 20): the seed's `image_lazy[0, 0:10, 0:100, 0:100]` grown to
/// bench size, against OMIO (disk store, then index) and tifffile (`imread` then index;
/// `aszarr` + zarr indexing).
extension BenchHarness {
    /// One extraction: our arguments, the same selection for tifffile's own axes and for
    /// OMIO's TZCYX, and the output's shape.
    struct SubStackCase {
        let title: String
        let file: String
        let ours: [String]
        let tifffile: String
        let omio: String
        let elements: Int
    }

    mutating func subStackCases() throws {
        let cases = [
            SubStackCase(title: "frames 0–999 of a 100×100 window of the 0.5 GB movie to .npy (1000×100×100 uint16, 20 MB)",
                         file: movie, ours: ["--t", "0:1000", "--y", "0:100", "--x", "0:100"],
                         tifffile: "0:1000, 0:100, 0:100", omio: "0:1000, 0, 0, 0:100, 0:100", elements: 1000 * 100 * 100),
            SubStackCase(title: "one channel (C 1, all 260 Z) of the 1.1 GB stack to .npy (260×1024×1024 uint16, 545 MB)",
                         file: stack, ours: ["--z", ":", "--c", "1"],
                         tifffile: ":, 1", omio: "0, :, 1", elements: 260 * 1024 * 1024),
        ]
        for k in cases {
            let oursNPY = (work as NSString).appendingPathComponent("substack-ours.npy")
            let ours = try repeated(opt.runs, "slice \(k.ours.joined(separator: " "))") { _ in
                defer { BenchProcess.sync() } // the output's writeback stays out of the next run
                return try proc([tui, "slice", k.file] + k.ours + ["-o", oursNPY])
            }
            var r = BenchRow(id: "", title: k.title + " — per process",
                             ours: "`omio-tui slice \((k.file as NSString).lastPathComponent) \(k.ours.joined(separator: " ")) -o out.npy`",
                             oursStat: stat(ours), goal: "ahead of OMIO and tifffile `imread`; peak RSS not growing with the output")
            r.note = cpuNote(ours, what: "omio-tui's CPU time")
            guard pythonReady else {
                r.other = skipped("python")
                rows.append(r)
                continue
            }
            let tfNPY = (work as NSString).appendingPathComponent("substack-tifffile.npy")
            let tf = try repeated(opt.foreignRuns, "tifffile imread[\(k.tifffile)]") { _ in
                try py(["tifffile-substack", k.file, k.tifffile, tfNPY])
            }
            let tz = try repeated(opt.foreignRuns, "tifffile aszarr[\(k.tifffile)]") { _ in
                try py(["tifffile-zarr-substack", k.file, k.tifffile, (work as NSString).appendingPathComponent("substack-zarr.npy")])
            }
            let om = try repeated(k.file == stack ? opt.omioBigRuns : opt.omioRuns, "OMIO disk[\(k.omio)]") { _ in
                let parent = try BenchProcess.makeTempDir("omio-bench-omio-")
                defer {
                    BenchProcess.sync()
                    BenchProcess.removeTree(parent)
                }
                return try py(["omio-substack", k.file, parent, k.omio, (work as NSString).appendingPathComponent("substack-omio.npy")])
            }
            let tfs = stat(tf), tzs = stat(tz), oms = stat(om)
            r.other = "OMIO `imread(f, zarr_store=\"disk\")[\(k.omio)]` + `np.save`, whole process"
            r.otherStat = oms
            r.ratio = BenchRow.speedRatio(ours: r.oursStat!.median, other: oms.median)
            r.goalMet = r.oursStat!.median < oms.median && r.oursStat!.median < tfs.median
            let same = BenchHarness.sameSamples(oursNPY, tfNPY, bytes: k.elements * 2)
            r.note! += "; " + (same ? "pixels identical to tifffile's" : "PIXELS DIFFER from tifffile's")
            if !same { notes.append("`omio-tui slice \(k.ours.joined(separator: " "))` and tifffile disagree.") }
            var rt = BenchRow(id: "", title: "  the same with tifffile", ours: "`omio-tui slice`", oursStat: stat(ours),
                              other: "`tifffile.imread(f)[\(k.tifffile)]` + `np.save`, whole process", otherStat: tfs)
            rt.ratio = BenchRow.speedRatio(ours: r.oursStat!.median, other: tfs.median)
            var rz = BenchRow(id: "", title: "  the same with tifffile's zarr view", ours: "`omio-tui slice`", oursStat: stat(ours),
                              other: "`zarr.open(tifffile.imread(f, aszarr=True))[\(k.tifffile)]` + `np.save`, whole process", otherStat: tzs)
            rz.ratio = BenchRow.speedRatio(ours: r.oursStat!.median, other: tzs.median)
            rows += [r, rt, rz]
        }
        notes.append("Sub-stack rows: each tool writes the same array as .npy into the bench's work folder (outputs are compared with tifffile's); dirty pages are flushed (`sync`, untimed) after each omio-tui run. OMIO must first copy the whole file into its disk store before it can index it (\(opt.omioRuns) runs for the movie, \(opt.omioBigRuns) for the stack, a fresh store folder each).")
    }

    /// The samples behind two .npy headers are the same (both files end with `bytes` of data).
    static func sameSamples(_ a: String, _ b: String, bytes: Int) -> Bool {
        guard let x = try? Data(contentsOf: URL(fileURLWithPath: a), options: .alwaysMapped),
              let y = try? Data(contentsOf: URL(fileURLWithPath: b), options: .alwaysMapped),
              x.count >= bytes, y.count >= bytes else { return false }
        return x.suffix(bytes) == y.suffix(bytes)
    }
}
