import Foundation

/// A ThorImage .raw file: headerless little-endian planes (C fastest, then Z, then T), laid
/// out by the Experiment.xml (or OMIO's YAML sidecar) in the same folder. The .raw file is
/// what opens (the browser lists files; a folder path is not an image); its folder supplies
/// the metadata. Planes are read with pread, only the rows a region needs.
public final class ThorlabsRawSource: ImageSource, @unchecked Sendable {
    public let path: String
    public var format: FileFormat { .thorlabsRaw }
    let file: FileReader
    let experiment: ThorlabsExperiment
    let meta: ImageMetadata

    /// Claimed by name: raw pixel data have no magic, and may even begin with "II" or "MM",
    /// which is why this reader is asked before the TIFF one.
    static let rawSuffix = ".raw"

    static let registration = ImageOpener.Reader(
        name: "thorlabs-raw",
        // Claimed by name: the raw samples may start with any bytes, a TIFF header too.
        suffixes: [rawSuffix],
        priority: 100,
        claims: { path, _ in path.lowercased().hasSuffix(rawSuffix) },
        open: { try ThorlabsRawSource(path: $0) }
    )

    public init(path: String) throws {
        self.path = path
        do {
            file = try FileReader(path: path)
            experiment = try ThorlabsExperiment.load(rawPath: path, fileSize: file.size)
        } catch {
            throw OmioError(path, error.omioReason)
        }
        let e = experiment
        var m = ImageMetadata(path: path, format: .thorlabsRaw, shape: e.shape, dtype: e.dtype,
                              physicalSizeX: e.physicalSizeX, physicalSizeY: e.physicalSizeY,
                              physicalSizeZ: e.physicalSizeZ, timeIncrement: e.timeIncrement,
                              channels: e.channelNames.map { ChannelInfo(name: $0) })
        m.annotations = [("MetadataFile", .string(e.source))] + e.annotations
        m.readerWarnings = e.warnings
        meta = m
    }

    public var seriesCount: Int { 1 }

    public func metadata(series: Int) -> ImageMetadata { meta }

    public func levelSizes(series: Int) -> [(height: Int, width: Int)] { [(meta.shape.y, meta.shape.x)] }

    public func chunkGrid(series: Int, level: Int) -> ChunkGrid { ChunkGrid(height: meta.shape.y, width: meta.shape.x) }

    public func read(series: Int, level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
        let shape = meta.shape
        try NoSuchSeries.check(series, path: path, count: seriesCount)
        try ReadRequest.checkLevel(path, level, count: 1)
        try ReadRequest.check(path, plane: plane, region: region, shape: shape, width: shape.x, height: shape.y)
        let bytes = meta.dtype.bytes
        let rowBytes = shape.x * bytes
        let planeStart = UInt64(shape.planeNumber(t: plane.t, z: plane.z, c: plane.c)) * UInt64(rowBytes * shape.y)
        let width = region.outputWidth, height = region.outputHeight
        var out = [UInt8](repeating: 0, count: width * height * bytes)
        do {
            if region.colStep == 1 {
                // Each output row is a contiguous run of the file.
                let runBytes = region.cols.count * bytes
                try out.withUnsafeMutableBytes { dst in
                    for i in 0..<height {
                        let row = region.rows.lowerBound + i * region.rowStep
                        let at = planeStart + UInt64(row * rowBytes + region.cols.lowerBound * bytes)
                        try file.read(at: at, into: UnsafeMutableRawBufferPointer(rebasing: dst[(i * runBytes)..<((i + 1) * runBytes)]))
                    }
                }
            } else {
                var row = [UInt8](repeating: 0, count: region.cols.count * bytes)
                for i in 0..<height {
                    let y = region.rows.lowerBound + i * region.rowStep
                    try row.withUnsafeMutableBytes {
                        try file.read(at: planeStart + UInt64(y * rowBytes + region.cols.lowerBound * bytes), into: $0)
                    }
                    for j in 0..<width {
                        let from = j * region.colStep * bytes, to = (i * width + j) * bytes
                        for k in 0..<bytes { out[to + k] = row[from + k] }
                    }
                }
            }
        } catch {
            throw OmioError(path, "\(plane): \(error.omioReason)")
        }
        return PixelBuffer(dtype: meta.dtype, width: width, height: height, bytes: out)
    }

    public var inputFiles: [String] {
        [path, ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(experiment.source)]
    }

    public func rawTree() -> [MetaNode] {
        var nodes = [MetaNode("Thorlabs RAW", nil, [
            MetaNode("Metadata file", experiment.source),
            MetaNode("Layout", "\(meta.shape), \(experiment.bits) bits, planes C fastest then Z then T"),
            MetaNode("File size", "\(file.size) bytes"),
        ])]
        if let raw = experiment.raw { nodes.append(MetaNode(experiment.source, nil, [raw])) }
        return nodes
    }
}
