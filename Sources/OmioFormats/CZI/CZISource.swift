import Foundation

/// A Zeiss CZI file. Opening reads the file header, the subblock directory and the metadata
/// XML; a plane read reads only the subblocks of that plane (and of those, only the rows a
/// region needs when they are uncompressed). Each scene is a series.
public final class CZISource: ImageSource, @unchecked Sendable {
    public let path: String
    public var format: FileFormat { .czi }
    let container: CZIContainer
    let scenes: [CZIScene]
    let metadatas: [ImageMetadata]
    let xmlRoot: XMLElement?
    /// Decoders of big zstd subblocks, left where the last band of a plane stopped.
    let zstdStreams = CZIZstdStreams()

    static let registration = ImageOpener.Reader(
        name: "czi",
        suffixes: [".czi"],
        priority: 50,
        claims: { _, head in head.starts(with: CZIContainer.magic) },
        open: { try CZISource(path: $0) }
    )

    public init(path: String) throws {
        self.path = path
        do {
            let container = try CZIContainer(path: path)
            var warnings = container.warnings
            var xml = CZIMetadataXML()
            if let data = container.xml {
                do {
                    xml = CZIMetadataXML(root: try XMLTree.parse(data))
                } catch {
                    warnings.append("the CZI metadata XML is unreadable (\(error.omioReason)); sizes and channel names are unknown")
                }
            }
            let scenes = try CZILayout.scenes(container.entries, fileSize: container.file.size, warnings: &warnings)
            self.container = container
            self.scenes = scenes
            xmlRoot = xml.root
            metadatas = scenes.indices.map { i in
                CZISource.metadata(path: path, series: i, scenes: scenes, xml: xml, warnings: warnings,
                                   entries: container.entries, version: container.version)
            }
        } catch let e as OmioError {
            throw e
        } catch {
            throw OmioError(path, error.omioReason)
        }
    }

    static func metadata(path: String, series: Int, scenes: [CZIScene], xml: CZIMetadataXML, warnings: [String],
                         entries: [CZIDirectoryEntry], version: (major: Int, minor: Int)) -> ImageMetadata {
        let scene = scenes[series]
        var m = ImageMetadata(path: path, format: .czi, series: series, seriesCount: scenes.count, shape: scene.shape,
                              dtype: scene.format.dtype, physicalSizeX: xml.scaling["X"], physicalSizeY: xml.scaling["Y"],
                              physicalSizeZ: xml.scaling["Z"], timeIncrement: xml.timeIncrement,
                              channels: channels(scene, xml.channels))
        m.isRGB = scene.cziChannels == 1 && scene.format.samples == 3 // one Bgr channel: a colour image
        var ann: [(String, JSONValue)] = [
            ("CZIVersion", .string("\(version.major).\(version.minor)")),
            ("Dimensions", .string(entries.first?.axes ?? "")),
            ("PixelType", .string(scene.format.name)),
            ("Compression", .string(scene.compressions.sorted().map(CZICompression.name).joined(separator: ", "))),
        ]
        if scenes.count > 1 { ann.append(("Scene", .int(scene.sceneIndex))) }
        if scene.isMosaic { ann.append(("MosaicTiles", .int(scene.tiles.values.map(\.count).max() ?? 1))) }
        m.annotations = ann + xml.annotations
        var w = warnings
        if let bad = scene.compressions.first(where: { !CZICompression.isSupported($0) }) {
            w.append("pixels use \(CZICompression.name(bad)) compression, which omio-tui cannot decode; reading them fails")
        }
        m.readerWarnings = w
        return m
    }

    /// BGR pixels become three channels, presented red, green, blue as czifile and Bio-Formats do.
    static func channels(_ scene: CZIScene, _ named: [ChannelInfo]) -> [ChannelInfo] {
        (0..<scene.cziChannels).flatMap { k -> [ChannelInfo] in
            let i = scene.firstChannel + k
            let base = i >= 0 && i < named.count ? named[i] : ChannelInfo()
            guard scene.format.samples == 3 else { return [base] }
            let parts: [(String, RGBColor)] = [("R", RGBColor(255, 0, 0)), ("G", RGBColor(0, 255, 0)), ("B", RGBColor(0, 0, 255))]
            return parts.map { suffix, color in ChannelInfo(name: base.name.map { "\($0) \(suffix)" } ?? suffix, color: color) }
        }
    }

    public var seriesCount: Int { scenes.count }

    public func metadata(series: Int) -> ImageMetadata { metadatas[series] }

    public func levelSizes(series: Int) -> [(height: Int, width: Int)] {
        let s = scenes[series].shape
        return [(s.y, s.x)]
    }

    /// Mosaics are stored as tiles: one chunk per tile; otherwise a plane is one subblock.
    public func chunkGrid(series: Int, level: Int) -> ChunkGrid {
        let scene = scenes[series]
        guard scene.isMosaic, let tile = scene.tiles.values.first(where: { !$0.isEmpty })?.first else {
            return ChunkGrid(height: scene.shape.y, width: scene.shape.x)
        }
        return ChunkGrid(height: min(tile.height, scene.shape.y), width: min(tile.width, scene.shape.x))
    }

    public func read(series: Int, level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
        try NoSuchSeries.check(series, path: path, count: scenes.count)
        let scene = scenes[series]
        let shape = scene.shape
        try ReadRequest.checkLevel(path, level, count: 1)
        try ReadRequest.check(path, plane: plane, region: region, shape: shape, width: shape.x, height: shape.y)
        let samples = scene.format.samples
        // Our channels run R, G, B; the stored samples run B, G, R.
        let sample = samples == 3 ? 2 - plane.c % 3 : 0
        let reader = CZITileReader(container: container, streams: zstdStreams, format: scene.format, sample: sample)
        let dtype = scene.format.dtype
        var out = [UInt8](repeating: 0, count: region.outputWidth * region.outputHeight * dtype.bytes)
        do {
            // Where no tile covers the plane (gaps in a mosaic, missing planes) it reads as zeros.
            for tile in scene.tiles(t: plane.t, z: plane.z, cziChannel: plane.c / samples) {
                try reader.paint(tile, region: region, into: &out)
            }
        } catch {
            throw OmioError(path, "\(plane): \(error.omioReason)")
        }
        return PixelBuffer(dtype: dtype, width: region.outputWidth, height: region.outputHeight, bytes: out)
    }

    public func rawTree() -> [MetaNode] {
        var nodes = [MetaNode("CZI file", nil, [
            MetaNode("Version", "\(container.version.major).\(container.version.minor)"),
            MetaNode("Subblocks", "\(container.entries.count)"),
            MetaNode("Scenes", "\(scenes.count)"),
        ] + scenes.map { s in
            MetaNode("Scene \(s.sceneIndex)", "\(s.shape) \(s.format.name)", [
                MetaNode("Compression", s.compressions.sorted().map(CZICompression.name).joined(separator: ", ")),
                MetaNode("Tiles per plane", "\(s.tiles.values.map(\.count).max() ?? 0)"),
            ])
        })]
        if let xmlRoot { nodes.append(MetaNode("Metadata XML", nil, [xmlRoot.metaNode()])) }
        return nodes
    }
}
