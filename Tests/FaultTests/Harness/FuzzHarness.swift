import Foundation
import OmioFormats

// The fuzz harness, shared by the libFuzzer targets in Fuzz/ (compiled together with this file
// against an instrumented OmioFormats) and by RegressionReplayTests (which replays every file in
// Tests/FaultTests/Regressions through the same code). Public OmioFormats API only, so it builds
// in both places. A harness function returns normally for every input: a bad file is a value,
// and only a crash, a hang or a huge allocation is a finding.

enum FuzzTarget: String, CaseIterable, Sendable {
    /// Whole files: TIFF container walk, page layouts, format detection, region reads.
    case tiff
    /// An ImageJ description (text up to the first NUL), then optional IJMetadata blocks.
    case imagej
    /// OME-XML text, as the description of a small synthetic TIFF.
    case omexml = "ome-xml"
    /// A config byte, then a CZ_LSMINFO record (plus the blocks it points at) at file offset 8.
    case lsm
    /// A config byte, then a whole file or the samples of a synthetic plane: the display path
    /// (slice + contrast + composite, EngineFuzzHarness.display).
    case display
    /// Whole files through the store builder (EngineFuzzHarness.store).
    case store
}

enum FuzzHarness {
    static func run(_ target: FuzzTarget, _ data: [UInt8]) {
        switch target {
        case .tiff: tiff(data)
        case .imagej: imageJ(data)
        case .omexml: omeXML(data)
        case .lsm: lsm(data)
        case .display: EngineFuzzHarness.display(data)
        case .store: EngineFuzzHarness.store(data)
        }
    }

    // MARK: targets

    /// The bytes are a file: open it the way the CLI does and read from it.
    static func tiff(_ data: [UInt8]) {
        FuzzScratch.withFile(data, name: "input.tif") { path in
            if let c = try? TIFFContainer(path: path) {
                // The container walk and every page layout, whatever the format reader makes of them.
                for off in c.ifdOffsets.prefix(64) {
                    if let ifd = try? c.ifd(at: off) { _ = try? TIFFPageLayout(container: c, ifd: ifd) }
                }
            }
            openAndRead(path)
        }
    }

    /// ImageJ description parser, then the ImageJ reader on one- and several-IFD files.
    static func imageJ(_ data: [UInt8]) {
        let nul = data.firstIndex(of: 0) ?? data.count
        let text = Array(data[..<nul])
        let ij = ImageJDescription(decodeText(text))
        for key in ["images", "channels", "slices", "frames", "spacing", "unit", "finterval", "fps", "tunit", "min", "max"] {
            _ = ij.int(key)
            _ = ij.double(key)
            _ = ij.string(key)
        }
        // After the NUL: a flags byte (bit 0: big-endian file), a block count k, k u32 LE block
        // sizes, then the IJMetadata bytes.
        var bigEndian = false
        var counts: [UInt32] = []
        var blob: [UInt8] = []
        if nul < data.count {
            var r = ByteCursor(Array(data[(nul + 1)...]))
            let flags = r.u8() ?? 0
            bigEndian = flags & 1 == 1
            let k = Int(r.u8() ?? 0) % 65
            for _ in 0..<k { if let n = r.u32() { counts.append(n) } }
            blob = r.rest()
        }
        for pages in [1, 5] {
            var t = TinyTIFF(bigEndian: bigEndian)
            for i in 0..<pages {
                var p = TinyTIFF.Page(width: 5, height: 4, bits: 8)
                if i == 0 {
                    p.tags.append(t.ascii(TIFFTag.imageDescription, text))
                    if !counts.isEmpty {
                        p.tags.append(t.longs(TIFFTag.ijMetadataByteCounts, counts))
                        p.tags.append(t.bytes(TIFFTag.ijMetadata, blob))
                    }
                }
                t.pages.append(p)
            }
            FuzzScratch.withFile(t.build(), name: "imagej.tif") { openAndRead($0) }
        }
    }

    /// XML tree + OME mapping: the XML becomes the description of a small TIFF whose pages
    /// match the first Pixels element's size and type (when small), so the mapping gets past
    /// its size checks.
    static func omeXML(_ data: [UInt8]) {
        let nul = data.firstIndex(of: 0) ?? data.count
        let text = Array(data[..<nul])
        _ = try? XMLTree.parse(Data(text)).metaNode()
        func attr(_ name: String) -> Int? { attributeValue(text, name).flatMap { Int($0) } }
        let w = attr("SizeX").flatMap { (1...64).contains($0) ? $0 : nil } ?? 4
        let h = attr("SizeY").flatMap { (1...64).contains($0) ? $0 : nil } ?? 3
        let spp = attr("SamplesPerPixel").flatMap { (1...4).contains($0) ? $0 : nil } ?? 1
        let planes = [attr("SizeZ"), attr("SizeC").map { max(1, $0 / spp) }, attr("SizeT")]
            .reduce(1) { acc, v in min(24, acc * min(24, max(1, v ?? 1))) }
        var bits = 8, format = 1
        switch attributeValue(text, "Type") ?? "" {
        case "int8": format = 2
        case "uint16": bits = 16
        case "int16": bits = 16; format = 2
        case "uint32": bits = 32
        case "int32": bits = 32; format = 2
        case "float": bits = 32; format = 3
        case "double": bits = 64; format = 3
        default: break
        }
        var t = TinyTIFF(bigEndian: false)
        for i in 0..<planes {
            var p = TinyTIFF.Page(width: w, height: h, bits: bits, spp: spp, format: format)
            if i == 0 { p.tags.append(t.ascii(TIFFTag.imageDescription, text)) }
            t.pages.append(p)
        }
        FuzzScratch.withFile(t.build(), name: "fuzz.ome.tif") { openAndRead($0) }
    }

