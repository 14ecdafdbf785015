/// A stored subblock placed in its scene's plane.
struct CZITile: Sendable {
    let entry: CZIDirectoryEntry
    /// Top-left corner in the scene plane, in pixels.
    let x: Int, y: Int
    let width: Int, height: Int
}

/// One scene (S index) of a CZI, which becomes one series: its TZCYX shape and the tiles of
/// every plane, in the order they are painted (mosaic index M ascending, later on top).
struct CZIScene: Sendable {
    let sceneIndex: Int
    let format: CZIPixelFormat
    let shape: Shape
    /// Channels as CZI counts them (BGR pixels are one CZI channel, three of ours).
    let cziChannels: Int
    /// The CZI channel index of our channel 0, to look names up in the XML.
    let firstChannel: Int
    /// Tiles per CZI plane number `(t * Z + z) * cziChannels + cziC`.
    let tiles: [Int: [CZITile]]
    let compressions: Set<Int>
    let isMosaic: Bool

    func tiles(t: Int, z: Int, cziChannel: Int) -> [CZITile] {
        tiles[(t * shape.z + z) * cziChannels + cziChannel] ?? []
    }
}

/// Maps directory entries to scenes, planes and tiles, as OMIO reads CZI through czifile:
/// X/Y place tiles, C/Z/T index planes, S splits series (as Bio-Formats does), M orders
/// mosaic tiles, and any other axis (B, V, H, R, I, ...) keeps its first index only.
/// Pyramid (downscaled) subblocks are not levels here: they are skipped.
enum CZILayout {
    static let planeAxes: Set<String> = ["X", "Y", "C", "Z", "T", "S", "M"]
    /// Plane sides and counts past these are corrupt entries, not images.
    static let maxSide = 1 << 24
    static let maxPlanes = 1 << 24
    /// Each channel carries names and colours in the model: keep the count sane.
    static let maxChannels = 4096

    static func scenes(_ entries: [CZIDirectoryEntry], fileSize: UInt64, warnings: inout [String]) throws -> [CZIScene] {
        var full: [CZIDirectoryEntry] = []
        var otherParts = 0
        for e in entries {
            guard let x = e.dimension("X"), let y = e.dimension("Y") else {
                throw FormatError("a CZI subblock has no X/Y dimension (axes \(e.axes))")
            }
            if e.filePart != 0 { otherParts += 1; continue }
            // Downscaled copies of full-resolution data: nothing is lost by skipping them.
            if e.pyramidType != 0 || x.storedSize != x.size || y.storedSize != y.size { continue }
            full.append(e)
        }
        if otherParts > 0 {
            warnings.append("\(otherParts) subblocks live in other parts of a multi-file CZI; their planes read as zeros")
        }
        full = keepFirstIndexOfExtraAxes(full, warnings: &warnings)
        guard !full.isEmpty else { throw FormatError("the CZI has no full-resolution subblocks") }

        var byScene: [Int: [CZIDirectoryEntry]] = [:]
        for e in full { byScene[e.dimension("S")?.start ?? 0, default: []].append(e) }
        return try byScene.keys.sorted().map { s in try scene(s, byScene[s]!, fileSize: fileSize) }
    }

    /// OMIO indexes axes outside TZCYX at 0; here that is the lowest index present.
    static func keepFirstIndexOfExtraAxes(_ entries: [CZIDirectoryEntry], warnings: inout [String]) -> [CZIDirectoryEntry] {
        var indices: [String: Set<Int>] = [:]
        for e in entries {
            for d in e.dimensions where !planeAxes.contains(d.name) { indices[d.name, default: []].insert(d.start) }
        }
        var first: [String: Int] = [:]
        for (axis, set) in indices.sorted(by: { $0.key < $1.key }) {
            first[axis] = set.min()!
            if set.count > 1 {
                warnings.append("CZI axis \(axis) has \(set.count) indices; only index \(set.min()!) is read (OMIO keeps index 0 of axes outside TZCYX)")
            }
        }
        return entries.filter { e in e.dimensions.allSatisfy { d in first[d.name].map { $0 == d.start } ?? true } }
    }

