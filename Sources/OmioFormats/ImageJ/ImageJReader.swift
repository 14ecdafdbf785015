import Foundation

/// ImageJ hyperstacks: shape from the description (channels, slices, frames; C fastest, then
/// Z, then T), calibration from XResolution + unit= and spacing=, frame interval from
/// finterval/fps, LUTs and Info from the IJMetadata tag. Stacks over 4 GiB have one IFD and
/// planes stored back to back after it.
enum ImageJReader {
    /// More planes than this is not a stack (OMEReader uses the same bound).
    static let maxPlanes = 10_000_000
    /// Planes a contiguous stack may lack (a truncated file) before it is refused as implausible.
    static let maxMissingPlanes = 100_000

    static func open(path: String, member: TIFFMember, description text: String) throws -> TIFFSource {
        let c = member.container
        let ifd0 = try c.ifd(0)
        let page0 = try member.layout(at: ifd0.offset)
        let ij = ImageJDescription(text)
        var warnings: [String] = []
        if let w = c.chainWarning { warnings.append(w) }

        // Samples (RGB) are channels; then channels x slices x frames from the description.
        let spp = page0.samplesPerPixel
        var channels = max(1, ij.int("channels") ?? 1)
        let slices = max(1, ij.int("slices") ?? 1)
        var frames = max(1, ij.int("frames") ?? 1)
        let ifdCount = c.ifdOffsets.count
        var images = max(1, ij.int("images") ?? ifdCount)
        if spp > 1 { channels = 1 } // ImageJ RGB: the colour is in the samples
        if images > 1, ij.int("channels") == nil, ij.int("slices") == nil, ij.int("frames") == nil {
            frames = images // a plain stack: the page axis has no meaning -> T (OMIO's I->T)
        }
        // Sizes come from text: refuse products that overflow or no file could hold (fuzzing
        // found channels=2147483647 on a one-IFD file: a 2^31-entry plane table).
        let (cz, o1) = channels.multipliedReportingOverflow(by: slices)
        let (product, o2) = cz.multipliedReportingOverflow(by: frames)
        guard !o1, !o2, product <= maxPlanes else {
            throw FormatError("ImageJ description claims an implausible stack (channels=\(channels), slices=\(slices), frames=\(frames))")
        }
        if product != images {
            // `images` is not reliable (tifffile's note): trust the product when it fits the file.
            warnings.append("ImageJ images=\(images) disagrees with channels x slices x frames = \(product); using \(product)")
            images = product
        }

        // Where the planes are: one IFD each, or contiguous after the first.
        let planeBytes = (page0.width * spp * page0.bitsPerSample + 7) / 8 * page0.height // stored bytes
        var planeRefs: [TIFFPlaneRef?] = []
        if ifdCount >= images {
            for k in 0..<images {
                let off = c.ifdOffsets[k]
                if k > 0, let l = try? member.layout(at: off), TIFFFamilyReader.dimensionMismatch(l, page0) {
                    throw FormatError("ImageJ page \(k) is \(l.width)x\(l.height) \(l.dtype.rawValue), page 0 is \(page0.width)x\(page0.height) \(page0.dtype.rawValue)")
                }
                planeRefs.append(TIFFPlaneRef(member: 0, ifdOffset: off, sample: 0))
            }
        } else {
            let table = try TIFFChunkTable(container: c, ifd: ifd0, layout: page0)
            guard page0.compression == 1, isContiguous(table) else {
                throw FormatError("ImageJ file claims \(images) images in \(ifdCount) IFDs and its data are not contiguous")
            }
            let start = table.offsets[0]
            let available = Int((c.file.size - min(start, c.file.size)) / UInt64(max(planeBytes, 1)))
            // Planes past the end read as zeros (a truncated file), but not without bound.
            guard images <= available + maxMissingPlanes else {
                throw FormatError("ImageJ description claims \(images) planes; the file holds \(available)")
            }
            if available < images {
                warnings.append("the file holds \(available) of \(images) planes (truncated); the rest read as zeros")
            }
            for k in 0..<images {
                planeRefs.append(k < available
                    ? TIFFPlaneRef(member: 0, ifdOffset: ifd0.offset, sample: 0, contiguousStart: start + UInt64(k) * UInt64(planeBytes))
                    : nil)
            }
        }
        // Expand samples into C: plane number (t*Z + z)*C + c with C = spp for RGB.
        let cCount = spp > 1 ? spp : channels
        var planes: [TIFFPlaneRef?] = []
        planes.reserveCapacity(images * (spp > 1 ? spp : 1))
        for ref in planeRefs {
            if spp > 1 {
                for s in 0..<spp { planes.append(ref.map { var r = $0; r.sample = s; return r }) }
            } else {
                planes.append(ref)
            }
        }
        let shape = Shape(t: frames, z: slices, c: cCount, y: page0.height, x: page0.width)

        // Calibration.
        let unit = ij.string("unit")
        let res = TIFFFamilyReader.resolutionSizes(c, ifd0, unitOverride: unit)
        var z: Double?
        if let u = res.unit, !LengthUnit.isUncalibrated(u), let f = LengthUnit.micrometres(per: u),
           let spacing = ij.double("spacing"), spacing.isFinite, spacing > 0 {
            z = spacing * f
        }
        var dt: Double?
        let tunit = ij.string("tunit") ?? "sec"
        let tf = TimeUnit.seconds(per: tunit) ?? 1
        if let fi = ij.double("finterval"), fi > 0 {
            dt = fi * tf
        } else if let fps = ij.double("fps"), fps > 0 {
            dt = 1 / fps
        }

        let binary = binaryMetadata(c, ifd0)
        var channelInfo = (0..<cCount).map { _ in ChannelInfo() }
        if spp == 3 {
            channelInfo = [ChannelInfo(name: "R", color: RGBColor(255, 0, 0)), ChannelInfo(name: "G", color: RGBColor(0, 255, 0)),
                           ChannelInfo(name: "B", color: RGBColor(0, 0, 255))]
        } else if let luts = binary?.luts, luts.count == cCount {
            for (i, lut) in luts.enumerated() { channelInfo[i].color = ImageJBinaryMetadata.color(ofLUT: lut) }
        }

        var m = ImageMetadata(path: path, format: .imagejTiff, shape: shape, dtype: page0.dtype,
                              physicalSizeX: res.x, physicalSizeY: res.y, physicalSizeZ: z,
                              timeIncrement: dt, channels: channelInfo)
        m.levels = 1
        m.isRGB = spp == 3
        m.readerWarnings = warnings
        var annotations = ij.pairs
        if let u = res.unit { annotations.append(("ResolutionUnitUsed", .string(u))) }
        if let b = binary {
            if let info = b.info { annotations.append(("Info", .string(info.count > 4096 ? String(info.prefix(4096)) + "…" : info))) }
            if !b.ranges.isEmpty { annotations.append(("Ranges", .array(b.ranges.map { .number($0) }))) }
            if !b.labels.isEmpty { annotations.append(("Labels", .array(b.labels.prefix(1000).map { .string($0) }))) }
            for (k, v) in b.properties { annotations.append((k, .string(v))) }
        }
        m.annotations = annotations
        let layout = TIFFSeriesLayout(metadata: m, planes: planes, levels: [(page0.height, page0.width)])
        let raw = MetaNode("ImageJ description", nil, ij.pairs.map { MetaNode($0.0, $0.1.displayString) })
        return TIFFSource(path: path, format: .imagejTiff, members: [member], layouts: [layout], extraRaw: [raw])
    }

    static func isContiguous(_ t: TIFFChunkTable) -> Bool {
        for i in 1..<max(1, t.offsets.count) where t.offsets[i] != t.offsets[i - 1] &+ t.byteCounts[i - 1] {
            return false
        }
        return true
    }

    static func binaryMetadata(_ c: TIFFContainer, _ ifd: TIFFIFD) -> ImageJBinaryMetadata? {
        guard let dataEntry = ifd.entry(TIFFTag.ijMetadata), let countsEntry = ifd.entry(TIFFTag.ijMetadataByteCounts),
              let data = try? c.rawValue(dataEntry), let counts = try? c.integers(countsEntry)
        else { return nil }
        var blocks: [[UInt8]] = []
        var p = 0
        for n in counts {
            guard n <= UInt64(data.count - p) else { break }
            blocks.append(Array(data[p..<(p + Int(n))]))
            p += Int(n)
        }
        return ImageJBinaryMetadata(blocks: blocks, bigEndian: c.bigEndian)
    }
}

extension JSONValue {
    /// A value as a person reads it in a tree: strings unquoted, numbers short.
    public var displayString: String {
        switch self {
        case let .string(s): return s
        case let .number(n): return JSONValue.format(n)
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        default: return serialized()
        }
    }
}
