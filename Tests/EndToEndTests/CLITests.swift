import Foundation
import OmioFixtures
import Testing

/// The command line as a user meets it: output, exit status, the one-line error contract.
@Suite(.serialized)
struct CLITests {
    @Test func infoJSONOfTheWrongSpacingExample() throws {
        let r = try BinaryRunner.run(["info", "--json", TestPaths.exampleData + "/wrong_spacing_Z8.tif"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["axes"] as? String == "TZCYX")
        #expect(obj["shape"] as? [Int] == [1, 8, 1, 128, 128])
        #expect(obj["PhysicalSizeZUnit"] as? String == "µm")
        #expect((obj["warnings"] as? [String])?.first?.contains("implausible") == true)
    }

    @Test func infoOfSeveralFilesIsAnArray() throws {
        let r = try BinaryRunner.run(["info", "--json", TestPaths.exampleData + "/rgb.tif", TestPaths.exampleData + "/multipage_T5.tif"])
        #expect(r.status == 0)
        let arr = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        #expect(arr?.count == 2)
    }

    @Test func humanInfoShowsCalibrationAndWarning() throws {
        let r = try BinaryRunner.run(["info", TestPaths.exampleData + "/wrong_spacing_Z8.tif"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("PhysicalSizeZ  1.85e-05 µm"))
        #expect(r.stdout.contains("warning: PhysicalSizeZ 1.85e-05 µm is implausible"))
    }

    @Test(arguments: [["info", "/nonexistent/x.tif"], ["slice", "/nonexistent/x.tif", "-o", "/tmp/x.npy"]])
    func missingFileIsOneLineAndStatusOne(args: [String]) throws {
        let r = try BinaryRunner.run(args)
        #expect(r.status == 1)
        #expect(r.stderr == "omio-tui: error: /nonexistent/x.tif: no such file or directory\n")
    }

    @Test func notATIFF() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/a.tif", contents: Data("hello, not an image".utf8))
        let r = try BinaryRunner.run(["info", dir + "/a.tif"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("omio-tui: error: \(dir)/a.tif: "))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func sliceWritesNumpy() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try BinaryRunner.run(["slice", TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif", "--t", "2", "--z", "4", "--c", "1", "-o", dir + "/p.npy"])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try #require(FileManager.default.contents(atPath: dir + "/p.npy"))
        #expect(data.prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
        let header = String(decoding: data.prefix(128), as: UTF8.self)
        #expect(header.contains("'descr': '<u2'") && header.contains("'shape': (112, 144)"))
        #expect(data.count % 64 == (112 * 144 * 2) % 64)
        let bad = try BinaryRunner.run(["slice", TestPaths.exampleData + "/hyperstack_T3_Z5_C2.tif", "--t", "3", "-o", dir + "/q.npy"])
        #expect(bad.status == 64 && bad.stderr.contains("--t: 3 is outside 0:3"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/q.npy"))
    }

    /// A sample of the corrupt corpus through the real binary: exit 0 or 1 with one line, in time.
    @Test func corruptFilesGiveOneLineErrors() throws {
        let files = TestPaths.files(in: TestPaths.corpus + "/corrupt")
        #expect(files.count == 456)
        for (i, f) in files.enumerated() where i % 8 == 0 {
            let r = try BinaryRunner.run(["info", f], timeout: 5)
            #expect(!r.timedOut && !r.signalled, "\(f)")
            #expect(r.status == 0 || r.status == 1)
            if r.status == 1 {
                #expect(r.stderr.hasPrefix("omio-tui: error: \(f): ") && r.stderr.filter { $0 == "\n" }.count == 1, "\(r.stderr)")
            }
        }
    }
}
