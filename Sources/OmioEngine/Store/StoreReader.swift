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
        let rows = min(a.chunkRows, a.shape.y - band * a.chunkRows)
        var bytes = try decodedChunk(a, level: level, plane: plane, band: band, codec: ZarrChunkCodec(a.compression))
        bytes.removeSubrange((rows * a.shape.x * a.dtype.bytes)...)
        return PixelBuffer(dtype: a.dtype, width: a.shape.x, height: rows, bytes: bytes)
    }

    public func readPlane(level: Int = 0, plane: PlaneIndex) throws -> PixelBuffer {
        let size = try array(level, plane).shape
        return try read(level: level, plane: plane, region: .full(width: size.x, height: size.y))
    }

    /// A region of plane (t, z, c) at a level, reading only the chunks its rows touch.
    public func read(level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
        let a = try array(level, plane)
        guard !region.rows.isEmpty, !region.cols.isEmpty, region.rows.lowerBound >= 0, region.rows.upperBound <= a.shape.y,
              region.cols.lowerBound >= 0, region.cols.upperBound <= a.shape.x
        else { throw OmioError(path, "region rows \(region.rows) cols \(region.cols) is outside the \(a.shape.x)x\(a.shape.y) plane of level \(level)") }
        let bps = a.dtype.bytes
        let outW = region.outputWidth
        let rowBytes = a.shape.x * bps
        var out = [UInt8](repeating: 0, count: outW * region.outputHeight * bps)
        let codec = ZarrChunkCodec(a.compression)
        var cached: (band: Int, bytes: [UInt8])?
        try out.withUnsafeMutableBytes { dst in
            for (outRow, y) in stride(from: region.rows.lowerBound, to: region.rows.upperBound, by: region.rowStep).enumerated() {
                let band = y / a.chunkRows
                if cached?.band != band { cached = (band, try decodedChunk(a, level: level, plane: plane, band: band, codec: codec)) }
                cached!.bytes.withUnsafeBytes { src in
                    let row = src.baseAddress! + (y - band * a.chunkRows) * rowBytes
                    let target = dst.baseAddress! + outRow * outW * bps
                    if region.colStep == 1 {
                        target.copyMemory(from: row + region.cols.lowerBound * bps, byteCount: outW * bps)
                    } else {
                        for i in 0..<outW {
                            (target + i * bps).copyMemory(from: row + (region.cols.lowerBound + i * region.colStep) * bps, byteCount: bps)
                        }
                    }
                }
            }
        }
        return PixelBuffer(dtype: a.dtype, width: outW, height: region.outputHeight, bytes: out)
    }

    private func array(_ level: Int, _ plane: PlaneIndex) throws -> ZarrArray {
        try ReadRequest.checkLevel(path, level, count: arrays.count)
        let a = arrays[level]
        guard plane.t >= 0, plane.t < a.shape.t, plane.z >= 0, plane.z < a.shape.z, plane.c >= 0, plane.c < a.shape.c else {
            throw OmioError(path, "plane \(plane) is outside the shape \(a.shape)")
        }
        return a
    }

    /// The full, padded chunk; a missing chunk reads as the fill value (0), as Zarr specifies.
    private func decodedChunk(_ a: ZarrArray, level: Int, plane: PlaneIndex, band: Int, codec: ZarrChunkCodec) throws -> [UInt8] {
        let file = (path as NSString).appendingPathComponent("\(level)/" + a.chunkKey(t: plane.t, c: plane.c, z: plane.z, band: band))
        var raw = [UInt8](repeating: 0, count: a.chunkBytes)
        do {
            guard let encoded = try StoreReader.contents(of: file) else { return raw }
            try encoded.withUnsafeBytes { e in try raw.withUnsafeMutableBytes { try codec.decode(e, into: $0) } }
        } catch {
            throw OmioError(file, error.omioReason)
        }
        return raw
    }

    /// A file's bytes; nil only when it does not exist (other failures are errors, not zeros).
    private static func contents(of file: String) throws -> [UInt8]? {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        if fd < 0, errno == ENOENT { return nil }
        guard fd >= 0 else { throw FormatError(SystemErrorReason.of(errno: errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError(SystemErrorReason.of(errno: errno)) }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw FormatError(n == 0 ? "chunk shrank while reading" : SystemErrorReason.of(errno: errno)) }
            done += n
        }
        return bytes
    }
}