    /// LSM: byte 0 shapes the pages (bits 0-2: image pages - 1, bit 3: a thumbnail after each
    /// image, bits 4-5: samples - 1, bit 6: 16-bit); the rest is placed at file offset 8 and
    /// CZ_LSMINFO points at it, so offsets inside the record are file offsets.
    static func lsm(_ data: [UInt8]) {
        guard let config = data.first else { return }
        let record = Array(data.dropFirst())
        let images = Int(config & 7) + 1
        let thumbnails = config & 8 != 0
        let spp = Int(config >> 4 & 3) + 1
        let bits = config & 0x40 != 0 ? 16 : 8
        var t = TinyTIFF(bigEndian: false)
        t.prefix = record
        for i in 0..<images {
            var p = TinyTIFF.Page(width: 6, height: 5, bits: bits, spp: spp)
            if i == 0 { p.tags.append(TinyTIFF.Tag(tag: TIFFTag.lsmInfo, type: 1, count: UInt32(record.count), value: [], valueOffset: 8)) }
            t.pages.append(p)
            if thumbnails { t.pages.append(TinyTIFF.Page(width: 3, height: 2, bits: 8, spp: 3, subfile: 1)) }
        }
        FuzzScratch.withFile(t.build(), name: "fuzz.lsm") { openAndRead($0) }
    }

    // MARK: what the CLI does with a file

    /// Open through the front door, then what `info`, `slice`, `render` and `cache build` touch:
    /// metadata and its JSON, the raw tree, the storage check, levels and chunk grids, a full
    /// plane, a subsampled plane and corners of the first and last planes.
    static func openAndRead(_ path: String) {
        guard let source = try? ImageOpener.open(path: path) else { return }
        _ = source.rawTree()
        for series in 0..<min(source.seriesCount, 3) {
            let m = source.metadata(series: series)
            _ = m.json.serialized(pretty: true)
            _ = m.warnings
            let s = m.shape
            // What a store build checks before sizing anything by the header's geometry.
            _ = try? source.checkStorage(series: series)
            let levels = source.levelSizes(series: series)
            for (level, size) in levels.prefix(3).enumerated() {
                _ = source.chunkGrid(series: series, level: level)
                guard size.height > 0, size.width > 0 else { continue }
                let first = PlaneIndex(t: 0, z: 0, c: 0)
                let last = PlaneIndex(t: max(0, s.t - 1), z: max(0, s.z - 1), c: max(0, s.c - 1))
                if level == 0 {
                    _ = try? source.read(series: series, level: 0, plane: first, region: .full(width: size.width, height: size.height))
                }
                let strided = PixelRegion(rows: 0..<size.height, cols: 0..<size.width,
                                          rowStep: max(1, size.height / 16), colStep: max(1, size.width / 16))
                _ = try? source.read(series: series, level: level, plane: first, region: strided)
                let corner = PixelRegion(rows: (size.height / 2)..<size.height, cols: (size.width / 2)..<size.width)
                _ = try? source.read(series: series, level: level, plane: last, region: corner)
            }
        }
    }

    // MARK: helpers

    static func decodeText(_ bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        return String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    /// The first `name="value"` in the text (a cheap scan, not XML parsing).
    static func attributeValue(_ text: [UInt8], _ name: String) -> String? {
        let needle = Array((name + "=\"").utf8)
        guard text.count >= needle.count else { return nil }
        var i = 0
        while i + needle.count <= text.count {
            if text[i] == needle[0], Array(text[i..<(i + needle.count)]) == needle,
               i == 0 || text[i - 1] == 0x20 || text[i - 1] == 0x0A || text[i - 1] == 0x09 {
                let start = i + needle.count
                guard let end = text[start...].prefix(32).firstIndex(of: 0x22) else { return nil }
                return String(decoding: text[start..<end], as: UTF8.self)
            }
            i += 1
        }
        return nil
    }
}

/// Reads little-endian values off the front of a byte array.
struct ByteCursor {
    private let bytes: [UInt8]
    private var at = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func u8() -> UInt8? {
        guard at < bytes.count else { return nil }
        defer { at += 1 }
        return bytes[at]
    }

    mutating func u32() -> UInt32? {
        guard at + 4 <= bytes.count else { return nil }
        defer { at += 4 }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
    }

