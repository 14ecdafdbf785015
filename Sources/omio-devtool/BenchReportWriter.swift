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

/// BENCHMARKS.md from the rows and notes a run collected.
extension BenchHarness {
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
