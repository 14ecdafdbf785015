import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// The Python that runs the launcher is used as given, never through its symbolic links: a
/// venv's `bin/python` often links to the base interpreter by an absolute path, and resolving
/// it runs the base interpreter without the venv. Each venv shape gets fake napari, zarr 3,
/// dask, numpy and PyQt6 packages that, when the launcher's `--check` imports the first of them,
/// write `sys.prefix` to `$OMIO_TEST_PYTHON_RECORD` and end: fast, and proof of which
/// interpreter ran (the check itself then fails, which is expected).
@Suite(.serialized)
struct NapariPythonTests {
    static let fakeModule = """
        import os, sys
        with open(os.environ["OMIO_TEST_PYTHON_RECORD"], "w") as f:
            f.write(sys.prefix)
        os._exit(0)
        """

    /// The base interpreter's real path (pyenv, uv or the system's).
    static func baseInterpreter() throws -> String {
        let r = try ChildProcess.run("/usr/bin/env", ["python3", "-c", "import os, sys; print(os.path.realpath(sys.executable))"], timeout: 30)
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `python3 -m venv --without-pip [--copies] DIR` with the fake packages in its site-packages.
    static func makeVenv(_ dir: String, copies: Bool = false) throws {
        let r = try ChildProcess.run("/usr/bin/env", ["python3", "-m", "venv", "--without-pip"] + (copies ? ["--copies"] : []) + [dir], timeout: 60)
        #expect(r.status == 0, "venv: \(r.stderr)")
        let lib = dir + "/lib"
        let version = try #require(try FileManager.default.contentsOfDirectory(atPath: lib).first { $0.hasPrefix("python") })
        let site = "\(lib)/\(version)/site-packages"
        for module in ["napari", "zarr", "dask", "numpy", "PyQt6"] {
            try FileManager.default.createDirectory(atPath: "\(site)/\(module)", withIntermediateDirectories: true)
            try Data(fakeModule.utf8).write(to: URL(fileURLWithPath: "\(site)/\(module)/__init__.py"))
        }
        try FileManager.default.createDirectory(atPath: "\(site)/zarr-3.0.0.dist-info", withIntermediateDirectories: true)
        try Data("Metadata-Version: 2.1\nName: zarr\nVersion: 3.0.0\n".utf8).write(to: URL(fileURLWithPath: "\(site)/zarr-3.0.0.dist-info/METADATA"))
    }

    /// A launcher for a (never opened) store in `folder`.
    static func spec(in folder: String) throws -> NapariLayerSpec {
        try FileManager.default.createDirectory(atPath: folder + "/.omio_cache", withIntermediateDirectories: true)
        let m = NapariTests.metadata(Shape(t: 1, z: 1, c: 1, y: 8, x: 8))
        return NapariLayerSpec(metadata: m, sourcePath: folder + "/cells.tif", storePath: folder + "/.omio_cache/cells.tif.ome.zarr",
                               levels: [m.shape], contrastLimits: [ContrastLimits(0, 100)])
    }

    /// `sys.prefix` of the Python the launcher ran with (`--check` of the launcher); nil when
    /// the launcher never ran (the probe found no napari: the venv was lost).
    static func prefix(python: String?, environment: [String: String], spec: NapariLayerSpec) throws -> String? {
        let record = (spec.storePath as NSString).deletingLastPathComponent + "/python-record"
        unlink(record)
        var env = environment
        env["OMIO_TEST_PYTHON_RECORD"] = record
        do {
            _ = try NapariLauncher.send(specs: [spec], python: python, check: true, environment: env)
        } catch let e as NapariLaunchError where e.kind == .launcherFailed {
            // The fake napari ends the check once it has written the record.
        }
        return try? String(contentsOfFile: record, encoding: .utf8)
    }

    @Test func everyVenvShapeRunsItsOwnInterpreter() throws {
        let folder = try StoreTestSupport.scratch("venvs")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let base = try Self.baseInterpreter()
        let venv = folder + "/venv", copies = folder + "/copies"
        try Self.makeVenv(venv)
        try Self.makeVenv(copies, copies: true)
        // bin/python as pyenv, uv and conda venvs have it: an absolute link to the base.
        try FileManager.default.removeItem(atPath: venv + "/bin/python")
        try FileManager.default.createSymbolicLink(atPath: venv + "/bin/python", withDestinationPath: base)
        let wrapper = folder + "/python-wrapper"
        try Data("#!/bin/sh\nexec \(venv)/bin/python \"$@\"\n".utf8).write(to: URL(fileURLWithPath: wrapper))
        chmod(wrapper, 0o755)
        let spec = try Self.spec(in: folder)
        var env = ProcessInfo.processInfo.environment
        env["OMIO_PYTHON"] = nil
        // The base interpreter has no napari: a run that lost the venv cannot pass.
        #expect(try NapariLauncher.missingModules(python: base, environment: env).contains("napari"))

        let cwdDepth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: cwdDepth) + venv.dropFirst() + "/./bin//python"
        let shapes: [(what: String, python: String, venv: String)] = [
            ("bin/python -> absolute path of the base", venv + "/bin/python", venv),
            ("bin/python3 as venv made it (absolute link)", venv + "/bin/python3", venv),
            ("bin/python3.11 -> python3 (relative link)", venv + "/bin/" + (try FileManager.default.contentsOfDirectory(atPath: venv + "/bin").first { $0.hasPrefix("python3.") } ?? "python3"), venv),
            ("--copies", copies + "/bin/python", copies),
            ("a wrapper script", wrapper, venv),
            ("a relative path with ..", relative, venv),
        ]
        for shape in shapes {
            #expect(try Self.prefix(python: shape.python, environment: env, spec: spec) == shape.venv, "\(shape.what): \(shape.python)")
        }
        // $OMIO_PYTHON, and python3 found on PATH.
        var withVariable = env
        withVariable["OMIO_PYTHON"] = venv + "/bin/python"
        #expect(try Self.prefix(python: nil, environment: withVariable, spec: spec) == venv, "$OMIO_PYTHON")
        var onPath = env
        onPath["PATH"] = venv + "/bin:" + (env["PATH"] ?? "/usr/bin:/bin")
        #expect(try Self.prefix(python: nil, environment: onPath, spec: spec) == venv, "python3 on PATH")
    }

    /// The same through the binary: `omio-tui napari FILE --python VENV/bin/python --check`.
    @Test(.enabled(if: StoreTestSupport.binary != nil))
    func theCommandLineKeepsTheVenv() throws {
        let folder = try StoreTestSupport.scratch("venv-cli")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let venv = folder + "/venv"
        try Self.makeVenv(venv)
        try FileManager.default.removeItem(atPath: venv + "/bin/python")
        try FileManager.default.createSymbolicLink(atPath: venv + "/bin/python", withDestinationPath: try Self.baseInterpreter())
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath("rgb.tif"), toPath: folder + "/rgb.tif")
        let record = folder + "/python-record"
        let r = try ChildProcess.run(try #require(StoreTestSupport.binary), ["napari", folder + "/rgb.tif", "--python", venv + "/bin/python", "--check"],
                                     timeout: 120, environment: ["OMIO_PYTHON": "", "OMIO_TEST_PYTHON_RECORD": record])
        #expect(!r.stderr.contains("cannot import"), "\(r.stderr)")
        #expect((try? String(contentsOfFile: record, encoding: .utf8)) == venv, "\(r.stderr)")
    }
}
