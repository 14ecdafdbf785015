import Foundation

/// Zeiss LSM: a TIFF whose first IFD carries the CZ_LSMINFO record (tag 34412). Image IFDs
/// alternate with thumbnails (reduced-resolution, skipped); channels are the samples of each
/// image IFD; images run Z fastest, then T. Voxel sizes are in metres.
enum LSMReader {
    /// Offsets into CZ_LSMINFO (tifffile's CZ_LSMINFO structure).
    enum Field {
        static let dimensionX = 8, dimensionY = 12, dimensionZ = 16, dimensionChannels = 20, dimensionTime = 24
        static let voxelX = 40, voxelY = 48, voxelZ = 56, scanType = 88
        static let offsetChannelColors = 108, timeIntervall = 112, offsetTimeStamps = 132
    }

    static let scanTypes = [0: "xyz stack", 1: "z scan (xz)", 2: "line scan", 3: "time series xy",
                            4: "time series xz", 5: "time series mean of ROIs", 6: "time series stack",
                            7: "spline scan", 8: "spline plane", 9: "time series spline plane", 10: "point scan"]

    static func open(path: String, member: TIFFMember) throws -> TIFFSource {
        let c = member.container
        let ifd0 = try c.ifd(0)
        guard let entry = ifd0.entry(TIFFTag.lsmInfo) else { throw FormatError("no CZ_LSMINFO record") }
        // The record is little-endian whatever the TIFF says; read a fixed prefix.
        let offset = entry.inline == nil ? entry.valueOffset : 0
        guard entry.inline == nil, c.file.contains(offset: offset, count: 140) else {
            throw FormatError("CZ_LSMINFO record is truncated or outside the file")
        }
        let info = try c.file.read(at: offset, count: 140)
        let le = ByteOrderReader(bigEndian: false)
        func i32(_ o: Int) -> Int { Int(Int32(bitPattern: le.u32(info, o))) }
        let dimZ = max(1, i32(Field.dimensionZ)), dimT = max(1, i32(Field.dimensionTime))
        let scanType = Int(le.u16(info, Field.scanType))

        // Image pages: full-resolution IFDs in chain order.
        var pages: [TIFFPageLayout] = []
        for (_, result) in TIFFFamilyReader.pageLayouts(member) {
            guard let page = try? result.get(), !page.reducedResolution else { continue }
            if let first = pages.first, TIFFFamilyReader.dimensionMismatch(first, page) { continue }
            pages.append(page)
        }
        guard let page0 = pages.first else { throw FormatError("no image pages (only thumbnails)") }
        var warnings: [String] = []
        if let w = c.chainWarning { warnings.append(w) }
        var z = dimZ, t = dimT
        if z * t != pages.count {
            // The record's sizes do not match the pages (junk Z in some files): trust the pages.
            if t == 1 { z = pages.count } else if z == 1 { t = pages.count } else { z = pages.count; t = 1 }
            warnings.append("CZ_LSMINFO says Z \(dimZ) x T \(dimT) but the file has \(pages.count) image pages; using Z \(z) x T \(t)")
        }
        let channels = page0.samplesPerPixel
        let shape = Shape(t: t, z: z, c: channels, y: page0.height, x: page0.width)
        var planes: [TIFFPlaneRef?] = []
        for p in pages.prefix(t * z) {
            for s in 0..<channels { planes.append(TIFFPlaneRef(member: 0, ifdOffset: p.ifdOffset, sample: s)) }
        }

        func voxel(_ o: Int) -> Double? {
            let metres = le.f64(info, o)
            // 1e-19 and similar tiny values mean "not set".
            guard metres.isFinite, metres > 1e-15 else { return nil }
            return metres * 1e6
        }
        var dt: Double? = { let v = le.f64(info, Field.timeIntervall); return v.isFinite && v > 0 ? v : nil }()
        if dt == nil, t > 1 { dt = timeStampInterval(c, at: UInt64(le.u32(info, Field.offsetTimeStamps))) }
        let colors = channelColors(c, at: UInt64(le.u32(info, Field.offsetChannelColors)))
        let channelInfo = (0..<channels).map { i -> ChannelInfo in
            ChannelInfo(name: i < colors.count ? colors[i].name : nil, color: i < colors.count ? colors[i].color : nil)
        }
        var m = ImageMetadata(path: path, format: .lsm, shape: shape, dtype: page0.dtype,
                              physicalSizeX: voxel(Field.voxelX), physicalSizeY: voxel(Field.voxelY),
                              physicalSizeZ: voxel(Field.voxelZ), timeIncrement: dt, channels: channelInfo)
        let ann: [(String, JSONValue)] = [
            ("DimensionX", .int(i32(Field.dimensionX))), ("DimensionY", .int(i32(Field.dimensionY))),
            ("DimensionZ", .int(dimZ)), ("DimensionChannels", .int(i32(Field.dimensionChannels))),
            ("DimensionTime", .int(dimT)),
            ("VoxelSizeX", .number(le.f64(info, Field.voxelX))), ("VoxelSizeY", .number(le.f64(info, Field.voxelY))),
            ("VoxelSizeZ", .number(le.f64(info, Field.voxelZ))), ("VoxelSizeUnit", .string("m")),
            ("ScanType", .string(scanTypes[scanType] ?? "\(scanType)")),
            ("TimeIntervall", .number(le.f64(info, Field.timeIntervall))),
        ]
        m.annotations = ann
        m.readerWarnings = warnings
        let layout = TIFFSeriesLayout(metadata: m, planes: planes, levels: [(page0.height, page0.width)])
        let raw = MetaNode("CZ_LSMINFO", nil, ann.map { MetaNode($0.0, $0.1.displayString) })
        return TIFFSource(path: path, format: .lsm, members: [member], layouts: [layout], extraRaw: [raw])
    }

