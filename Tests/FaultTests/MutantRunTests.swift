import Foundation
import Testing

/// A bounded slice of `make mutate` (Fuzz/mutate.py) through info, slice, render and cache
/// build: first the sweep (each sizing tag of each example file set to 2^24 and 2^32-1: the
/// 2^24-wide tiled file took the old store builder past 2 GB), then seeded random mutants
/// (truncations, byte flips, extreme tags). Fails on a death by signal or trap, a hang, or
/// more than 300 MB peak RSS (a run is killed at 400 MB so a regression fails fast). The
/// driver stops starting new inputs after `budget` seconds, so a slow machine runs a shorter,
/// still deterministic prefix; too short a prefix fails.
@Suite("Mutant run")
struct MutantRunTests {
    static let executions = 1500
    static let budget = 80
    static let minimum = 400

    @Test("seeded mutants of example_data: no signal, no hang, no RSS over 300 MB")
    func boundedMutantRun() throws {
        let out = FaultPaths.tempDir("mutants")
        defer { FaultPaths.remove(out) }
        let run = try Run.program("/usr/bin/env", [
            "python3", FaultPaths.repoRoot + "/Fuzz/mutate.py", "--bin", FaultPaths.binary,
            "--executions", "\(Self.executions)", "--seed", "13", "--max-seconds", "\(Self.budget)",
            "--timeout", "20", "--rss-kill-mb", "400", "--sweep", "--out", out + "/findings", "--tmp", out, "--check", "--quiet",
            FaultPaths.exampleData,
        ], timeout: TimeInterval(Self.budget + 120))
        #expect(run.status == 0, "mutant run failed:\n\(run.stdout)\(run.stderr)")
        let ran = run.stdout.split(separator: "\n").filter { $0.hasPrefix("mutants: ") || $0.hasPrefix("sweep: ") }
            .compactMap { Int($0.split(separator: " ")[1]) }.reduce(0, +)
        #expect(ran >= Self.minimum, "only \(ran) executions in \(Self.budget) s:\n\(run.stdout)")
    }
}
