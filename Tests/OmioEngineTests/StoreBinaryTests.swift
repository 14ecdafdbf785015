import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// The real `omio-tui cache` binary: a build killed with SIGKILL half way, and a build as an
/// unprivileged user in a folder it cannot write.
@Suite(.enabled(if: StoreTestSupport.binary != nil, "no omio-tui binary (set OMIO_TUI_BIN or build it)"))
struct StoreBinaryTests {
    /// 400 planes of 512x512 uint16 noise (210 MB): gzip makes the build last seconds.
    static func writeNoise(_ path: String, planes: Int) throws {
        var w = ImageJTIFFWriter(shape: Shape(t: planes, z: 1, c: 1, y: 512, x: 512), dtype: .uint16)
        w.pixelSize = 0.5
        var rng = SplitMix64(seed: 42)
        var plane = [UInt64](repeating: 0, count: 512 * 512 / 4)
        try w.write(to: path) { _ in
            for i in plane.indices { plane[i] = rng.next() }
            return plane.withUnsafeBytes { Array($0) }
        }
    }

    @Test func killedBuildIsNeverComplete() throws {
        let bin = try #require(StoreTestSupport.binary)
        let folder = try StoreTestSupport.scratch("kill")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = (folder as NSString).appendingPathComponent("noise.tif")
        let planes = 400
        try StoreBinaryTests.writeNoise(path, planes: planes)
        let location = try StoreLocation.resolve(source: path)

        let build = Process()
        build.executableURL = URL(fileURLWithPath: bin)
        build.arguments = ["cache", "build", path, "--compression", "gzip"]
        build.standardOutput = FileHandle.nullDevice
        build.standardError = FileHandle.nullDevice
        try build.run()
        // Wait until about half the level-0 chunks are written, then SIGKILL.
        let chunks = location.partialPath + "/0"
        let deadline = Date().addingTimeInterval(120)
        var written = 0
        while build.isRunning, Date() < deadline {
            written = ((try? FileManager.default.contentsOfDirectory(atPath: chunks)) ?? []).count
            if written >= planes / 2 { break }
            usleep(5_000)
        }
        #expect(build.isRunning, "the build ended before it could be killed (\(written) chunks seen)")
        kill(build.processIdentifier, SIGKILL)
        build.waitUntilExit()
        #expect(build.terminationReason == .uncaughtSignal)
        #expect(written < planes)

        // Not complete, in the listing nor for the reader; the final name does not exist.
        let (status, listing, _) = try StoreTestSupport.run(bin, ["cache", "list", folder, "--json"])
        #expect(status == 0)
        let entries = try JSONValue.parse(Data(listing.utf8)).arrayValue ?? []
        #expect(!entries.isEmpty)
        #expect(entries.allSatisfy { $0["state"] != .string("complete") })
        #expect(entries.contains { $0["state"] == .string("partial") && $0["building"] == .bool(false) })
        #expect(!FileManager.default.fileExists(atPath: location.storePath))
        #expect(throws: OmioError.self) { try StoreReader(path: location.partialPath) }

        // The next build completes a correct store and clears the partial one.
        let (again, out, err) = try StoreTestSupport.run(bin, ["cache", "build", path, "--compression", "gzip"])
        #expect(again == 0, "\(err)")
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == location.storePath)
        #expect(!FileManager.default.fileExists(atPath: location.partialPath))
        try StoreTestSupport.expectEqualPlanes(StoreReader(path: location.storePath), ImageOpener.open(path: path))
        let relisted = try JSONValue.parse(Data(StoreTestSupport.run(bin, ["cache", "list", folder, "--json"]).1.utf8)).arrayValue ?? []
        #expect(relisted.compactMap { $0["state"]?.stringValue } == ["complete"])
    }

    /// Root ignores permission bits, so the read-only case runs as `nobody` through setpriv.
    static let canDropPrivileges: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), let bin = StoreTestSupport.binary,
              let (status, _, _) = try? StoreTestSupport.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", bin, "--version"])
        else { return false }
        return status == 0
    }()

    @Test(.enabled(if: StoreBinaryTests.canDropPrivileges, "needs root, setpriv and a binary nobody can run"))
    func readOnlyFolderAsNobody() throws {
        let bin = try #require(StoreTestSupport.binary)
        let folder = try StoreTestSupport.scratch("readonly")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = folder + "/data", home = folder + "/home"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        chmod(folder, 0o755)
        chmod(data, 0o755) // owned by root: nobody may read, not write
        chown(home, 65534, 65534)
        let file = data + "/rgb.tif"
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath("rgb.tif"), toPath: file)
        chmod(file, 0o644)
        // A copy of the binary nobody can reach: the checkout may sit below a folder only root
        // can enter (a clone in a mktemp -d folder is 0700).
        let runnable = folder + "/omio-tui"
        try FileManager.default.copyItem(atPath: bin, toPath: runnable)
        chmod(runnable, 0o755)
        let (status, out, err) = try StoreTestSupport.run("/usr/bin/setpriv", [
            "--reuid=65534", "--regid=65534", "--clear-groups",
            "/usr/bin/env", "-i", "HOME=\(home)", "XDG_CACHE_HOME=\(home)/xdg", runnable, "cache", "build", file,
        ])
        #expect(status == 0, "\(err)")
        let store = out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(store.hasPrefix(home + "/xdg/omio-tui/rgb.tif."))
        #expect(err.contains("\(data) is not writable"))
        #expect(!FileManager.default.fileExists(atPath: data + "/.omio_cache"))
        try StoreTestSupport.expectEqualPlanes(StoreReader(path: store), ImageOpener.open(path: file))
    }
}
