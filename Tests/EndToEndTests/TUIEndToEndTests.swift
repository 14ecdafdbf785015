import Foundation
import OmioFixtures
import Testing

/// The real binary in a 160x50 tmux window: browse, open, read PhysicalSizeZ, step Z, help,
/// quit, and the terminal comes back.
@Suite(.serialized)
struct TUIEndToEndTests {
    @Test func browseOpenStepHelpQuit() throws {
        let tmux = try TmuxSession(command: BinaryRunner.binary, in: TestPaths.exampleData)
        var s = tmux.wait(for: "[IJ] Z8 128×128 uint16")
        #expect(s.contains("[IJ] Z8 128×128 uint16"), "\(s)")
        // Go to the wrong-spacing stack (last entry) and open it.
        try tmux.send("End", "Enter")
        s = tmux.wait(for: "PhysicalSizeZ")
        #expect(s.contains("PhysicalSizeZ  1.85e-05 µm  ! implausible"), "\(s)")
        s = tmux.wait(for: "Z 5/8")
        #expect(s.contains("T 1/1  Z 5/8  C 1/1"))
        try tmux.send("]")
        s = tmux.wait(for: "Z 6/8")
        #expect(s.contains("Z 6/8"))
        try tmux.send("[", "[")
        #expect(tmux.wait(for: "Z 4/8").contains("Z 4/8"))
        // 128 px of 0.3 µm: the round length near a quarter of the width is 5 µm.
        #expect(s.contains(#/▀+ 5 µm/#), "scale bar: \(s)")
        try tmux.send("?")
        s = tmux.wait(for: "omio-tui keys")
        #expect(s.contains("next / previous Z"))
        try tmux.send("Escape")
        try tmux.send("q")
        s = tmux.wait(for: "[exit 0]")
        #expect(s.contains("[exit 0]"), "\(s)")
        #expect(!s.contains("omio-tui keys"), "the alternate screen is gone after quitting")
    }

    /// The seed case end to end: see the warning, correct it in the TUI, quit, reopen.
    @Test func correctTheWrongSpacing() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/wrong_spacing_Z8.tif", toPath: dir + "/stack.tif")
        let original = FileManager.default.contents(atPath: dir + "/stack.tif")
        var tmux = try TmuxSession(command: BinaryRunner.binary + " stack.tif", in: dir)
        var s = tmux.wait(for: "implausible")
        #expect(s.contains("PhysicalSizeZ  1.85e-05 µm  ! implausible"), "\(s)")
        try tmux.type(":set PhysicalSizeZ=5")
        try tmux.send("Enter")
        s = tmux.wait(for: "PhysicalSizeZ  5 µm")
        #expect(s.contains("PhysicalSizeZ  5 µm ✎"), "\(s)")
        try tmux.send("q")
        #expect(tmux.wait(for: "[exit 0]").contains("[exit 0]"))
        tmux = try TmuxSession(command: BinaryRunner.binary + " stack.tif", in: dir)
        s = tmux.wait(for: "PhysicalSizeZ  5 µm")
        #expect(s.contains("PhysicalSizeZ  5 µm ✎"), "\(s)")
        #expect(!s.contains("implausible"))
        try tmux.send("q")
        _ = tmux.wait(for: "[exit 0]")
        #expect(FileManager.default.contents(atPath: dir + "/stack.tif") == original, "the original's bytes are unchanged")
        #expect(FileManager.default.fileExists(atPath: dir + "/stack.tif.omio.json"))
    }

    /// Two files with stores, `p`, both listed with sizes, `A`, `y`: the .omio_cache folder is
    /// gone, the sidecars and sources remain.
    @Test func purgeMenuFullCleanup() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["rgb.tif", "multipage_T5.tif"] {
            try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/" + name, toPath: dir + "/" + name)
            #expect(try BinaryRunner.run(["cache", "build", dir + "/" + name]).status == 0)
        }
        #expect(try BinaryRunner.run(["set", dir + "/rgb.tif", "PhysicalSizeX=0.5"]).status == 0)
        let tmux = try TmuxSession(command: BinaryRunner.binary, in: dir)
        _ = tmux.wait(for: "rgb.tif")
        try tmux.send("p")
        var s = tmux.wait(for: "multipage_T5.tif → multipage_T5.tif.ome.zarr")
        #expect(s.contains("rgb.tif → rgb.tif.ome.zarr"), "\(s)")
        #expect(s.contains(" KB ") || s.contains(" MB "), "sizes are shown")
        try tmux.send("A")
        s = tmux.wait(for: "y / n")
        #expect(s.contains("full cleanup"))
        try tmux.send("y")
        s = tmux.wait(for: "no caches here")
        #expect(s.contains("removed"), "\(s)")
        try tmux.send("Escape", "q")
        _ = tmux.wait(for: "[exit 0]")
        #expect(!FileManager.default.fileExists(atPath: dir + "/.omio_cache"))
        #expect(FileManager.default.fileExists(atPath: dir + "/rgb.tif.omio.json"))
        #expect(FileManager.default.fileExists(atPath: dir + "/rgb.tif") && FileManager.default.fileExists(atPath: dir + "/multipage_T5.tif"))
    }

    @Test func badPathIsOneLineAndExitOne() throws {
        let r = try BinaryRunner.run(["/no/such/folder"])
        #expect(r.status == 1)
        #expect(r.stderr == "omio-tui: error: /no/such/folder: no such file or directory\n")
    }
}
