/// Plain TIFF and BigTIFF: pages of one shape and type form a series (tifffile's generic
/// series); the page axis has no meaning in the file, so it becomes T (OMIO's I->T rule);
/// samples (RGB) fold into C. Reduced-resolution pages (thumbnails) are skipped.
enum GenericTIFFReader {
    static func open(path: String, member: TIFFMember, warnings: [String]) throws -> TIFFSource {
        let c = member.container
        var groups: [(layout: TIFFPageLayout, pages: [TIFFPageLayout])] = []
        var skipped: [String] = []
        var firstError: Error?
        for (i, result) in TIFFFamilyReader.pageLayouts(member) {
            switch result {
            case let .success(page):
                if page.reducedResolution, i > 0 { continue }
                if let g = groups.firstIndex(where: { !TIFFFamilyReader.dimensionMismatch($0.layout, page) }) {
                    groups[g].pages.append(page)
                } else {
                    groups.append((page, [page]))
                }
            case let .failure(e):
                if firstError == nil { firstError = e }
                skipped.append("IFD \(i): \(e.omioReason)")
            }
        }
        guard !groups.isEmpty else { throw firstError ?? FormatError("no readable image in the file") }
        let format: FileFormat = c.bigTIFF ? .bigtiff : .tiff
        var readerWarnings = warnings
        if let w = c.chainWarning { readerWarnings.append(w) }
        if !skipped.isEmpty {
            readerWarnings.append("skipped \(skipped.count) unreadable page(s): \(skipped.prefix(3).joined(separator: "; "))")
        }
        let ifd0 = try c.ifd(0)
        let annotations = annotations(c, ifd0)
        let layouts = try groups.enumerated().map { s, group -> TIFFSeriesLayout in
            let first = group.layout
            let spp = first.samplesPerPixel
            let shape = Shape(t: group.pages.count, z: 1, c: spp, y: first.height, x: first.width)
            let ifd = try c.ifd(at: first.ifdOffset)
            let res = TIFFFamilyReader.resolutionSizes(c, ifd, unitOverride: nil)
            // A resolution in inches is a print setting (72 or 300 dpi), not a calibration,
            // unless it is finer than a printer could mean (pixels under ~20 µm).
            let calibrated = res.unit == "cm" || (res.x ?? .infinity) < 21
            var m = ImageMetadata(path: path, format: format, series: s, seriesCount: groups.count,
                                  levels: TIFFFamilyReader.levels(of: member, page: first).count,
                                  shape: shape, dtype: first.dtype,
                                  physicalSizeX: calibrated ? res.x : nil, physicalSizeY: calibrated ? res.y : nil,
                                  physicalSizeZ: nil)
            // 2 RGB; 6 YCbCr, which the decoder hands out as RGB.
            if spp == 3 || spp == 4, first.photometric == 2 || first.photometric == 6 {
                m.isRGB = true
                let rgb = [RGBColor(255, 0, 0), RGBColor(0, 255, 0), RGBColor(0, 0, 255), RGBColor.white]
                m.channels = (0..<spp).map { ChannelInfo(name: ["R", "G", "B", "A"][$0], color: rgb[$0]) }
            }
            m.description = c.string(ifd, TIFFTag.imageDescription).flatMap { $0.isEmpty ? nil : $0 }
            m.annotations = annotations
            m.readerWarnings = readerWarnings
            var planes: [TIFFPlaneRef?] = []
            for page in group.pages {
                for sample in 0..<spp { planes.append(TIFFPlaneRef(member: 0, ifdOffset: page.ifdOffset, sample: sample)) }
            }
            return TIFFSeriesLayout(metadata: m, planes: planes, levels: TIFFFamilyReader.levels(of: member, page: first))
        }
        return TIFFSource(path: path, format: format, members: [member], layouts: layouts, extraRaw: [])
    }

    static func annotations(_ c: TIFFContainer, _ ifd: TIFFIFD) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        for (tag, key) in [(TIFFTag.software, "Software"), (UInt16(306), "DateTime"), (UInt16(315), "Artist")] {
            if let s = c.string(ifd, tag), !s.isEmpty { out.append((key, .string(s))) }
        }
        if let unit = try? c.integer(ifd, TIFFTag.resolutionUnit) {
            out.append(("ResolutionUnit", .string(["", "none", "inch", "centimeter"][Int(min(unit, 3))])))
        }
        if let x = c.double(ifd, TIFFTag.xResolution) { out.append(("XResolution", .number(x))) }
        if let y = c.double(ifd, TIFFTag.yResolution) { out.append(("YResolution", .number(y))) }
        return out
    }
}
