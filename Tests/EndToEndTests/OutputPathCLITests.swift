import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// Where `slice -o` and `export -o` may write (OutputTarget): never over what the command
/// reads, devices and FIFOs written in place, `-` to standard output, folders refused.
@Suite(.serialized)
struct OutputPathCLITests {
    func scratch(_ example: String = "multipage_T5.tif") throws -> (dir: String, path: String) { try scratchCopy(of: example) }

    static let writers: [[String]] = [["slice"], ["export"], ["export", "--force"]]

    /// The same file under its own name, another spelling, a hard link and a symlink: the
    /// source keeps its bytes, and the command says so in one line with status 1.
    @Test(arguments: writers, ["a.tif", "./a.tif", "hard.tif", "sym.tif"])
    func neverOverItsOwnSource(command: [String], output: String) throws {
        let (dir, source) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.linkItem(atPath: source, toPath: dir + "/hard.tif")
        try FileManager.default.createSymbolicLink(atPath: dir + "/sym.tif", withDestinationPath: "a.tif")
        let before = try #require(FileManager.default.contents(atPath: source))
        let r = try BinaryRunner.run([command[0], "a.tif", "-o", output] + command.dropFirst(), cwd: dir)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderrLines.count == 1 && r.stderr.hasPrefix("omio-tui: error: \(output): "), "\(r.stderr)")
        #expect(r.stderr.contains("refusing to write over the source"), "\(r.stderr)")
        #expect(FileManager.default.contents(atPath: source) == before, "the source is byte-identical")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/sym.tif") == "a.tif", "the link is still a link")
    }

    /// A member file of a multi-file OME-TIFF set and the source's sidecar are inputs too.
    @Test func neverOverAMemberFileOrTheSidecar() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" UUID="urn:uuid:aaaa">\
            <Image ID="Image:0"><Pixels ID="Pixels:0" Type="uint16" SizeX="32" SizeY="24" DimensionOrder="XYZCT" SizeZ="1" SizeC="2" SizeT="1">\
            <TiffData FirstC="0" PlaneCount="1"><UUID FileName="master.ome.tif">urn:uuid:aaaa</UUID></TiffData>\
            <TiffData FirstC="1" PlaneCount="1"><UUID FileName="second.ome.tif">urn:uuid:bbbb</UUID></TiffData></Pixels></Image></OME>
            """
        let gen = SyntheticPlanes(width: 32, height: 24, dtype: .uint16)
        for (name, c) in [("master.ome.tif", 0), ("second.ome.tif", 1)] {
            try AtomicFile.write(to: dir + "/" + name) { fd in
                var spec = TIFFPageSpec(width: 32, height: 24, dtype: .uint16)
                if c == 0 { spec.tags.append((TIFFTag.imageDescription, .ascii(xml))) }
                try TIFFWriter(fd: fd).addPage(spec, pixels: gen.bytes(t: 0, z: 0, c: c))
            }
        }
        #expect(try BinaryRunner.run(["set", "master.ome.tif", "PhysicalSizeZ=2"], cwd: dir).status == 0)
        let files = ["second.ome.tif", "master.ome.tif.omio.json"]
        let before = files.map { FileManager.default.contents(atPath: dir + "/" + $0) }
        for (command, output) in [(["export", "--force"], "second.ome.tif"), (["slice"], "second.ome.tif"),
                                  (["slice"], "master.ome.tif.omio.json")] {
            let r = try BinaryRunner.run([command[0], "master.ome.tif", "-o", output] + command.dropFirst(), cwd: dir)
            #expect(r.status == 1 && r.stderrLines.count == 1, "\(command) \(output): \(r.stderr)")
            #expect(r.stderr.contains("which the source master.ome.tif reads; refusing to write over it"), "\(r.stderr)")
        }
        #expect(files.map { FileManager.default.contents(atPath: dir + "/" + $0) } == before)
    }

    /// The sidecar's name is an input before the sidecar exists: an .npy written there made
    /// every later `info` warn and `set` refuse.
    @Test func neverOntoTheSidecarNameBeforeItExists() throws {
        let (dir, _) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (command, output) in [(["slice"], "a.tif.omio.json"), (["slice"], "./a.tif.omio.json"), (["export"], "a.tif.omio.json")] {
            let r = try BinaryRunner.run([command[0], "a.tif", "-o", output], cwd: dir)
            #expect(r.status == 1 && r.stderrLines.count == 1, "\(command) \(output): \(r.stderr)")
            #expect(r.stderr.contains("which the source a.tif reads; refusing to write over it"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/a.tif.omio.json"), "\(command) wrote the sidecar name")
        }
    }

    /// A symlink to another file is written through: its target gets the new bytes (still by
    /// temp + rename) and the link stays a link.
    @Test func symlinkOutputKeepsTheLink() throws {
        let (dir, _) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: dir + "/real/out.npy", contents: Data("old".utf8))
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.npy", withDestinationPath: "real/out.npy")
        let r = try BinaryRunner.run(["slice", "a.tif", "-o", "link.npy"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.npy") == "real/out.npy")
        #expect(FileManager.default.contents(atPath: dir + "/real/out.npy")?.prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
    }

    /// A character device stays one: temp + rename would put a regular file in its place (as
    /// root, `-o /dev/null` would break /dev/null for the machine). Checked on a private node
    /// made like /dev/null (major 1, minor 3), so the old behaviour cannot harm the real one.
    @Test(arguments: [["slice"], ["export"]])
    func characterDeviceIsWrittenInPlace(command: [String]) throws {
        let (dir, _) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #require(mknod(dir + "/null", S_IFCHR | 0o666, (1 << 8) | 3) == 0, "mknod needs root: \(String(cString: strerror(errno)))")
        // The real /dev/null only once the private node has shown the writer leaves devices be.
        for output in [dir + "/null", "/dev/null"] {
            let r = try BinaryRunner.run(command + ["a.tif", "-o", output], cwd: dir)
            #expect(r.status == 0, "\(r.stderr)")
            var st = stat()
            try #require(lstat(output, &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR, "\(output) is still a character device")
        }
    }

    /// A named pipe gets the bytes (a reader is attached first); the pipe stays a pipe.
    @Test func fifoGetsTheBytes() throws {
        let (dir, _) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try BinaryRunner.run(["slice", "a.tif", "--t", "3", "-o", "plane.npy"], cwd: dir).status == 0)
        let expected = try #require(FileManager.default.contents(atPath: dir + "/plane.npy"))
        #expect(expected.count < 60_000, "the plane fits in the pipe's buffer, so the writer never waits on the reader")
        try #require(mkfifo(dir + "/pipe", 0o600) == 0)
        // Non-blocking, so opening does not wait for a writer; the writer's open then succeeds.
        let reader = open(dir + "/pipe", O_RDONLY | O_NONBLOCK)
        try #require(reader >= 0)
        defer { close(reader) }
        let r = try BinaryRunner.run(["slice", "a.tif", "--t", "3", "-o", "pipe"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        var got = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(reader, &buf, buf.count)
            if n <= 0 { break }
            got.append(contentsOf: buf[0..<n])
        }
        #expect(got == expected)
        var st = stat()
        #expect(lstat(dir + "/pipe", &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO, "still a FIFO")
    }

    /// `-o -` writes the .npy to standard output, byte for byte what `-o FILE` writes.
    @Test func dashWritesToStandardOutput() throws {
        let (dir, _) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try BinaryRunner.run(["slice", "a.tif", "--t", "2", "-o", "file.npy"], cwd: dir).status == 0)
        let r = try BinaryRunner.runTool("/bin/sh", ["-c", "\"$0\" slice a.tif --t 2 -o - > piped.npy", BinaryRunner.binary], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let piped = try #require(FileManager.default.contents(atPath: dir + "/piped.npy"))
        #expect(piped.prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
        #expect(piped == FileManager.default.contents(atPath: dir + "/file.npy"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/-"), "no file named '-'")
        // An OME-TIFF cannot be streamed: its writer patches offsets after the planes.
        let export = try BinaryRunner.runTool("/bin/sh", ["-c", "\"$0\" export a.tif -o - | cat > /dev/null", BinaryRunner.binary], cwd: dir)
        #expect(export.stderr.contains("cannot be streamed"), "\(export.stderr)")
    }

    /// `-o -` on a terminal is refused: binary data would garble the screen.
    @Test func dashRefusesATerminal() throws {
        let (dir, _) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tmux = try TmuxSession(command: BinaryRunner.binary + " slice a.tif -o -", in: dir)
        let s = tmux.wait(for: "[exit")
        #expect(s.contains("omio-tui: error: -: is a terminal"), "\(s)")
        #expect(s.contains("[exit 1]"), "\(s)")
    }

    /// A folder (named, `.`, `/`), a missing folder, a name ending in `/`: one clear line.
    @Test(arguments: [("sub", "is a folder"), (".", "is a folder"), ("/", "is a folder"),
                      ("missing/p.npy", "the folder missing does not exist"), ("new/", "cannot end with '/'")])
    func foldersAreRefused(output: String, reason: String) throws {
        let (dir, _) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)
        for command in [["slice"], ["export", "--force"]] {
            let r = try BinaryRunner.run([command[0], "a.tif", "-o", output] + command.dropFirst(), cwd: dir)
            #expect(r.status == 1 && !r.signalled, "\(r.stderr)")
            #expect(r.stderrLines.count == 1 && r.stderr.hasPrefix("omio-tui: error: \(output): ") && r.stderr.contains(reason), "\(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/sub").isEmpty)
    }
}
