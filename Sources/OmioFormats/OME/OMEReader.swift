import Foundation

/// OME-TIFF: the OME-XML in the first IFD's description. One series per Image; planes mapped
/// through TiffData (IFD, PlaneCount, FirstZ/C/T with the schema's defaults), possibly across
/// the files of a multi-file set (UUID FileName, relative to this file).
enum OMEReader {
    /// The XML is unusable for OME; the file is still a TIFF and is read as a plain one.
    struct Fallback: Error { let reason: String }

    /// Planes a series may lack (missing member files, short files) before it is refused.
    static let maxMissingPlanes = 100_000

    static func looksLikeOME(_ description: String) -> Bool {
        let head = description.prefix(4096)
        return head.contains("<OME") || head.contains(":OME ") || head.contains("<BinaryOnly")
    }

    static func open(path: String, member: TIFFMember, xml: String) throws -> TIFFSource {
        var root: XMLElement
        do {
            root = try XMLTree.parse(xml)
        } catch {
            throw Fallback(reason: "OME-XML is malformed (\(error.omioReason)); read as a plain TIFF")
        }
        let dir = (path as NSString).deletingLastPathComponent
        // BinaryOnly: the metadata live in a companion file.
        var companionFile: String?
        if let ns = omeNamespace(root), let bin = root.child("BinaryOnly", namespace: ns), let name = bin["MetadataFile"] {
            let companion = (dir as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: companion), let r = try? XMLTree.parse(data) else {
                throw Fallback(reason: "OME companion metadata \(name) is missing or unreadable; read as a plain TIFF")
            }
            root = r
            companionFile = companion
        }
        guard root.name == "OME", let ns = omeNamespace(root) else {
            throw Fallback(reason: "the description is not OME-XML (root <\(root.name)>); read as a plain TIFF")
        }
        let images = root.children("Image", namespace: ns)
        guard !images.isEmpty else { throw Fallback(reason: "OME-XML has no Image; read as a plain TIFF") }

        var files = MemberFiles(path: path, rootUUID: root["UUID"], first: member)
        let annotations = structuredAnnotations(root, ns)
        var layouts: [TIFFSeriesLayout] = []
        var seriesWarnings: [String] = []
        for (s, image) in images.enumerated() {
            do {
                layouts.append(try series(image: image, index: s, ns: ns, files: &files, path: path, annotations: annotations))
            } catch {
                seriesWarnings.append("OME Image \(s) skipped: \(error.omioReason)")
            }
        }
        guard !layouts.isEmpty else {
            throw Fallback(reason: "OME-XML does not match the file (\(seriesWarnings.first ?? "no series")); read as a plain TIFF")
        }
        if let w = member.container.chainWarning { seriesWarnings.append(w) }
        for i in layouts.indices {
            layouts[i].metadata.series = i
            layouts[i].metadata.seriesCount = layouts.count
            layouts[i].metadata.readerWarnings = files.warnings + seriesWarnings + layouts[i].metadata.readerWarnings
        }
        let source = TIFFSource(path: path, format: .omeTiff, members: files.members, layouts: layouts,
                                extraRaw: [MetaNode("OME-XML", nil, [root.metaNode()])])
        source.companionFile = companionFile
        return source
    }

    static func omeNamespace(_ root: XMLElement) -> String? {
        guard let ns = root.namespace, ns.lowercased().hasPrefix("http://www.openmicroscopy.org/schemas/ome/") else { return nil }
        return ns
    }

    /// The files of a multi-file set, opened on first reference; a missing one is a warning.
    struct MemberFiles {
        let path: String
        let rootUUID: String?
        var members: [TIFFMember?]
        var byName: [String: Int] = [:]
        var warnings: [String] = []

        init(path: String, rootUUID: String?, first: TIFFMember) {
            self.path = path
            self.rootUUID = rootUUID
            members = [first]
            byName[(path as NSString).lastPathComponent] = 0
        }

