import Foundation

/// Streams a series into a new OME-TIFF, plane by plane (XYZCT order, one IFD per plane, the
/// OME-XML in the first IFD). BigTIFF when the data exceed 4 GiB. Written through AtomicFile.
public enum OMETIFFWriter {
    public static func write(metadata m: ImageMetadata, to path: String, compression: TIFFPageSpec.Compression,
                             bigTIFF: Bool? = nil, uuid: String? = nil,
                             plane: (PlaneIndex) throws -> PixelBuffer,
                             progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws {
        try write(metadata: m, to: OutputTarget(given: path, path: path, kind: .file, exists: false), compression: compression,
                  bigTIFF: bigTIFF, uuid: uuid, plane: plane, progress: progress)
    }

    /// Into a checked output (a file, or a character device such as /dev/null): the writer
    /// patches IFD offsets with pwrite, so the target must be seekable.
    public static func write(metadata m: ImageMetadata, to target: OutputTarget, compression: TIFFPageSpec.Compression,
                             bigTIFF: Bool? = nil, uuid: String? = nil,
                             plane: (PlaneIndex) throws -> PixelBuffer,
                             progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws {
        var held: (PlaneIndex, PixelBuffer)?
        let rowBytes = m.shape.x * m.dtype.bytes
        try write(metadata: m, to: target, compression: compression, bigTIFF: bigTIFF, uuid: uuid, rows: { p, rows in
            if held?.0 != p { held = (p, try plane(p)) }
            return Array(held!.1.bytes[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)])
        }, progress: progress)
    }

    /// Strip by strip: `rows(plane, rows)` gives those rows of a plane, little-endian, so memory
    /// is one strip (~256 KiB) however large the planes are. Planes are asked for in XYZCT order.
    public static func write(metadata m: ImageMetadata, to target: OutputTarget, compression: TIFFPageSpec.Compression,
                             bigTIFF: Bool? = nil, uuid: String? = nil,
                             rows: (PlaneIndex, Range<Int>) throws -> [UInt8],
                             progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws {
        let path = target.given
        let s = m.shape
        let total = s.planeCount
        let dataBytes = s.byteCount(bytesPerSample: m.dtype.bytes)
        let big = bigTIFF ?? (dataBytes > Int64(UInt32.max) - Int64(total) * 4096)
        let uuid = uuid ?? "urn:uuid:" + UUID().uuidString.lowercased()
        let xml = OMEXMLBuilder.document(m, name: (path as NSString).lastPathComponent, uuid: uuid)
        let rowsPerStrip = max(1, min(s.y, (256 << 10) / max(1, s.x * m.dtype.bytes)))
        try target.write { fd in
            let writer = try TIFFWriter(fd: fd, bigTIFF: big)
            var order: [PlaneIndex] = []
            for t in 0..<s.t { for c in 0..<s.c { for z in 0..<s.z { order.append(PlaneIndex(t: t, z: z, c: c)) } } }
            for (i, p) in order.enumerated() {
                var spec = TIFFPageSpec(width: s.x, height: s.y, dtype: m.dtype)
                spec.compression = compression
                spec.predictor = compression == .deflate && !m.dtype.isFloat
                spec.rowsPerStrip = rowsPerStrip
                if i == 0 {
                    spec.tags.append((TIFFTag.imageDescription, .ascii(xml)))
                    spec.tags.append((TIFFTag.software, .ascii("omio-tui \(OmioVersion.string)")))
                }
                // Resolution in pixels per centimetre: X from PhysicalSizeX and Y from Y (not swapped).
                if !m.defaulted.contains("PhysicalSizeX") {
                    spec.tags.append((TIFFTag.xResolution, .resolution(1e4 / m.physicalSizeX)))
                    spec.tags.append((TIFFTag.yResolution, .resolution(1e4 / m.physicalSizeY)))
                    spec.tags.append((TIFFTag.resolutionUnit, .shorts([3])))
                }
                try writer.addPage(spec) { k in
                    try rows(p, (k * rowsPerStrip)..<min(s.y, (k + 1) * rowsPerStrip))
                }
                progress(i + 1, total)
            }
        }
    }
}
