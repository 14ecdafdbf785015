import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// File names and metadata strings with terminal controls in them (ESC[2J clears the screen,
/// ESC]0;...BEL retitles the window, a newline splits a line): human output shows them
/// escaped (`\x1b`, `\x07`, `\n`), never raw.
@Suite(.serialized)
struct ControlCharacterCLITests {
    static let hostileName = "a\u{1B}[2J\u{07}b\nc\r\u{9B}31m.tif"
    static let escapedName = "a\\x1b[2J\\x07b\\nc\\r\\x9b31m.tif"

    /// Any control character a terminal acts on: C0 but nothing (output has its own
    /// newlines, checked per line), DEL, C1.
    static func rawControls(_ line: Substring) -> [UInt32] {
        line.unicodeScalars.filter { TerminalSafeText.isControl($0) }.map(\.value)
    }

    static func expectNoRawControls(_ text: String, _ what: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            #expect(rawControls(line).isEmpty, "\(what): raw controls in \(line.debugDescription)")
        }
    }

    /// A plain 8x8 TIFF whose Description and Software carry controls.
    static func writeHostileTIFF(_ path: String) throws {
        try AtomicFile.write(to: path) { fd in
            let w = try TIFFWriter(fd: fd)
            var spec = TIFFPageSpec(width: 8, height: 8, dtype: .uint8)
            spec.tags.append((TIFFTag.imageDescription, .ascii("desc\u{1B}]0;pwned\u{07}end\r\nnext")))
            spec.tags.append((TIFFTag.software, .ascii("sw\u{1B}[31mred\u{7F}")))
            try w.addPage(spec, pixels: [UInt8](repeating: 7, count: 64))
        }
    }

    @Test func infoShowsControlsInNamesAndTagsEscaped() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/" + Self.hostileName
        try Self.writeHostileTIFF(path)
        let r = try BinaryRunner.run(["info", path])
        #expect(r.status == 0, "\(r.stderr)")
        Self.expectNoRawControls(r.stdout, "info")
        #expect(r.stdout.hasPrefix(dir + "/" + Self.escapedName), "\(r.stdout)")
        #expect(r.stdout.contains("desc\\x1b]0;pwned\\x07end\\r\\nnext"), "\(r.stdout)")
        #expect(r.stdout.contains("sw\\x1b[31mred\\x7f"), "\(r.stdout)")
        // JSON keeps the exact strings (its own escapes).
        let json = try BinaryRunner.run(["info", "--json", path])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((obj["path"] as? String)?.hasSuffix(Self.hostileName) == true)
    }

    /// Paths printed on stdout (the store, the launcher scripts) are escaped even when piped:
    /// the same rule as `cache list` and `info`, so a pasted or `cat`ed output is safe too.
    @Test func storeAndLauncherPathsAreEscaped() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/" + Self.hostileName
        try Self.writeHostileTIFF(path)
        let build = try BinaryRunner.run(["cache", "build", path])
        #expect(build.status == 0, "\(build.stderr)")
        Self.expectNoRawControls(build.stdout, "cache build")
        #expect(build.stdout.contains(Self.escapedName), "\(build.stdout)")
        let napari = try BinaryRunner.run(["napari", path, "--no-launch"])
        #expect(napari.status == 0, "\(napari.stderr)")
        Self.expectNoRawControls(napari.stdout, "napari --no-launch")
        #expect(napari.stdout.contains(Self.escapedName), "\(napari.stdout)")
    }

    @Test func imageJUnitAndInfoAreEscaped() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var w = ImageJTIFFWriter(shape: Shape(z: 2, y: 8, x: 8), dtype: .uint8)
        w.pixelSize = 0.5
        w.unit = "\u{1B}[2Jmicron"
        w.extraDescription = ["Info=\u{1B}]0;title\u{07}", "Labels=\u{9B}2J"]
        try w.write(to: dir + "/ij.tif") { _ in [UInt8](repeating: 1, count: 64) }
        let r = try BinaryRunner.run(["info", dir + "/ij.tif"])
        #expect(r.status == 0, "\(r.stderr)")
        Self.expectNoRawControls(r.stdout, "info")
        #expect(r.stdout.contains("\\x1b"), "\(r.stdout)")
    }

    /// A channel name with controls (as an OME file or a correction can carry): `set` echoes
    /// the metadata and `info` shows it, both escaped.
    @Test func channelNamesAreEscaped() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/rgb.tif", toPath: dir + "/f.tif")
        let set = try BinaryRunner.run(["set", dir + "/f.tif", "Channel 0 Name=n\u{1B}]0;t\u{07}x"])
        #expect(set.status == 0, "\(set.stderr)")
        let info = try BinaryRunner.run(["info", dir + "/f.tif"])
        for out in [set.stdout, info.stdout] {
            Self.expectNoRawControls(out, "channel name")
            #expect(out.contains("Channel 0      n\\x1b]0;t\\x07x"), "\(out)")
        }
    }

    /// The error line stays one line, whatever the name holds.
    @Test(arguments: [["info"], ["render", "--t", "9"], ["slice", "--z", "4", "-o", "/tmp/omio-never.npy"], ["cache", "build"], ["export", "-o", "/tmp/omio-never.ome.tif", "--series", "3"]])
    func errorLineIsOneLineWithEscapes(command: [String]) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/" + Self.hostileName
        let args: [String]
        if command == ["info"] || command == ["cache", "build"] {
            _ = FileManager.default.createFile(atPath: path, contents: Data("not an image".utf8)) // unreadable file
            args = command + [path]
        } else {
            try Self.writeHostileTIFF(path)
            args = [command[0], path] + command.dropFirst()
        }
        let r = try BinaryRunner.run(args)
        #expect(!r.signalled && (r.status == 1 || r.status == 64), "\(r.status) \(r.stderr)")
        #expect(r.stderrLines.count == 1, "\(r.stderr.debugDescription)")
        #expect(r.stderr.hasPrefix("omio-tui: error: \(dir)/\(Self.escapedName): "), "\(r.stderr.debugDescription)")
        Self.expectNoRawControls(String(r.stderr.dropLast()), "stderr")
    }

    @Test func cacheListAndPurgeShowNamesEscaped() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/" + Self.hostileName
        try Self.writeHostileTIFF(path)
        let build = try BinaryRunner.run(["cache", "build", path])
        #expect(build.status == 0, "\(build.stderr)")
        Self.expectNoRawControls(build.stderr, "cache build")
        #expect(!build.stderr.contains("(0 MB/s)"), "\(build.stderr)") // a 64-byte build has no meaningful rate
        let list = try BinaryRunner.run(["cache", "list", dir])
        #expect(list.status == 0 && list.stdout.contains(Self.escapedName), "\(list.stdout)")
        Self.expectNoRawControls(list.stdout, "cache list")
        let purge = try BinaryRunner.run(["cache", "purge", path, "--yes"])
        #expect(purge.status == 0, "\(purge.stderr)")
        Self.expectNoRawControls(purge.stdout + purge.stderr, "cache purge")
        #expect(purge.stdout.contains("total ") && purge.stdout.contains("in 1 entry"), "\(purge.stdout)")
        #expect(purge.stderr.contains("removed 1 entry,"), "\(purge.stderr)")
    }
}
