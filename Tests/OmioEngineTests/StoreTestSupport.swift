import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// Shared helpers for the store tests: scratch folders, generated inputs, plane comparison.
enum StoreTestSupport {
    /// A fresh folder under the system temp dir; the caller removes it.
    static func scratch(_ label: String) throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("omio-store-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The example files, generated once per test process into their own folder (never the
    /// repo's, so no build can ever write beside them), removed when the process exits.
    static let exampleFolder: String = {
        let folder = examplesPath()
        try! ExampleData.write(to: folder)
        atexit { try? FileManager.default.removeItem(atPath: StoreTestSupport.examplesPath()) }
        return folder
    }()

    private static func examplesPath() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("omio-store-examples-\(getpid())")
    }

    static func examplePath(_ name: String) -> String { (exampleFolder as NSString).appendingPathComponent(name) }

    /// An ImageJ TZCYX uint16 file of labelled synthetic planes.
    static func writeImageJ(_ path: String, shape: Shape, dtype: PixelType = .uint16) throws {
        let planes = SyntheticPlanes(width: shape.x, height: shape.y, dtype: dtype)
        var w = ImageJTIFFWriter(shape: shape, dtype: dtype)
        w.pixelSize = 0.5
        w.spacing = 2
        try w.write(to: path) { k in
            planes.bytes(t: k / (shape.c * shape.z), z: (k / shape.c) % shape.z, c: k % shape.c)
        }
    }

    /// A plain multi-page TIFF (pages become T) stored in strips of `rowsPerStrip` rows.
    static func writeStrips(_ path: String, pages: Int, width: Int, height: Int, dtype: PixelType, rowsPerStrip: Int) throws {
        let planes = SyntheticPlanes(width: width, height: height, dtype: dtype)
        try AtomicFile.write(to: path) { fd in
            let writer = try TIFFWriter(fd: fd)
            for t in 0..<pages {
                var spec = TIFFPageSpec(width: width, height: height, dtype: dtype)
                spec.rowsPerStrip = rowsPerStrip
                try writer.addPage(spec, pixels: planes.bytes(t: t, z: 0, c: 0))
            }
        }
    }

    /// Every plane of the store's level 0 equals the source's.
    static func expectEqualPlanes(_ store: StoreReader, _ source: ImageSource, series: Int = 0,
                                  sourceLocation: SourceLocation = #_sourceLocation) throws {
        let m = source.metadata(series: series)
        #expect(store.shape == m.shape, sourceLocation: sourceLocation)
        #expect(store.dtype == m.dtype, sourceLocation: sourceLocation)
        for t in 0..<m.shape.t {
            for z in 0..<m.shape.z {
                for c in 0..<m.shape.c {
                    let p = PlaneIndex(t: t, z: z, c: c)
                    let got = try store.readPlane(plane: p)
                    let want = try source.readPlane(series: series, plane: p)
                    expectSame(got.bytes, want.bytes, "plane \(p) of \(source.path)", sourceLocation: sourceLocation)
                }
            }
        }
    }

    /// Compares big arrays without handing them to #expect, whose failure diff of a million
    /// elements takes hours: reports the count and the first differing index instead.
    static func expectSame<T: Equatable>(_ got: [T], _ want: [T], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        // memcmp: element-wise comparison of millions of samples is slow in a debug build.
        let same = got.count == want.count
            && (got.isEmpty || got.withUnsafeBytes { a in want.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } })
        let first = same ? nil : got.indices.first { $0 < want.count && got[$0] != want[$0] }
        #expect(same, "\(what): \(got.count) vs \(want.count) values, first difference at \(first.map { "\($0): \(got[$0]) vs \(want[$0])" } ?? "-")",
                sourceLocation: sourceLocation)
    }

    static func json(_ path: String) throws -> JSONValue {
        try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The built omio-tui (TestPaths.omioTUIBinary), or nil when there is none to run.
    static var binary: String? {
        FileManager.default.isExecutableFile(atPath: TestPaths.omioTUIBinary) ? TestPaths.omioTUIBinary : nil
    }

    /// Runs a process to the end (both pipes drained while it runs); returns (status, stdout, stderr).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String, String) {
        let r = try ChildProcess.run(executable, arguments, timeout: 300)
        return (r.status, r.stdout, r.stderr)
    }
}
