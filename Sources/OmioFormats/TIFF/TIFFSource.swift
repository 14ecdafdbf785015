import Foundation

/// Where one TZC plane of a TIFF-family series lives.
struct TIFFPlaneRef: Sendable {
    /// Index into the source's member files (OME multi-file sets); 0 is the opened file.
    var member: Int
    var ifdOffset: UInt64
    /// Sample within the pixel (RGB and LSM channels are samples of one IFD).
    var sample: Int
    /// Set for planes stored back to back behind one IFD (ImageJ over 4 GiB): where this
    /// plane's data starts.
    var contiguousStart: UInt64?
}

/// One series as a format reader lays it out: normalized metadata and a plane map.
struct TIFFSeriesLayout: Sendable {
    var metadata: ImageMetadata
    /// Planes in `Shape.planeNumber` order; nil where the file holds no data (missing member).
    var planes: [TIFFPlaneRef?]
    /// (height, width) per pyramid level, level 0 first.
    var levels: [(height: Int, width: Int)]
}

/// An opened TIFF member file: the container and its lazily opened libtiff decoder.
final class TIFFMember: @unchecked Sendable {
    let container: TIFFContainer
    let decoder: LibTIFFDecoder
    private var pages: [UInt64: (TIFFPageLayout, TIFFChunkTable?)] = [:]
    private let lock = NSLock()

    init(container: TIFFContainer) {
        self.container = container
        decoder = LibTIFFDecoder(path: container.path)
    }

    func layout(at offset: UInt64) throws -> TIFFPageLayout {
        lock.lock()
        if let hit = pages[offset] {
            lock.unlock()
            return hit.0
        }
        lock.unlock()
        let layout = try TIFFPageLayout(container: container, ifd: container.ifd(at: offset))
        lock.lock()
        if pages[offset] == nil { pages[offset] = (layout, nil) }
        lock.unlock()
        return layout
    }

    func chunkTable(at offset: UInt64, layout: TIFFPageLayout) throws -> TIFFChunkTable {
        lock.lock()
        if let hit = pages[offset]?.1 {
            lock.unlock()
            return hit
        }
        lock.unlock()
        let table = try TIFFChunkTable(container: container, ifd: container.ifd(at: offset), layout: layout)
        lock.lock()
        pages[offset] = (layout, table)
        lock.unlock()
        return table
    }

    /// SubIFD offsets of a page (pyramid levels below it).
    func subIFDs(of offset: UInt64) throws -> [UInt64] {
        let ifd = try container.ifd(at: offset)
        guard let e = ifd.entry(TIFFTag.subIFDs) else { return [] }
        return try container.integers(e)
    }
}

/// Every TIFF-family file (plain, BigTIFF, ImageJ, OME-TIFF, LSM) behind one ImageSource.
public final class TIFFSource: ImageSource, @unchecked Sendable {
    public let path: String
    public let format: FileFormat
    let members: [TIFFMember?]
    let layouts: [TIFFSeriesLayout]
    /// Extra raw-metadata sections a format reader contributes (ImageJ description, OME-XML, LSM).
    let extraRaw: [MetaNode]
    /// A metadata file read beside the image (an OME BinaryOnly companion).
    var companionFile: String?

    init(path: String, format: FileFormat, members: [TIFFMember?], layouts: [TIFFSeriesLayout], extraRaw: [MetaNode]) {
        self.path = path
        self.format = format
        self.members = members
        self.layouts = layouts
        self.extraRaw = extraRaw
    }

    public var seriesCount: Int { layouts.count }

    public func metadata(series: Int) -> ImageMetadata { layouts[series].metadata }

    public func levelSizes(series: Int) -> [(height: Int, width: Int)] { layouts[series].levels }

    public func chunkGrid(series: Int, level: Int) -> ChunkGrid {
        let s = layouts[series]
        let size = s.levels[level]
        guard let ref = s.planes.first(where: { $0 != nil }) ?? nil,
              let member = members[ref.member],
              let offset = try? levelOffset(ref, level: level, member: member),
              let layout = try? member.layout(at: offset)
        else { return ChunkGrid(height: size.height, width: size.width) }
        if layout.streamsStrips {
            return ChunkGrid(height: TIFFChunkReader.streamedBandRows(layout), width: size.width) // read in bands
        }
        return ChunkGrid(height: min(layout.chunkHeight, size.height), width: min(layout.chunkWidth, size.width))
    }