    /// The ChannelColors record: colours (RGBA bytes) and names (length-prefixed strings).
    static func channelColors(_ c: TIFFContainer, at offset: UInt64) -> [(name: String?, color: RGBColor?)] {
        guard offset > 0, c.file.contains(offset: offset, count: 24), let head = try? c.file.read(at: offset, count: 24) else { return [] }
        let le = ByteOrderReader(bigEndian: false)
        let size = UInt64(le.u32(head, 0)), ncolors = Int(le.u32(head, 4)), nnames = Int(le.u32(head, 8))
        let coffset = UInt64(le.u32(head, 12)), noffset = UInt64(le.u32(head, 16))
        guard ncolors == nnames, ncolors <= 64, size <= 1 << 20, noffset < size,
              c.file.contains(offset: offset, count: size), let body = try? c.file.read(at: offset, count: Int(size))
        else { return [] }
        var out: [(String?, RGBColor?)] = []
        var p = Int(noffset)
        for i in 0..<ncolors {
            let co = Int(coffset) + 4 * i
            let color = co + 3 < body.count ? RGBColor(body[co], body[co + 1], body[co + 2]) : nil
            var name: String?
            if p + 4 <= body.count {
                let n = Int(le.u32(body, p))
                if n > 0, p + 4 + n <= body.count {
                    name = String(decoding: body[(p + 4)..<(p + 4 + n)].prefix(while: { $0 != 0 }), as: UTF8.self)
                    p += 4 + n
                }
            }
            out.append((name, color))
        }
        return out
    }

    /// Interval between the first two time stamps (seconds), when TimeIntervall is 0.
    static func timeStampInterval(_ c: TIFFContainer, at offset: UInt64) -> Double? {
        guard offset > 0, c.file.contains(offset: offset, count: 24), let b = try? c.file.read(at: offset, count: 24) else { return nil }
        let le = ByteOrderReader(bigEndian: false)
        guard le.u32(b, 4) >= 2 else { return nil }
        let d = le.f64(b, 16) - le.f64(b, 8)
        return d.isFinite && d > 0 ? d : nil
    }
}
