import Foundation
import OmioFixtures
import Testing
@testable import OmioTUI

/// A correction typed just before `q` reaches the sidecar: saves run on a background queue,
/// and leaving the main loop must not drop one that was asked for but not started (`q` in the
/// same batch of keys as the Enter that applied it) or not finished.
struct QuitSavesTests {
    @Test func aCorrectionTypedJustBeforeQuitIsSaved() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/stack.tif"
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/wrong_spacing_Z8.tif", toPath: file)
        let loop = MainLoop(path: file, rows: 50, cols: 160)
        let deadline = Date().addingTimeInterval(30)
        while loop.view == nil, Date() < deadline {
            loop.turn()
            Thread.sleep(forTimeInterval: 0.01)
        }
        try #require(loop.view != nil, "the file opened")
        // One batch of keys, as a fast typist or a paste sends them: no loop turn in between.
        for c in ":set PhysicalSizeZ=5" { loop.press(c) }
        loop.model.handle(.enter)
        loop.press("q")
        #expect(loop.model.quit)
        loop.finishSaves()
        let sidecar = dir + "/stack.tif.omio.json"
        #expect(FileManager.default.fileExists(atPath: sidecar))
        let text = (try? String(contentsOfFile: sidecar, encoding: .utf8)) ?? ""
        #expect(text.contains("PhysicalSizeZ"))
    }
}