    func rest() -> [UInt8] { Array(bytes[min(at, bytes.count)...]) }
}

/// Where inputs become files: a private folder per call (on /dev/shm when there is one),
/// removed afterwards. Safe to use from parallel tests.
enum FuzzScratch {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var counter = 0

    static let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NSTemporaryDirectory()

    static func withFile(_ bytes: [UInt8], name: String, _ body: (String) -> Void) {
        lock.lock()
        counter += 1
        let n = counter
        lock.unlock()
        let sub = (base as NSString).appendingPathComponent("omio-fuzz-\(getpid())-\(n)")
        mkdir(sub, 0o700)
        let path = (sub as NSString).appendingPathComponent(name)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fatalError("fuzz scratch: cannot create \(path): \(String(cString: strerror(errno)))") }
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let w = write(fd, raw.baseAddress! + done, raw.count - done)
                guard w > 0 else { fatalError("fuzz scratch: write failed") }
                done += w
            }
        }
        close(fd)
        defer {
            unlink(path)
            rmdir(sub)
        }
        body(path)
    }
}

/// A minimal uncompressed TIFF writer for synthetic inputs: pages of one strip, standard tags,
/// extra tags on any page, an optional blob at offset 8.
struct TinyTIFF {
    struct Tag {
        var tag: UInt16
        var type: UInt16
        var count: UInt32
        /// The value in file byte order; written inline when it fits in 4 bytes.
        var value: [UInt8]
        /// Set to point the entry at bytes already in the file (value is then ignored).
        var valueOffset: UInt32? = nil
    }

    struct Page {
        var width = 4, height = 3, bits = 8, spp = 1, format = 1, subfile = 0
        var tags: [Tag] = []
        /// The strip's bytes, repeated or cut to the page's size; a fixed ramp when nil.
        var pixels: [UInt8]? = nil
    }

    var bigEndian: Bool
    var prefix: [UInt8] = []
    var pages: [Page] = []

    init(bigEndian: Bool) { self.bigEndian = bigEndian }

    func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
    func u32(_ v: UInt32) -> [UInt8] {
        let le = [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
        return bigEndian ? le.reversed() : le
    }

    func shorts(_ tag: UInt16, _ v: [UInt16]) -> Tag { Tag(tag: tag, type: 3, count: UInt32(v.count), value: v.flatMap(u16)) }
    func longs(_ tag: UInt16, _ v: [UInt32]) -> Tag { Tag(tag: tag, type: 4, count: UInt32(v.count), value: v.flatMap(u32)) }
    func ascii(_ tag: UInt16, _ text: [UInt8]) -> Tag { Tag(tag: tag, type: 2, count: UInt32(text.count + 1), value: text + [0]) }
    func bytes(_ tag: UInt16, _ b: [UInt8]) -> Tag { Tag(tag: tag, type: 1, count: UInt32(b.count), value: b) }

    func build() -> [UInt8] {
        var out: [UInt8] = (bigEndian ? [0x4D, 0x4D, 0, 42] : [0x49, 0x49, 42, 0]) + [0, 0, 0, 0]
        out += prefix
        func align() { if out.count % 2 == 1 { out.append(0) } }
        func patch(_ at: Int, _ v: UInt32) { out.replaceSubrange(at..<(at + 4), with: u32(v)) }
        var nextPointer = 4
        for page in pages {
            align()
            let pixelOffset = out.count
            let n = page.width * page.height * page.spp * (page.bits / 8)
            if let p = page.pixels, !p.isEmpty {
                out += (0..<n).map { p[$0 % p.count] }
            } else {
                out += (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            }
            var tags = [
                longs(256, [UInt32(page.width)]), longs(257, [UInt32(page.height)]),
                shorts(258, Array(repeating: UInt16(page.bits), count: page.spp)), shorts(259, [1]),
                shorts(262, [page.spp >= 3 ? 2 : 1]), longs(273, [UInt32(pixelOffset)]),
                shorts(277, [UInt16(page.spp)]), longs(278, [UInt32(page.height)]), longs(279, [UInt32(n)]),
                shorts(339, Array(repeating: UInt16(page.format), count: page.spp)),
            ]
            if page.subfile != 0 { tags.append(longs(254, [UInt32(page.subfile)])) }
            let extra = Set(page.tags.map(\.tag))
            tags = tags.filter { !extra.contains($0.tag) } + page.tags
            tags.sort { $0.tag < $1.tag }
            var fields: [[UInt8]] = []
            for t in tags {
                if let off = t.valueOffset {
                    fields.append(u32(off))
                } else if t.value.count <= 4 {
                    fields.append(t.value + Array(repeating: 0, count: 4 - t.value.count))
                } else {
                    align()
                    fields.append(u32(UInt32(out.count)))
                    out += t.value
                }
            }
            align()
            patch(nextPointer, UInt32(out.count))
            out += u16(UInt16(tags.count))
            for (t, field) in zip(tags, fields) {
                out += u16(t.tag) + u16(t.type) + u32(t.count) + field
            }
            nextPointer = out.count
            out += [0, 0, 0, 0]
        }
        return out
    }
}
