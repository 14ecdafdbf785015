import Foundation
import OmioFixtures
import Testing

/// `set` and `export` through the binary: a crash mid-save, all-or-nothing validation, and
/// exported files that read back as the corrected original.
@Suite(.serialized)
struct MetadataCorrectionCLITests {
    func copy(_ name: String) throws -> (dir: String, path: String) {
        let dir = TestPaths.tempDir()
        try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/" + name, toPath: dir + "/" + name)
        return (dir, dir + "/" + name)
    }

    /// The process dies (SIGKILL) after writing the new overlay and before renaming it over
    /// the old one: the previous overlay is intact and still applies.
    @Test func crashBetweenWriteAndRenameKeepsThePreviousOverlay() throws {
        let (dir, path) = try copy("wrong_spacing_Z8.tif")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try BinaryRunner.run(["set", path, "PhysicalSizeZ=5"]).status == 0)
        let before = FileManager.default.contents(atPath: path + ".omio.json")
        let crash = try BinaryRunner.run(["set", path, "PhysicalSizeZ=7"], environment: ["OMIO_FAULT_KILL_BEFORE_RENAME": "1"])
        #expect(crash.signalled && crash.status == SIGKILL, "the fault hook must kill the process")
        #expect(FileManager.default.contents(atPath: path + ".omio.json") == before)
        let info = try BinaryRunner.run(["info", "--json", path])
        #expect(info.stdout.contains("\"PhysicalSizeZ\": 5,"), "\(info.stdout)")
    }

    @Test func badValuesSaveNothing() throws {
        let (dir, path) = try copy("wrong_spacing_Z8.tif")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try BinaryRunner.run(["set", path, "PhysicalSizeZ=5", "TimeIncrement=-1"])
        #expect(r.status == 64) // a value the key cannot take is a wrong command line
        #expect(r.stderr.hasPrefix("omio-tui: error: \(path): TimeIncrement"))
        #expect(r.stderr.contains("nothing saved"))
        #expect(!FileManager.default.fileExists(atPath: path + ".omio.json"))
        let unknownUnit = try BinaryRunner.run(["set", path, "PhysicalSizeZ=5 furlongs"])
        #expect(unknownUnit.status == 64 && unknownUnit.stderr.contains("unknown length unit"))
        let withUnit = try BinaryRunner.run(["set", path, "PhysicalSizeZ=5000nm"])
        #expect(withUnit.status == 0)
        let info = try BinaryRunner.run(["info", "--json", path])
        #expect(info.stdout.contains("\"PhysicalSizeZ\": 5,") && info.stdout.contains("\"edited\": [\"PhysicalSizeZ\"]"))
        let decimalComma = try BinaryRunner.run(["set", path, "PhysicalSizeZ=2,5 µm"])
        #expect(decimalComma.status == 0, "a decimal comma: \(decimalComma.stderr)")
        #expect(try BinaryRunner.run(["info", "--json", path]).stdout.contains("\"PhysicalSizeZ\": 2.5,"))
        let reset = try BinaryRunner.run(["set", path, "--reset"])
        #expect(reset.status == 0 && reset.stdout.contains("reset PhysicalSizeZ"))
        #expect(try BinaryRunner.run(["info", "--json", path]).stdout.contains("\"PhysicalSizeZ\": 1.85e-05"))
    }

    /// info(export(file)) equals info(file) with its overlay, for every example file.
    @Test(arguments: ["hyperstack_T3_Z5_C2.tif", "ome_T4_Z2_C3.ome.tif", "multipage_T5.tif", "rgb.tif",
                      "bigendian_float32_T3.tif", "tiled_deflate_bigtiff.tif", "wrong_spacing_Z8.tif"])
    func exportReadsBackAsTheCorrectedOriginal(name: String) throws {
        let (dir, path) = try copy(name)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        if name == "wrong_spacing_Z8.tif" {
            #expect(try BinaryRunner.run(["set", path, "PhysicalSizeZ=5", "Channel 0 Name=Nuclei"]).status == 0)
        }
        let out = dir + "/out.ome.tif"
        let r = try BinaryRunner.run(["export", path, "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("exported"))
        func info(_ p: String) throws -> [String: Any] {
            let r = try BinaryRunner.run(["info", "--json", p])
            return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }
        // JSON with sorted keys: dictionaries print in no fixed order.
        func canonical(_ v: Any?) -> String {
            guard let v else { return "missing" }
            let data = try? JSONSerialization.data(withJSONObject: [v], options: [.sortedKeys, .fragmentsAllowed])
            return data.map { String(decoding: $0, as: UTF8.self) } ?? "\(v)"
        }
        let a = try info(path), b = try info(out)
        #expect(b["format"] as? String == "ome-tiff")
        for key in ["shape", "dtype", "PhysicalSizeX", "PhysicalSizeY", "PhysicalSizeZ", "TimeIncrement", "defaulted", "Channels"] {
            #expect(canonical(a[key]) == canonical(b[key]), "\(key): \(canonical(a[key])) vs \(canonical(b[key]))")
        }
        // Same pixels: the middle plane of both.
        let shape = try #require(a["shape"] as? [Int])
        let mid = ["--t", "\(shape[0] / 2)", "--z", "\(shape[1] / 2)", "--c", "\(shape[2] - 1)"]
        #expect(try BinaryRunner.run(["slice", path, "-o", dir + "/a.npy"] + mid).status == 0)
        #expect(try BinaryRunner.run(["slice", out, "-o", dir + "/b.npy"] + mid).status == 0)
        #expect(FileManager.default.contents(atPath: dir + "/a.npy") == FileManager.default.contents(atPath: dir + "/b.npy"))
        // Never over an existing file without --force, never over the source.
        #expect(try BinaryRunner.run(["export", path, "-o", out]).stderr.contains("exists; use --force"))
        #expect(try BinaryRunner.run(["export", path, "-o", path, "--force"]).stderr.contains("refusing to write over the source"))
    }
}
