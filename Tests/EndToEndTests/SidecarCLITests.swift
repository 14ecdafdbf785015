import Foundation
import OmioFixtures
import Testing

/// The `<file>.omio.json` sidecar through the binary: what `set` writes says what is applied
/// (read back with an independent parser), and a sidecar that is too big, not JSON, or
/// hand-edited to nonsense is a warning with the file's own values, never a crash or 1 GB read.
@Suite(.serialized)
struct SidecarCLITests {
    func scratch(_ example: String = "wrong_spacing_Z8.tif") throws -> (dir: String, path: String) { try scratchCopy(of: example) }

    func info(_ path: String) throws -> [String: Any] {
        let r = try BinaryRunner.run(["info", "--json", path])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func sidecar(series edits: String, version: Int = 2) -> String {
        """
        {"format": "omio-tui metadata overlay", "version": \(version), "source": "a.tif",
         "series": [{"series": 0, "edits": [\(edits)]}], "history": []}
        """
    }

    /// `set` with a unit stores the number it applies: 5000nm and 0.005mm both read back as
    /// 5 µm, PhysicalSizeZUnit=nm reinterprets 5 as 0.005 µm, 250ms is 0.25 s.
    @Test(arguments: [(["PhysicalSizeZ=5000nm"], "PhysicalSizeZ", 5.0), (["PhysicalSizeZ=0.005mm"], "PhysicalSizeZ", 5.0),
                      (["PhysicalSizeZ=5 µm"], "PhysicalSizeZ", 5.0), (["PhysicalSizeZ=5", "PhysicalSizeZUnit=nm"], "PhysicalSizeZ", 0.005),
                      (["TimeIncrement=250ms"], "TimeIncrement", 0.25), (["PhysicalSizeX=0.5 um"], "PhysicalSizeX", 0.5)])
    func setWritesWhatItApplies(assignments: [String], field: String, expected: Double) throws {
        let (dir, path) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try BinaryRunner.run(["set", path] + assignments)
        #expect(r.status == 0, "\(r.stderr)")
        let stored = try SidecarJSON.modelValue(path + ".omio.json", field: field)
        #expect(abs(stored - expected) < 1e-12 * expected, "the sidecar says \(stored)")
        let applied = try #require(try info(path)[field] as? Double)
        #expect(abs(applied - stored) < 1e-12 * expected, "info applies \(applied), the sidecar says \(stored)")
    }

    /// A 2 MB sidecar (a real overlay padded with spaces, which would set PhysicalSizeZ=5) is
    /// refused with a warning, and info shows the file's own value.
    @Test func oversizedSidecarIsRefused() throws {
        let (dir, path) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let body = sidecar(series: #"{"field": "PhysicalSizeZ", "value": {"value": 5, "unit": "µm"}}"#)
        try Data((body + String(repeating: " ", count: 2 << 20)).utf8).write(to: URL(fileURLWithPath: path + ".omio.json"))
        let m = try info(path)
        #expect(m["PhysicalSizeZ"] as? Double == 0.0000185)
        let warnings = m["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains(".omio.json") && $0.contains("is over 1 MB") }, "\(warnings)")
    }

    /// A 1 GB sidecar (sparse: no disk) costs what the limit allows, not its size: the old
    /// reader took 1 GB of memory and seconds.
    @Test func hugeSidecarIsNotRead() throws {
        let (dir, path) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fd = open(path + ".omio.json", O_WRONLY | O_CREAT, 0o644)
        try #require(fd >= 0 && ftruncate(fd, 1 << 30) == 0)
        close(fd)
        let r = try BinaryRunner.runTool("/usr/bin/time", ["-f", "maxrss_kb=%M", BinaryRunner.binary, "info", path])
        #expect(r.status == 0, "\(r.stderr)")
        let kb = try #require(r.stderr.components(separatedBy: "maxrss_kb=").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(kb < 150_000, "peak RSS \(kb) KB")
        #expect(r.stdout.contains("is over 1 MB"), "\(r.stdout)")
    }

    /// Hand-edited values pass `set`'s rules: each bad one is ignored with a warning naming
    /// its field; the good one (5000 nm, in its unit) applies as 5 µm.
    @Test func handEditedValuesAreCheckedLikeSet() throws {
        let (dir, path) = try scratch("multipage_T5.tif")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let before = try info(path)
        let edits = [
            #"{"field": "PhysicalSizeX", "value": {"value": -1, "unit": "µm"}}"#,
            #"{"field": "PhysicalSizeY", "value": {"value": 0, "unit": "µm"}}"#,
            #"{"field": "TimeIncrement", "value": {"value": -0.5, "unit": "s"}}"#,
            #"{"field": "Channel 3 Name", "value": {"text": "GFP"}}"#,
            #"{"field": "PhysicalSizeZ", "value": {"value": 5000, "unit": "nm"}}"#,
        ]
        try Data(sidecar(series: edits.joined(separator: ",")).utf8).write(to: URL(fileURLWithPath: path + ".omio.json"))
        let m = try info(path)
        for key in ["PhysicalSizeX", "PhysicalSizeY"] {
            #expect(m[key] as? Double == before[key] as? Double, "\(key) keeps the file's value")
        }
        #expect((m["TimeIncrement"] as? Double) == (before["TimeIncrement"] as? Double))
        #expect(m["PhysicalSizeZ"] as? Double == 5)
        let warnings = m["warnings"] as? [String] ?? []
        for key in ["PhysicalSizeX", "PhysicalSizeY", "TimeIncrement", "Channel 3 Name"] {
            #expect(warnings.contains { $0.contains(key) && $0.contains("ignored") }, "\(key): \(warnings)")
        }
        #expect(m["edited"] as? [String] == ["PhysicalSizeZ"])
    }

    /// Not JSON: info warns and shows the file's values; `set` refuses to replace it (it may be
    /// the user's hand edits) in one line, and the sidecar is left as it was.
    @Test func malformedSidecarIsAWarningAndKept() throws {
        let (dir, path) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("{\"format\": \"omio-tui metadata overlay\", ".utf8).write(to: URL(fileURLWithPath: path + ".omio.json"))
        let m = try info(path)
        #expect(m["PhysicalSizeZ"] as? Double == 0.0000185)
        #expect((m["warnings"] as? [String] ?? []).contains { $0.contains("is not valid JSON") })
        let r = try BinaryRunner.run(["set", path, "PhysicalSizeZ=5"])
        #expect(r.status == 1 && r.stderrLines.count == 1 && r.stderr.contains("fix or delete it before editing"), "\(r.stderr)")
        #expect(FileManager.default.contents(atPath: path + ".omio.json") == Data("{\"format\": \"omio-tui metadata overlay\", ".utf8))
    }

    /// 1e308 µm and 5e-324 µm are finite and positive, so a sidecar may hold them: they get
    /// the plausibility warning.
    @Test(arguments: [1e308, Double.leastNonzeroMagnitude])
    func absurdSizesAreImplausible(size: Double) throws {
        let (dir, path) = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let edits = ["X", "Y", "Z"].map { #"{"field": "PhysicalSize\#($0)", "value": {"value": \#(size), "unit": "µm"}}"# }
        try Data(sidecar(series: edits.joined(separator: ",")).utf8).write(to: URL(fileURLWithPath: path + ".omio.json"))
        let m = try info(path)
        #expect(m["PhysicalSizeZ"] as? Double == size)
        let warnings = m["warnings"] as? [String] ?? []
        for axis in ["X", "Y", "Z"] {
            #expect(warnings.contains { $0.hasPrefix("PhysicalSize\(axis) ") && $0.contains("implausible") }, "\(warnings)")
        }
    }
}
