import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// store -> reader equals the source, for every example file, both Zarr versions, every codec.
struct StoreRoundTripTests {
    static let cases: [(String, ZarrFormat, StoreCompression)] = ExampleData.files.flatMap { file in
        ZarrFormat.allCases.flatMap { format in StoreCompression.allCases.map { (file, format, $0) } }
    }

    @Test(arguments: cases)
    func roundTrip(file: String, format: ZarrFormat, compression: StoreCompression) throws {
        let cache = try StoreTestSupport.scratch("roundtrip")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let source = try ImageOpener.open(path: StoreTestSupport.examplePath(file))
        let result = try StoreBuilder.ensure(source: source, request: StoreRequest(zarrFormat: format, compression: compression, cacheDir: cache))
        #expect(!result.reused)
        #expect(result.path == (cache as NSString).appendingPathComponent(file + ".ome.zarr"))
        let store = try StoreReader(path: result.path)
        #expect(store.zarrFormat == format)
        #expect(store.manifest.complete)
        #expect(store.manifest.compression == compression)
        try StoreTestSupport.expectEqualPlanes(store, source)
        #expect(!FileManager.default.fileExists(atPath: result.path + ".partial"))
    }

    /// Regions, subsampled regions and single chunks read back what the source holds.
    @Test func regionsAndChunks() throws {
        let cache = try StoreTestSupport.scratch("regions")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let source = try ImageOpener.open(path: StoreTestSupport.examplePath("rgb.tif"))
        let store = try StoreReader(path: StoreBuilder.ensure(source: source, request: StoreRequest(cacheDir: cache)).path)
        let region = PixelRegion(rows: 7..<101, cols: 3..<150, rowStep: 3, colStep: 2)
        let plane = PlaneIndex(c: 2)
        StoreTestSupport.expectSame(try store.read(level: 0, plane: plane, region: region).bytes,
                                    try source.read(series: 0, level: 0, plane: plane, region: region).bytes, "region")
        let chunk = try store.readChunk(level: 0, plane: plane, band: 0)
        #expect(chunk.height == store.chunkGrid(level: 0).height)
        StoreTestSupport.expectSame(chunk.bytes, try source.read(series: 0, level: 0, plane: plane,
                                                                 region: PixelRegion(rows: 0..<chunk.height, cols: 0..<160)).bytes, "chunk")
    }

    /// The metadata napari, zarr-python and ome-zarr read: axes t,c,z,y,x with UDUNITS units,
    /// scale from the physical sizes and time increment, codecs `bytes` + the compressor.
    @Test func metadataV3() throws {
        let cache = try StoreTestSupport.scratch("meta3")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let source = try ImageOpener.open(path: StoreTestSupport.examplePath("hyperstack_T3_Z5_C2.tif"))
        let path = try StoreBuilder.ensure(source: source, request: StoreRequest(compression: .gzip, cacheDir: cache)).path
        let group = try StoreTestSupport.json(path + "/zarr.json")
        #expect(group["node_type"] == .string("group"))
        let ome = try #require(group["attributes"]?["ome"])
        #expect(ome["version"] == .string("0.5"))
        let ms = try #require(ome["multiscales"]?.arrayValue?.first)
        #expect(ms["axes"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["t", "c", "z", "y", "x"])
        #expect(ms["axes"]?.arrayValue?.compactMap { $0["unit"]?.stringValue } == ["second", "micrometer", "micrometer", "micrometer"])
        let transform = try #require(ms["datasets"]?.arrayValue?.first?["coordinateTransformations"]?.arrayValue?.first)
        #expect(transform["type"] == .string("scale"))
        #expect(transform["scale"]?.arrayValue?.compactMap(\.doubleValue) == [2.5, 1, 1, 0.2, 0.2])
        let omio = try #require(group["attributes"]?["omio"])
        #expect(omio["metadata"]?["PhysicalSizeX"] == .number(0.2))
        #expect(omio["manifest"]?["complete"] == .bool(true))
        #expect(omio["manifest"]?["source_path"]?.stringValue == source.path)

        let array = try StoreTestSupport.json(path + "/0/zarr.json")
        #expect(array["shape"]?.arrayValue?.compactMap(\.intValue) == [3, 2, 5, 112, 144]) // t,c,z,y,x
        #expect(array["dimension_names"]?.arrayValue?.compactMap(\.stringValue) == ["t", "c", "z", "y", "x"])
        #expect(array["codecs"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["bytes", "gzip"])
        #expect(array["codecs"]?.arrayValue?.first?["configuration"]?["endian"] == .string("little"))
        #expect(array["data_type"] == .string("uint16"))
        #expect(array["chunk_key_encoding"]?["configuration"]?["separator"] == .string("."))
        // Plane T2 Z4 C1 lives at chunk key c.t.c.z.y.x.
        #expect(FileManager.default.fileExists(atPath: path + "/0/c.2.1.4.0.0"))
        // gzip framing (magic 1f 8b), not zlib framing.
        let chunk = try Data(contentsOf: URL(fileURLWithPath: path + "/0/c.2.1.4.0.0"))
        #expect(Array(chunk.prefix(2)) == [0x1F, 0x8B])
    }

    @Test func metadataV2() throws {
        let cache = try StoreTestSupport.scratch("meta2")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let source = try ImageOpener.open(path: StoreTestSupport.examplePath("bigendian_float32_T3.tif"))
        let path = try StoreBuilder.ensure(source: source, request: StoreRequest(zarrFormat: .v2, compression: .zstd, cacheDir: cache)).path
        #expect(try StoreTestSupport.json(path + "/.zgroup")["zarr_format"] == .int(2))
        let attrs = try StoreTestSupport.json(path + "/.zattrs")
        #expect(attrs["multiscales"]?.arrayValue?.first?["version"] == .string("0.4"))
        let array = try StoreTestSupport.json(path + "/0/.zarray")
        #expect(array["dtype"] == .string("<f4"))
        #expect(array["compressor"]?["id"] == .string("zstd"))
        #expect(array["dimension_separator"] == .string("."))
        #expect(array["chunks"]?.arrayValue?.compactMap(\.intValue) == [1, 1, 1, 80, 96])
        #expect(FileManager.default.fileExists(atPath: path + "/0/2.0.0.0.0"))
    }

    /// Progress climbs to the total; a cancelled build leaves neither a store nor a partial.
    @Test func progressAndCancel() throws {
        let cache = try StoreTestSupport.scratch("progress")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let source = try ImageOpener.open(path: StoreTestSupport.examplePath("hyperstack_T3_Z5_C2.tif"))
        var seen: [StoreBuildProgress] = []
        _ = try StoreBuilder.ensure(source: source, request: StoreRequest(cacheDir: cache), progress: { seen.append($0) })
        #expect(seen.count >= 30)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.bytesDone <= $1.bytesDone })
        #expect(seen.last == StoreBuildProgress(bytesDone: 3 * 5 * 2 * 112 * 144 * 2, bytesTotal: 3 * 5 * 2 * 112 * 144 * 2))

        let other = try StoreTestSupport.scratch("cancel")
        defer { try? FileManager.default.removeItem(atPath: other) }
        let cancel = StoreCancellation()
        #expect(throws: CancellationError.self) {
            try StoreBuilder.ensure(source: source, request: StoreRequest(cacheDir: other),
                                    progress: { p in if p.bytesDone > 0 { cancel.cancel() } }, cancellation: cancel)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: other).filter { !$0.hasSuffix(".lock") }
        #expect(left.isEmpty)
    }
}