        mutating func index(uuid: String?, fileName: String?) -> Int? {
            guard let fileName, !fileName.isEmpty else { return 0 }
            if let uuid, let rootUUID, uuid.trimmingCharacters(in: .whitespaces) == rootUUID { return 0 }
            if let i = byName[fileName] { return members[i] == nil ? nil : i }
            let dir = (path as NSString).deletingLastPathComponent
            let full = (dir as NSString).appendingPathComponent(fileName)
            let i = members.count
            byName[fileName] = i
            do {
                members.append(TIFFMember(container: try TIFFContainer(path: full)))
                return i
            } catch {
                members.append(nil)
                warnings.append("member file \(fileName) of this OME-TIFF set is unavailable (\(error.omioReason)); its planes read as zeros")
                return nil
            }
        }
    }

    static func series(image: XMLElement, index: Int, ns: String, files: inout MemberFiles, path: String,
                       annotations: [(String, JSONValue)]) throws -> TIFFSeriesLayout {
        guard let px = image.child("Pixels", namespace: ns) else { throw FormatError("no Pixels element") }
        func size(_ k: String) throws -> Int {
            guard let v = px[k].flatMap({ Int($0) }), v >= 1, v <= 1 << 24 else {
                throw FormatError("Pixels \(k)=\(px[k] ?? "missing") is invalid")
            }
            return v
        }
        let sx = try size("SizeX"), sy = try size("SizeY"), sz = try size("SizeZ"), sc = try size("SizeC"), st = try size("SizeT")
        let order = px["DimensionOrder"] ?? "XYZCT"
        guard order.count == 5, order.hasPrefix("XY"), Set(order.dropFirst(2)) == Set("ZCT") else {
            throw FormatError("DimensionOrder \(order) is invalid")
        }
        let channelElements = px.children("Channel", namespace: ns)
        let spp = max(1, channelElements.first?["SamplesPerPixel"].flatMap { Int($0) } ?? 1)
        // A TIFF page has at most 64 samples (TIFFPageLayout). The bound covers the planes of
        // the model (Z x C x T, samples included), not only the stored ones: an OME-XML with
        // SizeC = SamplesPerPixel = 2^24 over one IFD built a 2^24-entry plane table (OOM).
        let samplesPerPlane = (spp > 1 && spp <= 64 && sc % spp == 0) ? spp : 1
        let planeC = sc / samplesPerPlane
        let (totalPlanes, o1) = sz.multipliedReportingOverflow(by: planeC * st)
        let (modelPlanes, o2) = totalPlanes.multipliedReportingOverflow(by: samplesPerPlane)
        guard !o1, !o2, modelPlanes <= 10_000_000 else { throw FormatError("\(sz)x\(sc)x\(st) planes is implausible") }

        // Stored plane i (in DimensionOrder) -> (z, c, t).
        let dims = Array(order.dropFirst(2))
        let sizes: [Character: Int] = ["Z": sz, "C": planeC, "T": st]
        func zct(_ i: Int) -> (Int, Int, Int) {
            var rest = i
            var v: [Character: Int] = [:]
            for d in dims {
                v[d] = rest % sizes[d]!
                rest /= sizes[d]!
            }
            return (v["Z"]!, v["C"]!, v["T"]!)
        }
        func planeNumber(z: Int, c: Int, t: Int) -> Int {
            var n = 0
            var mul = 1
            for d in dims {
                n += (d == "Z" ? z : d == "C" ? c : t) * mul
                mul *= sizes[d]!
            }
            return n
        }

        // TiffData -> (member, IFD index) per stored plane. Runs are clipped to the IFDs their
        // file holds (planes past them have no data either way), so a huge PlaneCount or IFD
        // costs no work and cannot overflow; and a description of far more planes than the
        // file set holds is refused before any per-plane table exists (a crafted SizeZ=10^7
        // over one IFD took minutes and 2 GB).
        let tiffData = px.children("TiffData", namespace: ns)
        var runs: [(start: Int, member: Int, ifd: Int, count: Int)] = []
        if tiffData.isEmpty {
            runs.append((0, 0, 0, min(totalPlanes, files.members[0]?.container.ifdOffsets.count ?? 0)))
        } else {
            for td in tiffData {
                let ifd = td["IFD"].flatMap { Int($0) } ?? 0
                let count = td["PlaneCount"].flatMap { Int($0) } ?? (td["IFD"] != nil ? 1 : totalPlanes)
                let fz = td["FirstZ"].flatMap { Int($0) } ?? 0
                let fc = td["FirstC"].flatMap { Int($0) } ?? 0
                let ft = td["FirstT"].flatMap { Int($0) } ?? 0
                guard ifd >= 0, count >= 0, fz >= 0, fz < sz, fc >= 0, fc < planeC, ft >= 0, ft < st else { continue }
                let uuid = td.child("UUID", namespace: ns)
                guard let m = files.index(uuid: uuid?.trimmedText, fileName: uuid?["FileName"]),
                      let ifds = files.members[m]?.container.ifdOffsets.count, ifd < ifds else { continue }
                let start = planeNumber(z: fz, c: fc, t: ft)
                runs.append((start, m, ifd, min(count, totalPlanes - start, ifds - ifd)))
            }
        }
        let held = min(totalPlanes, runs.reduce(0) { $0 + $1.count })
        guard totalPlanes - held <= maxMissingPlanes else {
            throw FormatError("OME-XML describes \(totalPlanes) planes; the file set holds at most \(held)")
        }
        var stored = [(member: Int, ifd: Int)?](repeating: nil, count: totalPlanes)
        for r in runs {
            for k in 0..<r.count { stored[r.start + k] = (r.member, r.ifd + k) }
        }

        // Resolve IFD indices to offsets and check the pages agree with Pixels.
        var firstPage: TIFFPageLayout?
        var planes = [TIFFPlaneRef?](repeating: nil, count: st * sz * sc)
        let shape = Shape(t: st, z: sz, c: sc, y: sy, x: sx)
        var missing = 0
        for i in 0..<totalPlanes {
            let (z, cp, t) = zct(i)
            guard let s = stored[i], let member = files.members[s.member], s.ifd < member.container.ifdOffsets.count else {
                missing += 1
                continue
            }
            let off = member.container.ifdOffsets[s.ifd]
            if firstPage == nil {
                let page = try member.layout(at: off)
                guard page.width == sx, page.height == sy else {
                    throw FormatError("Pixels say \(sx)x\(sy), the IFD holds \(page.width)x\(page.height)")
                }
                firstPage = page
            }
            for sample in 0..<samplesPerPlane {
                planes[shape.planeNumber(t: t, z: z, c: cp * samplesPerPlane + sample)] =
                    TIFFPlaneRef(member: s.member, ifdOffset: off, sample: sample)
            }
        }
        guard let page = firstPage else { throw FormatError("no TiffData plane resolves to an IFD") }
        var warnings: [String] = []
        if missing > 0 { warnings.append("\(missing) of \(totalPlanes) planes have no IFD in the file set; they read as zeros") }
        let typeName = px["Type"] ?? page.dtype.rawValue
        if let t = dtype(typeName), t != page.dtype {
            warnings.append("Pixels Type \(typeName) disagrees with the TIFF samples (\(page.dtype.rawValue)); using the TIFF's")
        }

        // Calibration, converted to µm and s; original units kept.
        var ann: [(String, JSONValue)] = []
        if let name = image["Name"] { ann.append(("Name", .string(name))) }
        if let date = image.child("AcquisitionDate", namespace: ns)?.trimmedText, !date.isEmpty {
            ann.append(("AcquisitionDate", .string(date)))
        }
        func length(_ key: String) -> Double? {
            guard let raw = px[key], let v = Double(raw), v.isFinite, v > 0 else { return nil }
            let unit = px[key + "Unit"] ?? "µm"
            if unit != "µm" { ann.append((key + "Original", .string("\(raw) \(unit)"))) }
            guard let f = LengthUnit.micrometres(per: unit) else {
                warnings.append("\(key)Unit \(unit) is not a physical length; \(key) ignored")
                return nil
            }
            return v * f
        }
        let x = length("PhysicalSizeX"), y = length("PhysicalSizeY"), z = length("PhysicalSizeZ")
        var dt: Double?
        if let raw = px["TimeIncrement"], let v = Double(raw), v.isFinite, v > 0 {
            let unit = px["TimeIncrementUnit"] ?? "s"
            if unit != "s" { ann.append(("TimeIncrementOriginal", .string("\(raw) \(unit)"))) }
            dt = TimeUnit.seconds(per: unit).map { v * $0 }
        } else if st > 1 {
            dt = deltaT(px, ns)
        }
        var channels = channelElements.map { ch -> ChannelInfo in
            ChannelInfo(name: ch["Name"].flatMap { $0.isEmpty ? nil : $0 },
                        color: ch["Color"].flatMap { Int64($0) }.map { RGBColor(omeColor: $0) })
        }
        if samplesPerPlane > 1, channels.count * samplesPerPlane == sc {
            // One RGB Channel element stands for spp samples.
            channels = channels.flatMap { ch in (0..<samplesPerPlane).map { s in
                ChannelInfo(name: ch.name.map { "\($0) \(["R", "G", "B", "A"][min(s, 3)])" }, color: nil)
            } }
        }
        let levels = TIFFFamilyReader.levels(of: files.members[planes.compactMap { $0 }.first!.member]!, page: page)
        var m = ImageMetadata(path: path, format: .omeTiff, series: index, levels: levels.count, shape: shape,
                              dtype: page.dtype, physicalSizeX: x, physicalSizeY: y, physicalSizeZ: z,
                              timeIncrement: dt, channels: channels)
        // One Channel element of 3 or 4 samples is a colour image; several are channels that
        // happen to be RGB each, shown as channels.
        m.isRGB = (samplesPerPlane == 3 || samplesPerPlane == 4) && sc == samplesPerPlane
        m.description = image.child("Description", namespace: ns)?.trimmedText.nilIfEmpty
        m.annotations = ann + annotations
        m.readerWarnings = warnings
        return TIFFSeriesLayout(metadata: m, planes: planes, levels: levels)
    }

