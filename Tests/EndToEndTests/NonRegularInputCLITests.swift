import Foundation
import OmioFixtures
import Testing

/// An input that is not a regular file is refused at once, one line and exit 1: a FIFO would
/// block the open until a writer came, a character device could feed bytes forever.
@Suite(.serialized)
struct NonRegularInputCLITests {
    static let commands: [[String]] = [
        ["info", "IN"],
        ["render", "IN"],
        ["slice", "IN", "--t", "0", "-o", "out.npy"],
        ["set", "IN", "PhysicalSizeZ=2"],
    ]

    @Test(arguments: 0..<commands.count)
    func fifoIsRefusedWithoutBlocking(_ index: Int) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #require(mkfifo(dir + "/ff", 0o600) == 0)
        let r = try BinaryRunner.run(Self.commands[index].map { $0 == "IN" ? "ff" : $0 }, timeout: 10, cwd: dir)
        #expect(!r.timedOut, "blocked on the FIFO")
        #expect(r.status == 1 && r.stderrLines == ["omio-tui: error: ff: not a regular file (a FIFO)"], "\(r.status) \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.npy") && !FileManager.default.fileExists(atPath: dir + "/ff.omio.json"))
    }

    @Test(arguments: 0..<commands.count)
    func characterDeviceIsRefused(_ index: Int) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try BinaryRunner.run(Self.commands[index].map { $0 == "IN" ? "/dev/zero" : $0 }, timeout: 10, cwd: dir)
        #expect(!r.timedOut)
        #expect(r.status == 1 && r.stderrLines == ["omio-tui: error: /dev/zero: not a regular file (a character device)"], "\(r.status) \(r.stderr)")
    }

    /// `cache list` reads the head of a launcher or log outside a .omio_cache to see whether it
    /// is ours: a FIFO with such a name is not, and must not block the listing.
    @Test func cacheListPassesAFIFONamedLikeALog() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #require(mkfifo(dir + "/a.tif.napari.log", 0o600) == 0)
        let r = try BinaryRunner.run(["cache", "list", dir, "--json"], timeout: 10)
        #expect(!r.timedOut, "blocked on the FIFO")
        #expect(r.status == 0 && r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(r.stdout) \(r.stderr)")
    }
}
