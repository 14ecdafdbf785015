import Foundation
import Testing

/// A bounded slice of `make mutate` (Fuzz/mutate.py): seeded mutants of example_data
/// (truncations, byte flips, TIFF sizing tags set to extremes) through info, slice, render and
/// cache build. Fails on a death by signal or trap, a hang, or more than 300 MB peak RSS.
/// The driver stops starting new mutants after `budget` seconds, so a slow machine runs a
/// shorter (still deterministic) prefix of the same sequence; too short a prefix fails.
@Suite("Mutant run")
struct MutantRunTests {
    static let executions = 1500
    static let budget = 80
    static let minimum = 300

    @Test("seeded mutants of example_data: no signal, no hang, no RSS over 300 MB")
    func boundedMutantRun() throws {
        let out = FaultPaths.tempDir("mutants")
        defer { FaultPaths.remove(out) }
        let run = try Run.program("/usr/bin/env", [
            "python3", FaultPaths.repoRoot + "/Fuzz/mutate.py", "--bin", FaultPaths.binary,
            "--executions", "\(Self.executions)", "--seed", "13", "--max-seconds", "\(Self.budget)",
            "--timeout", "20", "--out", out + "/findings", "--tmp", out, "--check", "--quiet",
            FaultPaths.exampleData,
        ], timeout: TimeInterval(Self.budget + 120))
        #expect(run.status == 0, "mutant run failed:\n\(run.stdout)\(run.stderr)")
        let ran = run.stdout.split(separator: "\n").first { $0.hasPrefix("mutants: ") }
            .flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        #expect(ran >= Self.minimum, "only \(ran) executions in \(Self.budget) s:\n\(run.stdout)")
    }
}
