import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// Memory is bounded by what is read, not by what a header claims: small files whose headers
/// claim 2^24-pixel rows through `cache build` and `render --store disk`, with the child's
/// peak RSS measured. Before the fix the store builder sized its bands and pyramid buffers
/// from the claimed width (4.5 GB and over two minutes for the 1 MB file, 3.2 GB for the
/// example mutant) before the chunk table was ever checked.
@Suite("Header lies and memory")
struct HeaderLieMemoryTests {
    static let limit = 300 << 20

    /// A 1024x1024 uint8 image in one deflated tile (noise: about 1 MB), then ImageWidth
    /// patched to 2^24: the table still has one tile where the claimed image needs 16,384.
    static func headerLieTIFF(in dir: String) throws -> String {
        let path = dir + "/lie.tif"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        var spec = TIFFPageSpec(width: 1024, height: 1024, dtype: .uint8)
        spec.tile = (1024, 1024)
        spec.compression = .deflate
        var rng = SplitMix64(seed: 13)
        let writer = try TIFFWriter(fd: fd)
        try writer.addPage(spec, pixels: (0..<(1024 * 1024)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        close(fd)
        try FirstIFD.setLong(path, tag: 256, to: 1 << 24)
        return path
    }

    /// Runs the binary, checks the one-line error and the peak, returns the error line.
    static func expectBoundedFailure(_ args: [String], _ what: String,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws -> String? {
        let r = try PeakMemoryRun.run(FaultPaths.binary, args, timeout: 60, environment: Run.quiet)
        #expect(!r.timedOut && !r.signalled, "\(what): timed out or killed (\(r.status))", sourceLocation: sourceLocation)
        #expect(r.peakBytes < limit, "\(what): peak RSS \(r.peakMB) MB", sourceLocation: sourceLocation)
        #expect(r.status == 1, "\(what): status \(r.status)\n\(r.stderr)", sourceLocation: sourceLocation)
        let errors = r.stderrLines.filter { $0.hasPrefix("omio-tui: error: ") }
        #expect(errors.count == 1, "\(what): \(r.stderr)", sourceLocation: sourceLocation)
        return errors.first
    }

    @Test("a 1 MB tiled TIFF claiming 2^24-pixel rows: cache build and render --store disk stay small and say what slice says")
    func claimedWidthOverOneTile() throws {
        let dir = FaultPaths.tempDir("lie")
        defer { FaultPaths.remove(dir) }
        let path = try Self.headerLieTIFF(in: dir)
        let slice = try Self.expectBoundedFailure(["slice", path, "-o", dir + "/x.npy"], "slice")
        #expect(slice?.contains("TileOffsets has 1 entry, the image needs 16384") == true, "\(slice ?? "")")
        let build = try Self.expectBoundedFailure(["cache", "build", path, "--cache-dir", dir + "/c"], "cache build")
        #expect(build == slice)
        let render = try Self.expectBoundedFailure(["render", path, "--store", "disk", "--width", "40", "--height", "20",
                                                    "--cache-dir", dir + "/c"], "render --store disk")
        #expect(render == slice)
        #expect(!FileManager.default.fileExists(atPath: dir + "/c/lie.tif.ome.zarr"))
    }

    /// An LZW OME-TIFF (325 one-row strips of ~840 bytes) with ImageWidth patched to 2^20: each
    /// strip passes the compression bound but none decodes. `slice` zeroed a 681 MB plane before
    /// decoding its first strip (found by the 20,000-execution mutant run).
    @Test("compressed strips that cannot hold the claimed width fail before the plane is allocated")
    func claimedWidthOverLZWStrips() throws {
        let dir = FaultPaths.tempDir("lzw-lie")
        defer { FaultPaths.remove(dir) }
        let path = dir + "/wide.ome.tiff"
        try FileManager.default.copyItem(atPath: TestPaths.corpus + "/real/aics_s_1_t_1_c_1_z_1.ome.tiff", toPath: path)
        try FirstIFD.setLong(path, tag: 256, to: 1 << 20)
        let slice = try Self.expectBoundedFailure(["slice", path, "-o", dir + "/x.npy"], "slice")
        #expect(slice?.contains("strip 0") == true, "\(slice ?? "")")
        _ = try Self.expectBoundedFailure(["render", path, "--width", "40", "--height", "20"], "render")
    }

    /// Example files with a tile/strip or size tag changed: the same bound, a clean outcome.
    @Test("mutants of example files with lying size and chunk tags build within the bound",
          arguments: ["tiled_deflate_bigtiff.tif", "hyperstack_T3_Z5_C2.tif", "ome_T4_Z2_C3.ome.tif"])
    func exampleMutants(name: String) throws {
        let dir = FaultPaths.tempDir("mutant")
        defer { FaultPaths.remove(dir) }
        let original = FaultPaths.exampleData + "/" + name
        // ImageWidth 2^24 (the tiled file took 3.2 GB before), then single-byte flips in the
        // values of the size, strip and tile tags.
        var mutants: [(String, (String) throws -> Void)] = [("wide", { try FirstIFD.setLong($0, tag: 256, to: 1 << 24) })]
        for tag: UInt16 in [256, 257, 278, 279, 322, 323] {
            for flip: UInt8 in [0x10, 0x80] {
                mutants.append(("t\(tag)x\(flip)", { try FirstIFD.flipValueByte($0, tag: tag, byte: 1, with: flip) }))
            }
        }
        for (label, mutate) in mutants {
            let path = dir + "/\(label)-\(name)"
            try FileManager.default.copyItem(atPath: original, toPath: path)
            guard (try? mutate(path)) != nil else { continue } // the file has no such tag
            let r = try PeakMemoryRun.run(FaultPaths.binary, ["cache", "build", path, "--cache-dir", dir + "/c"], timeout: 60,
                                          environment: Run.quiet)
            #expect(!r.timedOut && !r.signalled, "\(label)-\(name): timed out or killed")
            #expect(r.peakBytes < Self.limit, "\(label)-\(name): peak RSS \(r.peakMB) MB")
            #expect(r.status == 0 || r.stderrLines.filter { $0.hasPrefix("omio-tui: error: ") }.count == 1,
                    "\(label)-\(name): \(r.stderr)")
        }
    }
}

/// Edits the first IFD of a little-endian TIFF or BigTIFF in place (generated test inputs only).
enum FirstIFD {
    /// The file's bytes, the offset of the tag's entry, and the entry layout.
    private static func entry(_ data: [UInt8], tag: UInt16) throws -> (at: Int, big: Bool) {
        func u(_ at: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 | Int(data[at + $1]) << (8 * $1) } }
        guard data.count > 16, data[0] == 0x49, data[1] == 0x49 else { throw FormatError("not a little-endian TIFF") }
        let big = u(2, 2) == 43
        let ifd = big ? u(8, 8) : u(4, 4)
        let count = big ? u(ifd, 8) : u(ifd, 2)
        let first = ifd + (big ? 8 : 2), size = big ? 20 : 12
        for i in 0..<count where u(first + i * size, 2) == Int(tag) { return (first + i * size, big) }
        throw FormatError("no tag \(tag)")
    }

    /// Makes the tag a single LONG (LONG8 in BigTIFF) holding `value`.
    static func setLong(_ path: String, tag: UInt16, to value: UInt64) throws {
        var data = [UInt8](fileBytes(path))
        let (at, big) = try entry(data, tag: tag)
        let type: UInt16 = big ? 16 : 4
        data[at + 2] = UInt8(type & 0xFF)
        data[at + 3] = 0
        for k in 0..<(big ? 8 : 4) { data[at + 4 + k] = k == 0 ? 1 : 0 } // count 1
        let valueAt = at + (big ? 12 : 8)
        for k in 0..<(big ? 8 : 4) { data[valueAt + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
        try Data(data).write(to: URL(fileURLWithPath: path))
    }

    /// XORs one byte of the tag's value field (or of its offset, for arrays stored elsewhere).
    static func flipValueByte(_ path: String, tag: UInt16, byte: Int, with mask: UInt8) throws {
        var data = [UInt8](fileBytes(path))
        let (at, big) = try entry(data, tag: tag)
        data[at + (big ? 12 : 8) + byte] ^= mask
        try Data(data).write(to: URL(fileURLWithPath: path))
    }
}
