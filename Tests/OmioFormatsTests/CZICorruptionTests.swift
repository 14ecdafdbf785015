import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// Truncated and byte-flipped CZI files: each must give a clean `OmioError` or a valid reading,
/// never a crash, a hang or a huge allocation.
struct CZICorruptionTests {
    typealias W = CZITestWriter

    /// A small file with a bit of everything: two channels of a 2-tile mosaic (uncompressed,
    /// then zstd0 and zstd1), a pyramid subblock, an extra axis, two scenes and the XML.
    static let sample: ([UInt8], W.Layout) = {
        var w = W()
        for c in 0..<2 {
            for m in 0..<2 {
                let raw = W.le16((0..<12).map { UInt16(c * 100 + m * 20 + $0) })
                let (payload, compression) = c == 0 ? (raw, 0) : (m == 0 ? (W.zstd(raw), 5) : (W.zstd1HiLo(raw), 6))
                w.subblocks.append(.init(dims: [("X", m * 4, 4), ("Y", 0, 3), ("C", c, 1), ("M", m, 1), ("B", 0, 1), ("S", 0, 1)],
                                         pixelType: 1, payload: payload, compression: compression))
            }
        }
        w.subblocks.append(.init(dims: [("X", 0, 8), ("Y", 0, 3), ("C", 0, 1), ("S", 0, 1)], pixelType: 1,
                                 payload: [UInt8](repeating: 1, count: 24), pyramidType: 1, storedX: 4))
        w.subblocks.append(.init(dims: [("X", 0, 3), ("Y", 0, 2), ("S", 1, 1)], pixelType: 0, payload: [1, 2, 3, 4, 5, 6]))
        w.xml = W.metadataXML(scalingMetres: ["X": 2e-7, "Y": 2e-7], channels: [("A", "#FFFF0000"), ("B", "#FF00FF00")],
                              timeIncrement: 1.5)
        return w.build()
    }()

    /// Opens the file and reads the first, middle and last plane of every series, whole and as a
    /// subsampled region: returns nil when all succeeded, the error otherwise.
    static func exercise(_ path: String) -> Error? {
        do {
            let source = try ImageOpener.open(path: path)
            for s in 0..<source.seriesCount {
                let m = source.metadata(series: s)
                _ = source.rawTree()
                _ = m.json
                let n = m.shape.planeCount
                for k in Set([0, n / 2, n - 1]) {
                    let plane = PlaneIndex(t: k / (m.shape.z * m.shape.c), z: k / m.shape.c % m.shape.z, c: k % m.shape.c)
                    // Corrupt coordinates can make a plane wide; read a bounded view of it.
                    let h = m.shape.y, w = m.shape.x
                    let view = PixelRegion(rows: 0..<h, cols: 0..<w, rowStep: max(1, h / 16), colStep: max(1, w / 16))
                    _ = try source.read(series: s, level: 0, plane: plane, region: view)
                    _ = try source.read(series: s, level: 0, plane: plane, region: PixelRegion(rows: 0..<min(h, 8), cols: 0..<min(w, 8)))
                }
            }
            return nil
        } catch {
            return error
        }
    }

    @Test func sampleReadsCleanly() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(Self.sample.0).write(to: URL(fileURLWithPath: dir + "/s.czi"))
        #expect(Self.exercise(dir + "/s.czi") == nil)
        let source = try ImageOpener.open(path: dir + "/s.czi")
        #expect(source.seriesCount == 2)
        let m = source.metadata(series: 0)
        #expect(m.shape == Shape(c: 2, y: 3, x: 8))
        let plane = try source.readPlane(plane: PlaneIndex(c: 1)).doubles()
        #expect(plane[0] == 100 && plane[4] == 120 && plane[23] == 131)
    }

    /// Cut the file at every byte.
    @Test func truncatedFilesFailCleanly() throws {
        let (bytes, layout) = Self.sample
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cut.czi"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var failures = 0
        // Longest first, so each cut is one truncate of the same file.
        for cut in (0..<bytes.count).reversed() {
            try handle.truncate(atOffset: UInt64(cut))
            if let error = Self.exercise(path) {
                failures += 1
                #expect(error is OmioError, "cut at \(cut): \(error)")
                #expect(!error.omioReason.contains("\n"), "cut at \(cut): multi-line error")
            }
        }
        // The directory sits at the end: cutting into its entries or before it must fail.
        #expect(failures >= layout.directory + 32 + 128)
    }

    /// Flip every byte (XOR 0xFF), and set each byte the reader interprets to 0x7F: a clean error
    /// or a valid reading.
    @Test func byteFlippedFilesFailCleanly() throws {
        let (bytes, layout) = Self.sample
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/flip.czi"
        let changes = bytes.indices.map { ($0, bytes[$0] ^ 0xFF) } + layout.structural.flatMap { $0.map { ($0, UInt8(0x7F)) } }
        // Patch one byte in place and restore it: rewriting the whole file each time is slow.
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        func poke(_ position: Int, _ value: UInt8) throws {
            try handle.seek(toOffset: UInt64(position))
            try handle.write(contentsOf: [value])
        }
        var errors = 0
        for (position, value) in changes where bytes[position] != value {
            try poke(position, value)
            if let error = Self.exercise(path) {
                errors += 1
                #expect(error is OmioError, "byte \(position) = \(value): \(error)")
            }
            try poke(position, bytes[position])
        }
        #expect(errors > 0)
    }
}