    private func levelOffset(_ ref: TIFFPlaneRef, level: Int, member: TIFFMember) throws -> UInt64 {
        if level == 0 { return ref.ifdOffset }
        let subs = try member.subIFDs(of: ref.ifdOffset)
        guard level - 1 < subs.count else { throw FormatError("pyramid level \(level) is missing for this plane") }
        return subs[level - 1]
    }

    public func read(series: Int, level: Int, plane: PlaneIndex, region: PixelRegion) throws -> PixelBuffer {
        try NoSuchSeries.check(series, path: path, count: layouts.count)
        let s = layouts[series]
        let m = s.metadata
        try ReadRequest.checkLevel(path, level, count: s.levels.count)
        let size = s.levels[level]
        try ReadRequest.check(path, plane: plane, region: region, shape: m.shape, width: size.width, height: size.height)
        guard let ref = s.planes[m.shape.planeNumber(t: plane.t, z: plane.z, c: plane.c)], let member = members[ref.member] else {
            // A plane the file set does not hold (missing OME member): zeros, as Bio-Formats does.
            return PixelBuffer(zeros: m.dtype, width: region.outputWidth, height: region.outputHeight)
        }
        do {
            let (layout, table) = try page(ref, member: member, series: s, level: level, plane: plane)
            let reader = TIFFChunkReader(file: member.container.file, bigEndian: member.container.bigEndian,
                                         layout: layout, table: table, decoder: member.decoder)
            return try reader.read(sample: ref.sample, region: region)
        } catch let e as OmioError {
            throw e
        } catch {
            throw OmioError(member.container.path, error.omioReason)
        }
    }

    /// Every level-0 plane's IFD and chunk table against the series' geometry, without reading
    /// pixels: a header that claims a 2^24-pixel row over one tile fails here, before a store
    /// build sizes a buffer by that row.
    public func checkStorage(series: Int) throws {
        guard series >= 0, series < layouts.count else { return }
        let s = layouts[series]
        let shape = s.metadata.shape
        for t in 0..<shape.t {
            for z in 0..<shape.z {
                for c in 0..<shape.c {
                    guard let ref = s.planes[shape.planeNumber(t: t, z: z, c: c)], let member = members[ref.member] else { continue }
                    do {
                        _ = try page(ref, member: member, series: s, level: 0, plane: PlaneIndex(t: t, z: z, c: c))
                    } catch {
                        throw OmioError(member.container.path, error.omioReason)
                    }
                }
            }
        }
    }

    /// The layout and chunk table of one plane's page at a level, checked against the series.
    private func page(_ ref: TIFFPlaneRef, member: TIFFMember, series s: TIFFSeriesLayout, level: Int,
                      plane: PlaneIndex) throws -> (TIFFPageLayout, TIFFChunkTable) {
        let size = s.levels[level]
        let dtype = s.metadata.dtype
        let offset = try levelOffset(ref, level: level, member: member)
        let layout = try member.layout(at: offset)
        guard layout.width == size.width, layout.height == size.height, layout.dtype == dtype else {
            throw FormatError("the IFD of plane \(plane) is \(layout.width)x\(layout.height) \(layout.dtype.rawValue), the series is \(size.width)x\(size.height) \(dtype.rawValue)")
        }
        if let start = ref.contiguousStart, level == 0 {
            return (layout, TIFFChunkTable(contiguousFrom: start, layout: layout))
        }
        return (layout, try member.chunkTable(at: offset, layout: layout))
    }

    public var inputFiles: [String] {
        [path] + members.compactMap { $0?.container.path } + (companionFile.map { [$0] } ?? [])
    }

    public func rawTree() -> [MetaNode] {
        var nodes: [MetaNode] = []
        if let first = members.first ?? nil {
            nodes.append(TIFFRawTree.tags(of: first.container))
        }
        return nodes + extraRaw
    }
}
