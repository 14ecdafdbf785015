import Foundation
import Testing

/// Every input the fuzzers found (Tests/FaultTests/Regressions/<target>/) replayed through the
/// same harness the fuzz target runs, in this process: a regression crashes the test run.
/// The whole-file inputs of the `tiff` target also go through the binary's commands.
@Suite("Fuzz regressions")
struct RegressionReplayTests {
    /// A target without a folder has no regressions yet; any other failure to list is an error
    /// (a wrong path must not replay nothing and pass).
    static func inputs(_ target: FuzzTarget) throws -> [String] {
        let dir = FaultPaths.regressions + "/" + target.rawValue
        guard FileManager.default.fileExists(atPath: dir) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
    }

    /// The folders are where the replay looks: each is named after a fuzz target (a renamed
    /// target would leave its folder unread), and they hold inputs.
    @Test func regressionFoldersAreFound() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: FaultPaths.regressions).filter { !$0.hasPrefix(".") }
        #expect(!folders.isEmpty, "\(FaultPaths.regressions)")
        for name in folders { #expect(FuzzTarget(rawValue: name) != nil, "Regressions/\(name) is no fuzz target's folder") }
        #expect(try FuzzTarget.allCases.flatMap(Self.inputs).count >= folders.count)
    }

    @Test("each regression input replays through its harness", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        for path in try Self.inputs(target) {
            let data = try #require(FileManager.default.contents(atPath: path), "cannot read \(path)")
            FuzzHarness.run(target, [UInt8](data))
        }
    }

    @Test("whole-file regressions through info, slice, render and cache build")
    func wholeFiles() throws {
        for input in try Self.inputs(.tiff) {
            let dir = FaultPaths.tempDir("regression")
            defer { FaultPaths.remove(dir) }
            let path = dir + "/" + (input as NSString).lastPathComponent + ".tif"
            try FileManager.default.copyItem(atPath: input, toPath: path)
            try CorruptCopyTests.checkAllCommands(path: path, dir: dir)
        }
    }
}
