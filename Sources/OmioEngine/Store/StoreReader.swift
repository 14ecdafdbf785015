import Foundation
import OmioFormats

/// Reads a complete store: any plane region at any pyramid level, decoding gzip and zstd.
/// Safe to use from several threads (each read decodes with its own codec). As `PixelLevels`
/// it stands in for the source under a `LazyArray`, pyramid included.
public final class StoreReader: PixelLevels, @unchecked Sendable {
    public let path: String
    public let zarrFormat: ZarrFormat
    public let manifest: StoreManifest
    /// The normalized metadata the store was built with (`omio.metadata`), as JSON.
    public let metadata: JSONValue
    let arrays: [ZarrArray]
    /// The levels as the Zarr reader reads them (missing chunks are the fill value, 0).
    private let readers: [ZarrArrayReader]

    public var dtype: PixelType { arrays[0].dtype }
    /// TZCYX shape of level 0.
    public var shape: Shape { arrays[0].shape }
    public var levelSizes: [(height: Int, width: Int)] { arrays.map { (height: $0.shape.y, width: $0.shape.x) } }

    /// A chunk is a band of `height` rows across the full width.
    public func chunkGrid(level: Int) -> ChunkGrid {
        ChunkGrid(height: arrays[level].chunkRows, width: arrays[level].shape.x)
    }

    /// Opens a store only when it is complete: a partial or killed build is refused, unless
    /// `allowIncomplete` (the builder's own `readable` hand-over, before the store is durable).
    public init(path: String, allowIncomplete: Bool = false) throws {
        self.path = path
        let v3 = (path as NSString).appendingPathComponent("zarr.json")
        zarrFormat = FileManager.default.fileExists(atPath: v3) ? .v3 : .v2
        let attributesFile = (path as NSString).appendingPathComponent(zarrFormat == .v3 ? "zarr.json" : ".zattrs")
        do {
            guard let data = FileManager.default.contents(atPath: attributesFile) else { throw FormatError("not a store (no \(attributesFile))") }
            let root = try JSONValue.parse(data)
            let attributes = (zarrFormat == .v3 ? root["attributes"] : root) ?? .object([])
            guard let manifestJSON = attributes["omio"]?["manifest"], let manifest = StoreManifest(json: manifestJSON) else {
                throw FormatError("not an omio-tui store (no omio manifest)")
            }
            guard manifest.complete || allowIncomplete else { throw FormatError("the store is incomplete (its build did not finish)") }
            self.manifest = manifest
            metadata = attributes["omio"]?["metadata"] ?? .null
            let multiscales = zarrFormat == .v3 ? attributes["ome"]?["multiscales"] : attributes["multiscales"]
            let paths = multiscales?.arrayValue?.first?["datasets"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
            guard !paths.isEmpty else { throw FormatError("the store lists no multiscale datasets") }
            let format = zarrFormat
            arrays = try paths.map { try ZarrArray(folder: (path as NSString).appendingPathComponent($0), format: format) }
            let store = LocalZarrStore(folder: path)
            readers = try paths.map { try ZarrArrayReader(store: store, path: $0) }
        } catch let e as OmioError {
            throw e
        } catch {
            throw OmioError(path, error.omioReason)
        }
    }

    /// The coarsest level whose planes are still at least `width` x `height` (level 0 when none
    /// is): what a display of that size needs, and no more.
    public func level(fitting width: Int, height: Int) -> Int {
        arrays.lastIndex { $0.shape.x >= width && $0.shape.y >= height } ?? 0
    }

    /// One chunk's real rows (padding cut off): rows `band * chunkGrid(level:).height` onwards.
    public func readChunk(level: Int, plane: PlaneIndex, band: Int) throws -> PixelBuffer {
        let a = try array(level, plane)
        guard band >= 0, band < a.bandCount else { throw OmioError(path, "band \(band) does not exist at level \(level)") }
        let rows = band * a.chunkRows..<min(a.shape.y, (band + 1) * a.chunkRows)
        return try read(level: level, plane: plane, region: PixelRegion(rows: rows, cols: 0..<a.shape.x))
    }

    public func readPlane(level: Int = 0, plane: PlaneIndex) throws -> PixelBuffer {
        let size = try array(level, plane).shape
        return try read(level: level, plane: plane, region: .full(width: size.x, height: size.y))
    }

    /// A region of plane (t, z, c) at a level, reading only the chunks its rows touch (through
    /// the Zarr reader every store and OME-Zarr image is read with: one decoder, one chunk cache).
    public func read(level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
        let a = try array(level, plane)
        guard !region.rows.isEmpty, !region.cols.isEmpty, region.rows.lowerBound >= 0, region.rows.upperBound <= a.shape.y,
              region.cols.lowerBound >= 0, region.cols.upperBound <= a.shape.x
        else { throw OmioError(path, "region rows \(region.rows) cols \(region.cols) is outside the \(a.shape.x)x\(a.shape.y) plane of level \(level)") }
        // On disk t, c, z, y, x (ZarrArray.dimensionNames).
        let ranges = [ZarrRange(plane.t..<plane.t + 1), ZarrRange(plane.c..<plane.c + 1), ZarrRange(plane.z..<plane.z + 1),
                      ZarrRange(region.rows, step: region.rowStep), ZarrRange(region.cols, step: region.colStep)]
        do {
            let bytes = try readers[level].read(ranges)
            return PixelBuffer(dtype: a.dtype, width: region.outputWidth, height: region.outputHeight, bytes: bytes)
        } catch let e as OmioError {
            throw e
        } catch {
            throw OmioError(path, error.omioReason)
        }
    }

    private func array(_ level: Int, _ plane: PlaneIndex) throws -> ZarrArray {
        try ReadRequest.checkLevel(path, level, count: arrays.count)
        let a = arrays[level]
        guard plane.t >= 0, plane.t < a.shape.t, plane.z >= 0, plane.z < a.shape.z, plane.c >= 0, plane.c < a.shape.c else {
            throw OmioError(path, "plane \(plane) is outside the shape \(a.shape)")
        }
        return a
    }
}
