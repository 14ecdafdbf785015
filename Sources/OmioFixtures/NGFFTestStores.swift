import Foundation

/// OME-Zarr stores written by zarr-python 3 and ome-zarr-py (Tests/python/zarr_fixtures.py in
/// the test venv), with what zarr-python reads back from each: the reference the reader is
/// compared with. Written once per test process into a temporary folder; nothing is committed.
public enum NGFFTestStores {
    /// A store's arrays as zarr-python read them: shape in the array's own axis order, C-order
    /// little-endian samples.
    public struct Level: Sendable {
        public let path: String
        public let shape: [Int]
        public let dtype: String
        public let bytes: [UInt8]
    }

    /// The test venv's interpreter, when it is there.
    public static var python: String? {
        let p = TestPaths.repoRoot + "/.venv/bin/python"
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    /// The folder holding every fixture store, or why there is none (printed by `folder()`).
    public static let made: Result<String, FormatErrorText> = {
        guard let python else { return .failure(FormatErrorText("no test venv at \(TestPaths.repoRoot)/.venv (make venv)")) }
        let dir = TestPaths.tempDir()
        do {
            let r = try ChildProcess.run(python, [TestPaths.repoRoot + "/Tests/python/zarr_fixtures.py", dir], timeout: 600)
            guard r.status == 0 else { return .failure(FormatErrorText("zarr_fixtures.py failed: \(r.stderr.suffix(600))")) }
        } catch {
            return .failure(FormatErrorText("cannot run \(python): \(error)"))
        }
        return .success(dir)
    }()

    public struct FormatErrorText: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(_ s: String) { description = s }
    }

    /// The fixtures folder; nil after printing why the tests that need it are skipped.
    public static func folder(_ test: String = #function) -> String? {
        switch made {
        case let .success(dir): return dir
        case let .failure(why):
            print("SKIPPED \(test): \(why)")
            return nil
        }
    }

    /// What zarr-python read from fixture store `name`, level by level.
    public static func expected(_ name: String, in dir: String) throws -> (image: String, levels: [Level]) {
        let folder = dir + "/" + name + ".expect"
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/expect.json"))) as! [String: Any]
        let levels = (json["levels"] as! [[String: Any]]).enumerated().map { k, l in
            Level(path: l["path"] as! String, shape: l["shape"] as! [Int], dtype: l["dtype"] as! String,
                  bytes: [UInt8](FileManager.default.contents(atPath: folder + "/level\(k).raw") ?? Data()))
        }
        return (json["image"] as! String, levels)
    }
}
