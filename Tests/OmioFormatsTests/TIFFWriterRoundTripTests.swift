import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// Pages written with every dtype, byte order, layout and compression read back unchanged,
/// and regions (with steps) equal slices of the full plane.
struct TIFFWriterRoundTripTests {
    struct Layout: Sendable, CustomStringConvertible {
        var dtype: PixelType
        var bigEndian: Bool
        var bigTIFF: Bool
        var tile: Bool
        var deflate: Bool
        var samples: Int
        var separate: Bool
        var description: String {
            "\(dtype) \(bigEndian ? "BE" : "LE") \(bigTIFF ? "BigTIFF" : "TIFF") \(tile ? "tiles" : "strips") \(deflate ? "deflate" : "raw") spp\(samples)\(separate ? " planar" : "")"
        }
    }

    static let layouts: [Layout] = PixelType.allCases.flatMap { d in
        [Layout(dtype: d, bigEndian: false, bigTIFF: false, tile: false, deflate: false, samples: 1, separate: false),
         Layout(dtype: d, bigEndian: true, bigTIFF: true, tile: true, deflate: true, samples: 1, separate: false),
         Layout(dtype: d, bigEndian: true, bigTIFF: false, tile: false, deflate: false, samples: 3, separate: false),
         Layout(dtype: d, bigEndian: false, bigTIFF: true, tile: true, deflate: false, samples: 2, separate: true)]
    }

    @Test(arguments: layouts)
    func roundTrip(layout: Layout) throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/rt.tif"
        let (w, h, pages) = (70, 45, 2)
        let gen = SyntheticPlanes(width: w, height: h, dtype: layout.dtype)
        func plane(_ t: Int, _ c: Int) -> [UInt8] { gen.bytes(t: t, z: 0, c: c) }
        try AtomicFile.write(to: path) { fd in
            let writer = try TIFFWriter(fd: fd, bigTIFF: layout.bigTIFF, bigEndian: layout.bigEndian)
            for t in 0..<pages {
                var spec = TIFFPageSpec(width: w, height: h, dtype: layout.dtype)
                spec.samplesPerPixel = layout.samples
                spec.separatePlanes = layout.separate
                spec.compression = layout.deflate ? .deflate : .none
                spec.predictor = layout.deflate && !layout.dtype.isFloat
                spec.tile = layout.tile ? (32, 16) : nil
                spec.rowsPerStrip = 7
                var pixels: [UInt8] = []
                let bps = layout.dtype.bytes
                if layout.separate || layout.samples == 1 {
                    for c in 0..<layout.samples { pixels += plane(t, c) }
                } else {
                    let planes = (0..<layout.samples).map { plane(t, $0) }
                    pixels = [UInt8](repeating: 0, count: w * h * layout.samples * bps)
                    for i in 0..<(w * h) {
                        for c in 0..<layout.samples {
                            for b in 0..<bps { pixels[(i * layout.samples + c) * bps + b] = planes[c][i * bps + b] }
                        }
                    }
                }
                try writer.addPage(spec, pixels: pixels)
            }
        }
        let source = try ImageOpener.open(path: path)
        let m = source.metadata(series: 0)
        #expect(m.shape == Shape(t: pages, c: layout.samples, y: h, x: w))
        #expect(m.format == (layout.bigTIFF ? .bigtiff : .tiff))
        for t in 0..<pages {
            for c in 0..<layout.samples {
                let full = try source.readPlane(plane: PlaneIndex(t: t, c: c))
                #expect(full.bytes == plane(t, c), "T\(t) C\(c)")
                // A strided region equals the same samples taken from the full plane.
                let region = PixelRegion(rows: 5..<44, cols: 3..<69, rowStep: 3, colStep: 4)
                let part = try source.read(series: 0, level: 0, plane: PlaneIndex(t: t, c: c), region: region)
                let bps = layout.dtype.bytes
                var want: [UInt8] = []
                for y in stride(from: 5, to: 44, by: 3) {
                    for x in stride(from: 3, to: 69, by: 4) { want += full.bytes[((y * w + x) * bps)..<((y * w + x + 1) * bps)] }
                }
                #expect(part.bytes == want && part.width == region.outputWidth && part.height == region.outputHeight)
            }
        }
    }

    @Test func regionOutsideThePlaneIsAnError() throws {
        let source = try ImageOpener.open(path: TestPaths.exampleData + "/multipage_T5.tif")
        #expect(throws: OmioError.self) {
            try source.read(series: 0, level: 0, plane: PlaneIndex(), region: PixelRegion(rows: 0..<200, cols: 0..<10))
        }
        #expect(throws: OmioError.self) { try source.readPlane(plane: PlaneIndex(t: 5)) }
    }
}