    static func dtype(_ omeType: String) -> PixelType? {
        switch omeType {
        case "float": return .float32
        case "double": return .float64
        default: return PixelType(rawValue: omeType)
        }
    }

    /// Time between the first two time points from Plane DeltaT, when TimeIncrement is absent.
    static func deltaT(_ px: XMLElement, _ ns: String) -> Double? {
        var t0: Double?, t1: Double?
        for p in px.children("Plane", namespace: ns) where p["TheZ"] ?? "0" == "0" && p["TheC"] ?? "0" == "0" {
            guard let v = p["DeltaT"].flatMap(Double.init) else { continue }
            let f = TimeUnit.seconds(per: p["DeltaTUnit"] ?? "s") ?? 1
            if p["TheT"] == "0" { t0 = v * f }
            if p["TheT"] == "1" { t1 = v * f }
        }
        guard let a = t0, let b = t1, b > a else { return nil }
        return b - a
    }

    /// MapAnnotation pairs and CommentAnnotation texts (XML annotations can be huge: skipped).
    static func structuredAnnotations(_ root: XMLElement, _ ns: String) -> [(String, JSONValue)] {
        guard let sa = root.child("StructuredAnnotations", namespace: ns) else { return [] }
        var out: [(String, JSONValue)] = []
        for map in sa.children("MapAnnotation", namespace: ns).prefix(100) {
            for m in map.child("Value", namespace: ns)?.children("M", namespace: ns) ?? [] {
                if let k = m["K"] { out.append((k, .string(m.trimmedText))) }
            }
        }
        for c in sa.children("CommentAnnotation", namespace: ns).prefix(100) {
            if let v = c.child("Value", namespace: ns)?.trimmedText { out.append(("Comment", .string(v))) }
        }
        return out
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
