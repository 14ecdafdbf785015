import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// `omio-tui slice` with ranges: every range form gives the samples a direct read of the
/// source gives at the positions the test lists itself; bad ranges are one line and exit 64;
/// a large extraction stays in bounded memory.
@Suite(.serialized)
struct SliceCLITests {
    static let stack = TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif" // T3 Z5 C2, 112 x 144

    /// Arguments, then the positions they select (T, Z, C, Y, X) and the .npy shape.
    static let cases: [([String], [[Int]], [Int])] = [
        // The seed's form: a T range and a Y/X window; Z and C at their default index 0 drop.
        (["--t", "0:2", "--y", "0:10", "--x", "0:12"], [[0, 1], [0], [0], Array(0..<10), Array(0..<12)], [2, 10, 12]),
        // Negative starts, steps, a list, every axis kept.
        (["--t", "-2:", "--z", "0:5:2", "--c", "1,0", "--y", "100:112:5", "--x", "-3:"],
         [[1, 2], [0, 2, 4], [1, 0], [100, 105, 110], [141, 142, 143]], [2, 3, 2, 3, 3]),
        // Single indices, negative ones too: one (Y, X) plane, as slice always wrote.
        (["--t", "-1", "--z", "-5", "--c", "1", "--y", "3:5", "--x", ":4"], [[2], [0], [1], [3, 4], [0, 1, 2, 3]], [2, 4]),
        // A range of length 1 keeps its axis; open ends.
        (["--t", "1:2", "--z", "4:", "--c", ":", "--y", "::56", "--x", "143:"], [[1], [4], [0, 1], [0, 56], [143]], [1, 1, 2, 2, 1]),
    ]

    static func expected(_ positions: [[Int]]) throws -> [UInt8] {
        let source = try ImageOpener.open(path: stack)
        var out: [UInt8] = []
        for t in positions[0] { for z in positions[1] { for c in positions[2] {
            let plane = try source.readPlane(plane: PlaneIndex(t: t, z: z, c: c))
            for y in positions[3] { for x in positions[4] {
                let i = (y * plane.width + x) * 2
                out += plane.bytes[i..<(i + 2)]
            } }
        } } }
        return out
    }

    @Test(arguments: 0..<cases.count)
    func rangeFormsSelectThePositionsTheySay(_ k: Int) throws {
        let (args, positions, shape) = Self.cases[k]
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try BinaryRunner.run(["slice", Self.stack] + args + ["-o", dir + "/out.npy"])
        #expect(r.status == 0, "\(args): \(r.stderr)")
        let data = try #require(FileManager.default.contents(atPath: dir + "/out.npy"))
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        #expect(String(decoding: data.prefix(128), as: UTF8.self).contains("'shape': \(shapeText)"), "\(args)")
        let want = try Self.expected(positions)
        #expect(data.count == Int(data[8]) + Int(data[9]) << 8 + 10 + want.count)
        #expect(Array(data.suffix(want.count)) == want, "\(args)")
    }

