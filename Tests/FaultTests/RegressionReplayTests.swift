import Foundation
import Testing

/// Every input the fuzzers found (Tests/FaultTests/Regressions/<target>/) replayed through the
/// same harness the fuzz target runs, in this process: a regression crashes the test run.
/// The whole-file inputs of the `tiff` target also go through the binary's commands.
@Suite("Fuzz regressions")
struct RegressionReplayTests {
    static func inputs(_ target: FuzzTarget) -> [String] {
        let dir = FaultPaths.regressions + "/" + target.rawValue
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
    }

    @Test("each regression input replays through its harness", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        for path in Self.inputs(target) {
            let data = try #require(FileManager.default.contents(atPath: path), "cannot read \(path)")
            FuzzHarness.run(target, [UInt8](data))
        }
    }

    @Test("whole-file regressions through info, slice, render and cache build")
    func wholeFiles() throws {
        for input in Self.inputs(.tiff) {
            let dir = FaultPaths.tempDir("regression")
            defer { FaultPaths.remove(dir) }
            let path = dir + "/" + (input as NSString).lastPathComponent + ".tif"
            try FileManager.default.copyItem(atPath: input, toPath: path)
            try CorruptCopyTests.checkAllCommands(path: path, dir: dir)
        }
    }
}
