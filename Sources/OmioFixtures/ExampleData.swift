import Foundation
import OmioFormats

/// The committed example_data/ files, byte for byte reproducible: one of each kind of file
/// omio-tui must read, every plane labelled ("T1 Z3 C0").
public enum ExampleData {
    public static let files = [
        "hyperstack_T3_Z5_C2.tif", "ome_T4_Z2_C3.ome.tif", "multipage_T5.tif", "rgb.tif",
        "bigendian_float32_T3.tif", "tiled_deflate_bigtiff.tif", "wrong_spacing_Z8.tif",
    ]

    public static func write(to output: String) throws {
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        func path(_ name: String) -> String { (output as NSString).appendingPathComponent(name) }

        // 1. ImageJ hyperstack, TZCYX uint16, non-square so an X/Y swap shows.
        var ij = ImageJTIFFWriter(shape: Shape(t: 3, z: 5, c: 2, y: 112, x: 144), dtype: .uint16)
        ij.pixelSize = 0.2
        ij.spacing = 1.0
        ij.frameInterval = 2.5
        ij.channelColors = [RGBColor(255, 0, 255), RGBColor(0, 255, 0)]
        try writeImageJ(ij, to: path("hyperstack_T3_Z5_C2.tif"))

        // 2. OME-TIFF with channel names, colours and a time increment.
        let omeShape = Shape(t: 4, z: 2, c: 3, y: 96, x: 128)
        var ome = ImageMetadata(path: "", format: .omeTiff, shape: omeShape, dtype: .uint16,
                                physicalSizeX: 0.325, physicalSizeY: 0.325, physicalSizeZ: 2.0, timeIncrement: 0.5,
                                channels: [ChannelInfo(name: "DAPI", color: RGBColor(0, 0, 255)),
                                           ChannelInfo(name: "GFP", color: RGBColor(0, 255, 0)),
                                           ChannelInfo(name: "mCherry", color: RGBColor(255, 0, 0))])
        ome.annotations = [("Microscope", .string("example"))]
        let omePlanes = SyntheticPlanes(width: 128, height: 96, dtype: .uint16)
        try OMETIFFWriter.write(metadata: ome, to: path("ome_T4_Z2_C3.ome.tif"), compression: .none, bigTIFF: false,
                                  uuid: "urn:uuid:0e710000-0000-4000-8000-000000000001") { p in
            PixelBuffer(dtype: .uint16, width: 128, height: 96, bytes: omePlanes.bytes(t: p.t, z: p.z, c: p.c))
        }

        // 3. Plain multi-page TIFF (pages become T), uint8.
        try writePlain(path("multipage_T5.tif"), pages: 5, width: 128, height: 128, dtype: .uint8)

        // 4. RGB TIFF, interleaved samples -> C = 3.
        try writeRGB(path("rgb.tif"), width: 160, height: 120)

        // 5. Big-endian float32 (Motorola byte order, as older microscopes write).
        try writePlain(path("bigendian_float32_T3.tif"), pages: 3, width: 96, height: 80, dtype: .float32, bigEndian: true)

        // 6. Tiled, deflate-compressed BigTIFF with predictor.
        try writePlain(path("tiled_deflate_bigtiff.tif"), pages: 2, width: 512, height: 384, dtype: .uint16,
                       bigTIFF: true, tile: (128, 128))

        // 7. The seed case: an ImageJ Z stack whose spacing says 0.0000185 µm (should be 5 µm).
        var wrong = ImageJTIFFWriter(shape: Shape(t: 1, z: 8, c: 1, y: 128, x: 128), dtype: .uint16)
        wrong.pixelSize = 0.3
        wrong.spacing = 0.0000185
        try writeImageJ(wrong, to: path("wrong_spacing_Z8.tif"))
    }

    static func writeImageJ(_ w: ImageJTIFFWriter, to path: String) throws {
        let planes = SyntheticPlanes(width: w.shape.x, height: w.shape.y, dtype: w.dtype)
        try w.write(to: path) { k in
            let c = k % w.shape.c, z = (k / w.shape.c) % w.shape.z, t = k / (w.shape.c * w.shape.z)
            return planes.bytes(t: t, z: z, c: c)
        }
    }

    static func writePlain(_ path: String, pages: Int, width: Int, height: Int, dtype: PixelType,
                    bigEndian: Bool = false, bigTIFF: Bool = false, tile: (Int, Int)? = nil) throws {
        let planes = SyntheticPlanes(width: width, height: height, dtype: dtype)
        try AtomicFile.write(to: path) { fd in
            let writer = try TIFFWriter(fd: fd, bigTIFF: bigTIFF, bigEndian: bigEndian)
            for t in 0..<pages {
                var spec = TIFFPageSpec(width: width, height: height, dtype: dtype)
                if let tile {
                    spec.tile = tile
                    spec.compression = .deflate
                    spec.predictor = true
                }
                if t == 0 { spec.tags.append((TIFFTag.software, .ascii("omio-devtool example-data"))) }
                try writer.addPage(spec, pixels: planes.bytes(t: t, z: 0, c: 0))
            }
        }
    }

    static func writeRGB(_ path: String, width: Int, height: Int) throws {
        let planes = SyntheticPlanes(width: width, height: height, dtype: .uint8)
        let channels = (0..<3).map { planes.bytes(t: 0, z: 0, c: $0) }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { for c in 0..<3 { pixels[i * 3 + c] = channels[c][i] } }
        try writeRGB(path, width: width, height: height, pixels: pixels)
    }

    /// An 8-bit chunky RGB TIFF of `pixels` (R, G, B interleaved), strips of 16 rows.
    public static func writeRGB(_ path: String, width: Int, height: Int, pixels: [UInt8]) throws {
        try AtomicFile.write(to: path) { fd in
            let writer = try TIFFWriter(fd: fd)
            var spec = TIFFPageSpec(width: width, height: height, dtype: .uint8)
            spec.samplesPerPixel = 3
            spec.photometric = 2
            spec.rowsPerStrip = 16
            try writer.addPage(spec, pixels: pixels)
        }
    }
}
