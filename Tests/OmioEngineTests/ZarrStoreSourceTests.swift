import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// Our own stores and OMIO's caches open as images: the same planes and the same calibration
/// as the file they were made from.
@Suite(.serialized)
struct ZarrStoreSourceTests {
    static func expectSameImage(_ zarr: ImageSource, _ file: ImageSource, levels: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let a = zarr.metadata(series: 0), b = file.metadata(series: 0)
        #expect(zarr.format == .omeZarr, sourceLocation: sourceLocation)
        #expect(a.shape == b.shape && a.dtype == b.dtype, "\(a.shape) \(a.dtype)", sourceLocation: sourceLocation)
        for key in ["X", "Y", "Z"] {
            #expect(abs(a.physicalSize(key) - b.physicalSize(key)) <= 1e-9 * b.physicalSize(key), "PhysicalSize\(key)", sourceLocation: sourceLocation)
        }
        var differing: [PlaneIndex] = []
        for t in 0..<b.shape.t {
            for z in 0..<b.shape.z {
                for c in 0..<b.shape.c {
                    let p = PlaneIndex(t: t, z: z, c: c)
                    if try zarr.readPlane(plane: p).bytes != file.readPlane(plane: p).bytes { differing.append(p) }
                }
            }
        }
        #expect(differing.isEmpty, "planes differing: \(differing.prefix(5))", sourceLocation: sourceLocation)
        if let levels { #expect(zarr.levelSizes(series: 0).count == levels, sourceLocation: sourceLocation) }
    }

    /// Both Zarr versions of our store: NGFF levels, and the full model from `omio.metadata`
    /// (channel names, the time increment the NGFF scale cannot say is unknown).
    @Test(arguments: ZarrFormat.allCases)
    func ourStoreOpensAsTheImageItWasBuiltFrom(format: ZarrFormat) throws {
        let cache = try StoreTestSupport.scratch("ngff-own")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let file = try ImageOpener.open(path: StoreTestSupport.examplePath("ome_T4_Z2_C3.ome.tif"))
        let built = try StoreBuilder.ensure(source: file, request: StoreRequest(zarrFormat: format, cacheDir: cache))
        let zarr = try ImageOpener.open(path: built.path)
        let reader = try StoreReader(path: built.path)
        try Self.expectSameImage(zarr, file, levels: reader.levelSizes.count)
        #expect(zarr.metadata(series: 0).channels.map(\.name) == file.metadata(series: 0).channels.map(\.name))
        #expect(zarr.metadata(series: 0).timeIncrement == file.metadata(series: 0).timeIncrement)
        // Every level is the store reader's level.
        for (k, size) in reader.levelSizes.enumerated() {
            let p = PlaneIndex(t: 3, z: 1, c: 2)
            #expect(try zarr.read(series: 0, level: k, plane: p, region: .full(width: size.width, height: size.height)).bytes
                == reader.read(level: k, plane: p, region: .full(width: size.width, height: size.height)).bytes, "level \(k)")
        }
    }

    /// OMIO 0.3's `.omio_cache/<stem>.zarr` (a Zarr v3 TZCYX array with `omio_metadata`), made
    /// by OMIO itself in the bench venv.
    @Test func omioCacheOpensAsTheImageItWasMadeFrom() throws {
        let python = TestPaths.repoRoot + "/.venv-bench/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("SKIPPED omioCacheOpensAsTheImageItWasMadeFrom: no OMIO venv at \(python) (make bench-venv)")
            return
        }
        let dir = try StoreTestSupport.scratch("omio-cache")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let name = "hyperstack_T3_Z5_C2"
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath(name + ".tif"), toPath: dir + "/" + name + ".tif")
        let r = try ChildProcess.run(python, ["-c", "import omio; omio.imread('\(name).tif', zarr_store='disk')"], timeout: 300, cwd: dir)
        #expect(r.status == 0, "\(r.stderr.suffix(500))")
        let cache = dir + "/.omio_cache/" + name + ".zarr"
        let zarr = try ImageOpener.open(path: cache)
        try Self.expectSameImage(zarr, try ImageOpener.open(path: dir + "/" + name + ".tif"), levels: 1)
        let tree = zarr.rawTree().map(\.label)
        #expect(tree.contains("Attributes"))
    }
}
