import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// OME-TIFF mapping rules: TiffData defaults, multi-file sets through UUID FileName,
/// unit conversion, and a clean fallback when the XML is unusable.
struct OMEReaderTests {
    let gen = SyntheticPlanes(width: 32, height: 24, dtype: .uint16)

    func writeTIFF(_ path: String, planes: [(Int, Int, Int)], description: String?) throws {
        try AtomicFile.write(to: path) { fd in
            let w = try TIFFWriter(fd: fd)
            for (i, p) in planes.enumerated() {
                var spec = TIFFPageSpec(width: 32, height: 24, dtype: .uint16)
                if i == 0, let description { spec.tags.append((TIFFTag.imageDescription, .ascii(description))) }
                try w.addPage(spec, pixels: gen.bytes(t: p.0, z: p.1, c: p.2))
            }
        }
    }

    func ome(_ pixelsAttributes: String, _ body: String, uuid: String = "urn:uuid:aaaa") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" UUID="\(uuid)">\
        <Image ID="Image:0"><Pixels ID="Pixels:0" Type="uint16" SizeX="32" SizeY="24" \(pixelsAttributes)>\(body)</Pixels></Image></OME>
        """
    }

    @Test func multiFileSetAcrossTwoFiles() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Z = 2 planes in the master, 2 more in a second file; DimensionOrder XYZCT, C = 2.
        let xml = ome("DimensionOrder=\"XYZCT\" SizeZ=\"2\" SizeC=\"2\" SizeT=\"1\" PhysicalSizeX=\"500\" PhysicalSizeXUnit=\"nm\" PhysicalSizeZ=\"0.002\" PhysicalSizeZUnit=\"mm\"",
                      "<Channel ID=\"Channel:0:0\" Name=\"a\"/><Channel ID=\"Channel:0:1\" Name=\"b\"/>" +
                          "<TiffData FirstC=\"0\" PlaneCount=\"2\"><UUID FileName=\"master.ome.tif\">urn:uuid:aaaa</UUID></TiffData>" +
                          "<TiffData FirstC=\"1\" PlaneCount=\"2\"><UUID FileName=\"second.ome.tif\">urn:uuid:bbbb</UUID></TiffData>")
        try writeTIFF(dir + "/master.ome.tif", planes: [(0, 0, 0), (0, 1, 0)], description: xml)
        try writeTIFF(dir + "/second.ome.tif", planes: [(0, 0, 1), (0, 1, 1)], description: nil)
        let source = try ImageOpener.open(path: dir + "/master.ome.tif")
        let m = source.metadata(series: 0)
        #expect(m.shape == Shape(z: 2, c: 2, y: 24, x: 32))
        #expect(abs(m.physicalSizeX - 0.5) < 1e-12 && abs(m.physicalSizeZ - 2) < 1e-12)
        #expect(m.annotations.contains { $0.0 == "PhysicalSizeXOriginal" && $0.1 == .string("500 nm") })
        #expect(m.channels.map(\.name) == ["a", "b"])
        for z in 0..<2 { for c in 0..<2 {
            #expect(try source.readPlane(plane: PlaneIndex(z: z, c: c)).bytes == gen.bytes(t: 0, z: z, c: c))
        } }

        // Without the second file: a warning, and its planes read as zeros.
        try FileManager.default.removeItem(atPath: dir + "/second.ome.tif")
        let partial = try ImageOpener.open(path: dir + "/master.ome.tif")
        #expect(partial.metadata(series: 0).warnings.contains { $0.contains("second.ome.tif") })
        #expect(try partial.readPlane(plane: PlaneIndex(z: 1, c: 1)).doubles().allSatisfy { $0 == 0 })
        #expect(try partial.readPlane(plane: PlaneIndex(z: 1, c: 0)).bytes == gen.bytes(t: 0, z: 1, c: 0))
    }

    @Test func tiffDataDefaultsAndDimensionOrder() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // XYCTZ with no TiffData: IFD i is stored plane i with C fastest, then T, then Z.
        let xml = ome("DimensionOrder=\"XYCTZ\" SizeZ=\"2\" SizeC=\"2\" SizeT=\"3\" TimeIncrement=\"250\" TimeIncrementUnit=\"ms\"", "")
        var order: [(Int, Int, Int)] = []
        for z in 0..<2 { for t in 0..<3 { for c in 0..<2 { order.append((t, z, c)) } } }
        try writeTIFF(dir + "/o.ome.tif", planes: order, description: xml)
        let source = try ImageOpener.open(path: dir + "/o.ome.tif")
        let m = source.metadata(series: 0)
        #expect(m.shape == Shape(t: 3, z: 2, c: 2, y: 24, x: 32))
        #expect(m.timeIncrement == 0.25)
        for (t, z, c) in order {
            #expect(try source.readPlane(plane: PlaneIndex(t: t, z: z, c: c)).bytes == gen.bytes(t: t, z: z, c: c))
        }
    }

    @Test func malformedXMLFallsBackToPlainTIFF() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeTIFF(dir + "/bad.ome.tif", planes: [(0, 0, 0), (1, 0, 0)], description: "<?xml version=\"1.0\"?><OME><Image><Pixels")
        let source = try ImageOpener.open(path: dir + "/bad.ome.tif")
        let m = source.metadata(series: 0)
        #expect(m.format == .tiff)
        #expect(m.shape.t == 2)
        #expect(m.warnings.first?.hasPrefix("OME-XML is malformed") == true)
    }

    @Test func pixelsDisagreeingWithTheFileFallBack() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let xml = ome("DimensionOrder=\"XYZCT\" SizeZ=\"1\" SizeC=\"1\" SizeT=\"1\"", "").replacingOccurrences(of: "SizeX=\"32\"", with: "SizeX=\"33\"")
        try writeTIFF(dir + "/x.ome.tif", planes: [(0, 0, 0)], description: xml)
        let m = try ImageOpener.open(path: dir + "/x.ome.tif").metadata(series: 0)
        #expect(m.format == .tiff)
        #expect(m.warnings.contains { $0.contains("does not match the file") })
    }
}