    @Test func squeezeDropsEveryLengthOneAxis() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try BinaryRunner.run(["slice", Self.stack, "--t", "1:2", "--z", "0:3", "--c", "0:1", "--squeeze", "-o", dir + "/q.npy"])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try #require(FileManager.default.contents(atPath: dir + "/q.npy"))
        #expect(String(decoding: data.prefix(128), as: UTF8.self).contains("'shape': (3, 112, 144)"))
    }

    @Test func standardOutputGetsTheSameNPY() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["--t", "0:3", "--c", "1", "--x", "10:20"]
        let file = try BinaryRunner.run(["slice", Self.stack] + args + ["-o", dir + "/file.npy"])
        let piped = try BinaryRunner.runTool("/bin/sh", ["-c", "exec \"$0\" \"$@\" > \"$OUT\"", BinaryRunner.binary, "slice", Self.stack] + args + ["-o", "-"],
                                             environment: ["OUT": dir + "/piped.npy"])
        #expect(file.status == 0 && piped.status == 0, "\(file.stderr) \(piped.stderr)")
        let a = FileManager.default.contents(atPath: dir + "/file.npy"), b = FileManager.default.contents(atPath: dir + "/piped.npy")
        #expect(a != nil && a == b)
    }

    /// One line naming the option and the range that exists, exit 64, nothing written.
    @Test(arguments: [
        (["--y", "200:300"], "--y: 200:300 is outside 0:112 (the image has 112 rows)"),
        (["--x", "-145"], "--x: -145 is outside 0:144 (the image has 144 columns)"),
        (["--t", "0:4"], "--t: 0:4 is outside 0:3 (T has 3 positions)"),
        (["--z", "1,5"], "--z: 1,5 is outside 0:5 (Z has 5 positions)"),
        (["--t", "2:2"], "--t: the range 2:2 is empty (A:B is half-open: it takes A up to B-1)"),
        (["--t", "-1:1"], "--t: -1:1 selects nothing (2:1 on T has 3 positions)"),
        (["--z", "3:1"], "--z: the range 3:1 is reversed; write 1:3"),
        (["--t", "0:3:0"], "--t: the step of 0:3:0 must be 1 or more"),
        (["--y", "0,1"], "--y: takes an index or a range A:B[:STEP], not a list"),
        (["--c", "a:b"], "--c: must be an index N, a range A:B or A:B:STEP"),
        (["--level", "1"], "--level: 1 is outside 0:1 (the series has 1 level)"),
    ])
    func badRangesAreOneLine(_ args: [String], _ message: String) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try BinaryRunner.run(["slice", Self.stack] + args + ["-o", dir + "/never.npy"])
        #expect(r.status == 64, "\(args): \(r.stderr)")
        let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("omio-tui: error: ") && first.contains(message), "\(args): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/never.npy"))
    }

    /// Steps and indices at the ends of Int: one position, or one line (they trapped).
    @Test func hugeStepsAndIndicesNeverTrap() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let huge = "9223372036854775807"
        for out in ["h.npy", "h.ome.tif"] {
            let r = try BinaryRunner.run(["slice", Self.stack, "--t", "0:3:\(huge)",
                                          "--y", "5:100:\(huge)", "--x", "0::\(huge)", "-o", dir + "/" + out])
            #expect(r.status == 0, "\(out): \(r.stderr)")
        }
        let data = try #require(FileManager.default.contents(atPath: dir + "/h.npy"))
        #expect(String(decoding: data.prefix(128), as: UTF8.self).contains("'shape': (1, 1, 1)"))
        #expect(Array(data.suffix(2)) == (try Self.expected([[0], [0], [0], [5], [0]])))
        let r = try BinaryRunner.run(["slice", Self.stack, "--t", "-9223372036854775808:", "-o", dir + "/never.npy"])
        #expect(r.status == 64 && r.stderr.contains("--t: -9223372036854775808: is outside 0:3"), "\(r.stderr)")
    }

    /// A new OME-Zarr output on tmpfs: the store builder finished before its progress
    /// callback's threads let go of it, and the non-escaping wrapper around that callback
    /// trapped (SIGILL) in most runs. Repeated, since it depended on timing.
    @Test func omeZarrOnTmpfsNeverTraps() throws {
        guard FileManager.default.isWritableFile(atPath: "/dev/shm") else {
            print("SliceCLITests.omeZarrOnTmpfsNeverTraps: SKIPPED: /dev/shm (tmpfs) is not writable here")
            return
        }
        let dir = "/dev/shm/omio-slice-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for i in 0..<12 {
            let r = try BinaryRunner.run(["slice", TestPaths.exampleData + "/multipage_T5.tif", "--t", ":", "-o", dir + "/m\(i).ome.zarr"])
            #expect(r.status == 0, "run \(i): status \(r.status): \(r.stderr)")
        }
    }

    /// A name that picks no format is one usage line naming the endings; a .tif is an OME-TIFF
    /// (it used to get .npy bytes).
    @Test func theOutputNamePicksTheFormat() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = try BinaryRunner.run(["slice", Self.stack, "-o", dir + "/crop.png"])
        #expect(bad.status == 64, "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains("crop.png names no output format: end it in .npy, .ome.tif"),
                "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/crop.png"))
        let tif = try BinaryRunner.run(["slice", Self.stack, "--t", "0:2", "-o", dir + "/crop.tif"])
        #expect(tif.status == 0, "\(tif.stderr)")
        let back = try ImageOpener.open(path: dir + "/crop.tif")
        #expect(back.metadata(series: 0).shape == Shape(t: 2, z: 1, c: 1, y: 112, x: 144))
        let help = try BinaryRunner.run(["slice", "--help"])
        #expect(help.stdout.contains(".btf or .tf8") && help.stdout.contains("Any other name is refused"))
    }

    /// A ~300 MB uncompressed file sliced whole to .npy: the output is as large as the file,
    /// peak RSS stays under 100 MB (bands are read and written one at a time).
    /// The same to OME-TIFF and OME-Zarr (their outputs are files and chunks of the same size).
    @Test(arguments: ["big.npy", "big.ome.tif", "big.ome.zarr"])
    func largeSliceStaysInBoundedMemory(_ name: String) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/big.tif", out = dir + "/" + name
        let (pages, side) = (150, 1024)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        let writer = try TIFFWriter(fd: fd, bigTIFF: false)
        var row = [UInt8](repeating: 0, count: side * side * 2)
        for p in 0..<pages {
            // Sample (p, y, x) = p * 1000 + y + x, mod 2^16: every page and position distinct enough to check.
            row.withUnsafeMutableBytes { raw in
                let v = raw.bindMemory(to: UInt16.self)
                for y in 0..<side { for x in 0..<side { v[y * side + x] = UInt16(truncatingIfNeeded: p * 1000 + y + x) } }
            }
            var spec = TIFFPageSpec(width: side, height: side, dtype: .uint16)
            spec.rowsPerStrip = 64
            try writer.addPage(spec, pixels: row)
        }
        close(fd)
        let run = try PeakMemoryRun.run(BinaryRunner.binary, ["slice", path, "--t", ":", "-o", out], timeout: 120)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.peakMB < 100, "\(name): peak RSS \(run.peakMB) MB for a \(pages * side * side * 2 >> 20) MB output")
        if name.hasSuffix(".zarr") { // its pixels are checked in SubStackExportTests
            #expect(FileManager.default.fileExists(atPath: out + "/zarr.json"))
            return
        }
        if name != "big.npy" {
            let back = try ImageOpener.open(path: out)
            let plane = try back.readPlane(plane: PlaneIndex(t: 77, z: 0, c: 0)).bytes
            let i = (500 * side + 3) * 2
            #expect(UInt16(plane[i]) | UInt16(plane[i + 1]) << 8 == UInt16(truncatingIfNeeded: 77 * 1000 + 500 + 3))
            return
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: out))?[.size] as? NSNumber)?.intValue ?? 0
        let dataBytes = pages * side * side * 2
        #expect(size > dataBytes)
        #expect(run.peakMB < 100, "peak RSS \(run.peakMB) MB for a \(dataBytes >> 20) MB output")
        // Spot checks through a mapping (reading the output back would itself cost 300 MB).
        let data = try Data(contentsOf: URL(fileURLWithPath: out), options: .alwaysMapped)
        let base = size - dataBytes
        for (p, y, x) in [(0, 0, 0), (77, 500, 3), (149, 1023, 1023)] {
            let i = base + ((p * side + y) * side + x) * 2
            #expect(UInt16(data[i]) | UInt16(data[i + 1]) << 8 == UInt16(truncatingIfNeeded: p * 1000 + y + x))
        }
    }
}