    static func scene(_ s: Int, _ entries: [CZIDirectoryEntry], fileSize: UInt64) throws -> CZIScene {
        let format = try CZIPixelFormat(code: entries[0].pixelType)
        if let other = entries.first(where: { $0.pixelType != format.code }) {
            throw FormatError("scene \(s) mixes CZI pixel types \(format.name) and \(CZIPixelFormat.name(other.pixelType))")
        }
        func range(_ axis: String) throws -> (first: Int, count: Int) {
            var lo = Int.max, hi = Int.min
            var used = Set<Int>()
            for e in entries {
                guard let d = e.dimension(axis) else { continue }
                if d.size > 1, !["X", "Y"].contains(axis) {
                    throw FormatError("CZI subblocks spanning several \(axis) indices are not supported")
                }
                lo = min(lo, d.start)
                hi = max(hi, d.start + max(d.size, 1))
                used.insert(d.start)
            }
            // An axis no subblock names has one index.
            if used.isEmpty { return (0, 1) }
            let count = hi - lo
            guard count >= 1, count <= (axis == "C" ? maxChannels : maxSide) else {
                throw FormatError("CZI scene \(s) spans \(count) along \(axis)")
            }
            // Acquisitions fill their T/Z/C ranges; an index far past all others is a corrupt entry.
            if !["X", "Y"].contains(axis), count > 64 * used.count {
                throw FormatError("CZI \(axis) indices run \(lo)...\(hi - 1) but only \(used.count) are used: the directory is corrupt")
            }
            return (lo, count)
        }
        let xr = try range("X"), yr = try range("Y")
        let tr = try range("T"), zr = try range("Z"), cr = try range("C")
        let (planes, overflow) = tr.count.multipliedReportingOverflow(by: zr.count * cr.count)
        guard !overflow, planes <= maxPlanes else { throw FormatError("CZI scene \(s) has an implausible \(tr.count)x\(zr.count)x\(cr.count) planes") }

        // (mosaic index, directory order) decides which tile lands on top where tiles overlap.
        var keyed: [(key: Int, m: Int, order: Int, tile: CZITile)] = []
        for (order, e) in entries.enumerated() {
            let x = e.dimension("X")!, y = e.dimension("Y")!
            guard x.size >= 1, y.size >= 1 else { throw FormatError("a CZI subblock of scene \(s) is empty (\(x.size)x\(y.size))") }
            // An uncompressed tile must fit in the file; this bounds what a read may allocate.
            let (bytes, o1) = x.size.multipliedReportingOverflow(by: y.size)
            let (total, o2) = bytes.multipliedReportingOverflow(by: format.bytesPerPixel)
            guard !o1, !o2, total <= CZITileReader.maxTileBytes else {
                throw FormatError("a CZI subblock of \(x.size)x\(y.size) \(format.name) pixels is implausibly large")
            }
            guard e.compression != CZICompression.uncompressed || UInt64(total) <= fileSize else {
                throw FormatError("an uncompressed CZI subblock of \(x.size)x\(y.size) \(format.name) pixels is larger than the file")
            }
            let t = (e.dimension("T")?.start ?? tr.first) - tr.first
            let z = (e.dimension("Z")?.start ?? zr.first) - zr.first
            let c = (e.dimension("C")?.start ?? cr.first) - cr.first
            let tile = CZITile(entry: e, x: x.start - xr.first, y: y.start - yr.first, width: x.size, height: y.size)
            keyed.append(((t * zr.count + z) * cr.count + c, e.dimension("M")?.start ?? 0, order, tile))
        }
        keyed.sort { ($0.m, $0.order) < ($1.m, $1.order) }
        var tiles: [Int: [CZITile]] = [:]
        for k in keyed { tiles[k.key, default: []].append(k.tile) }
        let shape = Shape(t: tr.count, z: zr.count, c: cr.count * format.samples, y: yr.count, x: xr.count)
        return CZIScene(sceneIndex: s, format: format, shape: shape, cziChannels: cr.count, firstChannel: cr.first,
                        tiles: tiles, compressions: Set(entries.map(\.compression)),
                        isMosaic: tiles.values.contains { $0.count > 1 })
    }
}
