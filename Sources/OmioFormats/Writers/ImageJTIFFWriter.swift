import Foundation

/// Writes an ImageJ hyperstack TIFF the way ImageJ does: planes in CZT order (C fastest),
/// one IFD per plane, the `ImageJ=` description, calibration in XResolution + unit=, and
/// optional LUTs in the IJMetadata tag. Used for example data, benchmarks and tests.
public struct ImageJTIFFWriter {
    public var shape: Shape
    public var dtype: PixelType
    public var unit = "micron"
    public var pixelSize: Double?
    public var spacing: Double?
    public var frameInterval: Double?
    public var bigEndian = false
    /// Per-channel LUT end colours (written as linear ramps).
    public var channelColors: [RGBColor] = []
    public var extraDescription: [String] = []

    public init(shape: Shape, dtype: PixelType) {
        self.shape = shape
        self.dtype = dtype
    }

    public var description: String {
        var lines = ["ImageJ=1.54f", "images=\(shape.planeCount)"]
        if shape.c > 1 { lines.append("channels=\(shape.c)") }
        if shape.z > 1 { lines.append("slices=\(shape.z)") }
        if shape.t > 1 { lines.append("frames=\(shape.t)") }
        if shape.c > 1 || (shape.z > 1 && shape.t > 1) { lines.append("hyperstack=true") }
        if shape.c > 1 { lines.append("mode=composite") }
        if pixelSize != nil { lines.append("unit=\(unit)") }
        if let spacing { lines.append("spacing=\(spacing)") }
        if let frameInterval { lines.append("finterval=\(frameInterval)") }
        lines += extraDescription
        lines.append("loop=false")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the file; `plane(k)` gives plane k in CZT order (k = (t*Z + z)*C + c).
    public func write(to path: String, plane: (Int) throws -> [UInt8]) throws {
        try AtomicFile.write(to: path) { fd in
            let writer = try TIFFWriter(fd: fd, bigTIFF: false, bigEndian: bigEndian)
            for k in 0..<shape.planeCount {
                var spec = TIFFPageSpec(width: shape.x, height: shape.y, dtype: dtype)
                if k == 0 {
                    spec.tags.append((TIFFTag.imageDescription, .ascii(description)))
                    if let pixelSize {
                        spec.tags.append((TIFFTag.xResolution, .resolution(1 / pixelSize)))
                        spec.tags.append((TIFFTag.yResolution, .resolution(1 / pixelSize)))
                        spec.tags.append((TIFFTag.resolutionUnit, .shorts([1])))
                    }
                    if channelColors.count == shape.c, !channelColors.isEmpty {
                        let (counts, data) = lutMetadata()
                        spec.tags.append((TIFFTag.ijMetadataByteCounts, .longs(counts)))
                        spec.tags.append((TIFFTag.ijMetadata, .bytes(data)))
                    }
                }
                try writer.addPage(spec, pixels: try plane(k))
            }
        }
    }

    /// IJMetadata with one "luts" block per channel: a ramp from black to the channel colour.
    func lutMetadata() -> ([UInt32], [UInt8]) {
        func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: bigEndian ? v.bigEndian : v.littleEndian) { Array($0) } }
        let header = u32(0x494A_494A) + u32(0x6C75_7473) + u32(UInt32(channelColors.count))
        var data = header
        var counts = [UInt32(header.count)]
        for c in channelColors {
            var lut = [UInt8](repeating: 0, count: 768)
            for i in 0..<256 {
                lut[i] = UInt8(Int(c.r) * i / 255)
                lut[256 + i] = UInt8(Int(c.g) * i / 255)
                lut[512 + i] = UInt8(Int(c.b) * i / 255)
            }
            data += lut
            counts.append(768)
        }
        return (counts, data)
    }
}
