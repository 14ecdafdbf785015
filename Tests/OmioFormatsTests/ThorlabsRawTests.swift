import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// ThorImage folders generated here: a .raw file beside Experiment.xml (or OMIO's YAML
/// sidecar), read with OMIO's rules.
struct ThorlabsRawTests {
    /// A folder holding `Image_0001_0001.raw` and the given side files; removed by the caller.
    static func folder(raw: [UInt8], files: [String: String]) throws -> (dir: String, raw: String) {
        let dir = TestPaths.tempDir()
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: false, encoding: .utf8) }
        let path = dir + "/Image_0001_0001.raw"
        try Data(raw).write(to: URL(fileURLWithPath: path))
        return (dir, path)
    }

    /// An Experiment.xml as ThorImageLS writes it, reduced to what OMIO reads.
    static func experiment(x: Int, y: Int, channels: [String], t: Int = 1, interval: Double = 0.5, zSteps: Int = 1,
                           zStep: Double = 2.5, zFast: Bool = true, bits: Int = 16, pixelSize: Double = 0.4) -> String {
        """
        <?xml version="1.0"?>
        <ThorImageExperiment>
          <Name name="test" />
          <Date date="03/14/2024 10:11:12" />
          <Camera name="ResonanceGalvo" bitsPerPixel="\(bits)" />
          <LSM name="ResonanceGalvo" pixelX="\(x)" pixelY="\(y)" channel="1" pixelSizeUM="\(pixelSize)" frameRate="29.9" />
          <Wavelengths nyquistExWavelengthNM="488">\(channels.map { "\n    <Wavelength name=\"\($0)\" exposureTimeMS=\"0\" />" }.joined())
          </Wavelengths>
          <ZStage name="ThorZPiezo" steps="\(zSteps)" stepSizeUM="\(zStep)" startPos="0" />
          <Timelapse timepoints="\(t)" intervalSec="\(interval)" triggerMode="0" />
          <Streaming enable="1" frames="\(t * zSteps)" zFastEnable="\(zFast ? 1 : 0)" flybackFrames="0" />
        </ThorImageExperiment>
        """
    }

    /// Plane number k (C fastest, then Z, then T), pixel (y, x): k * 100 + y * 10 + x.
    static func value(_ k: Int, _ y: Int, _ x: Int) -> Int { k * 100 + y * 10 + x }

    static func raw(planes: Int, y: Int, x: Int, bits: Int) -> [UInt8] {
        var out: [UInt8] = []
        for k in 0..<planes { for r in 0..<y { for c in 0..<x {
            let v = value(k, r, c)
            switch bits {
            case 32: out += withUnsafeBytes(of: Float(v).bitPattern.littleEndian, Array.init)
            case 9...16: out += [UInt8(v & 0xFF), UInt8(v >> 8)]
            default: out.append(UInt8(v % 256))
            }
        } } }
        return out
    }

    @Test func experimentXMLGivesShapeCalibrationAndPixels() throws {
        let xml = Self.experiment(x: 6, y: 4, channels: ["ChanA", "ChanB"], t: 3, zSteps: 4)
        let (dir, path) = try Self.folder(raw: Self.raw(planes: 24, y: 4, x: 6, bits: 16), files: ["Experiment.xml": xml])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try ImageOpener.open(path: path)
        #expect(source.format == .thorlabsRaw)
        let m = source.metadata(series: 0)
        #expect(m.shape == Shape(t: 3, z: 4, c: 2, y: 4, x: 6))
        #expect(m.dtype == .uint16)
        #expect(m.physicalSizeX == 0.4 && m.physicalSizeY == 0.4 && m.physicalSizeZ == 2.5)
        #expect(m.timeIncrement == 0.5)
        #expect(m.channels.map(\.name) == ["ChanA", "ChanB"])
        #expect(m.warnings.isEmpty, "\(m.warnings)")
        #expect(m.annotations.first { $0.0 == "MetadataFile" }?.1 == JSONValue.string("Experiment.xml"))
        for (t, z, c) in [(0, 0, 0), (1, 2, 1), (2, 3, 1)] {
            let k = m.shape.planeNumber(t: t, z: z, c: c)
            let want: [Double] = (0..<4).flatMap { y in (0..<6).map { x in Double(Self.value(k, y, x)) } }
            #expect(try source.readPlane(plane: PlaneIndex(t: t, z: z, c: c)).doubles() == want)
        }
        let k = m.shape.planeNumber(t: 1, z: 1, c: 0)
        let stepped = try source.read(series: 0, level: 0, plane: PlaneIndex(t: 1, z: 1), region: PixelRegion(rows: 1..<4, cols: 1..<6, rowStep: 2, colStep: 2))
        let wantStepped: [Double] = [1, 3].flatMap { y in [1, 3, 5].map { x in Double(Self.value(k, y, x)) } }
        #expect(stepped.doubles() == wantStepped)
        let band = try source.read(series: 0, level: 0, plane: PlaneIndex(t: 1, z: 1), region: PixelRegion(rows: 2..<4, cols: 3..<5))
        let wantBand: [Double] = [2, 3].flatMap { y in [3, 4].map { x in Double(Self.value(k, y, x)) } }
        #expect(band.doubles() == wantBand)
        #expect(!source.rawTree().isEmpty)
    }

    /// Camera@bitsPerPixel: 8 is uint8, 12 is uint16, 32 is float32 (OMIO's mapping).
    @Test(arguments: [(8, PixelType.uint8), (12, .uint16), (32, .float32)])
    func bitDepths(bits: Int, dtype: PixelType) throws {
        let xml = Self.experiment(x: 3, y: 2, channels: ["ChanA"], t: 2, zSteps: 2, bits: bits)
        let (dir, path) = try Self.folder(raw: Self.raw(planes: 4, y: 2, x: 3, bits: bits), files: ["Experiment.xml": xml])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try ImageOpener.open(path: path)
        let m = source.metadata(series: 0)
        #expect(m.dtype == dtype && m.shape == Shape(t: 2, z: 2, c: 1, y: 2, x: 3))
        let want: [Double] = (0..<2).flatMap { y in (0..<3).map { x in Double(Self.value(3, y, x) % (bits <= 8 ? 256 : 1 << 20)) } }
        #expect(try source.readPlane(plane: PlaneIndex(t: 1, z: 1)).doubles() == want)
    }

    /// The file holds fewer Z planes than ZStage@steps says (an interrupted run): Z comes from
    /// the file size, with a warning. Without zFastEnable, ZStage is ignored and the spare
    /// volumes become Z too (OMIO's rule), with no Z step.
    @Test func zFollowsTheFileSize() throws {
        let short = Self.experiment(x: 4, y: 2, channels: ["ChanA", "ChanB"], t: 1, zSteps: 5)
        var (dir, path) = try Self.folder(raw: Self.raw(planes: 6, y: 2, x: 4, bits: 16), files: ["Experiment.xml": short])
        var m = try ImageOpener.open(path: path).metadata(series: 0)
        #expect(m.shape == Shape(t: 1, z: 3, c: 2, y: 2, x: 4))
        #expect(m.warnings.contains { $0.contains("Z 5") && $0.contains("Z 3") })
        try? FileManager.default.removeItem(atPath: dir)

        let slow = Self.experiment(x: 4, y: 2, channels: ["ChanA"], t: 1, zSteps: 7, zFast: false)
        (dir, path) = try Self.folder(raw: Self.raw(planes: 3, y: 2, x: 4, bits: 16), files: ["Experiment.xml": slow])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        m = try ImageOpener.open(path: path).metadata(series: 0)
        #expect(m.shape == Shape(t: 1, z: 3, c: 1, y: 2, x: 4))
        #expect(m.defaulted.contains("PhysicalSizeZ"))
    }

    /// A file that is not a whole number of volumes makes the XML unusable: an error, or the
    /// YAML sidecar when there is one.
    @Test func partialVolumesRejectTheXML() throws {
        let xml = Self.experiment(x: 4, y: 2, channels: ["ChanA"], zSteps: 2)
        let raw = Self.raw(planes: 2, y: 2, x: 4, bits: 16) + [0, 0]
        var (dir, path) = try Self.folder(raw: raw, files: ["Experiment.xml": xml])
        let error = try #require(throws: OmioError.self) { try ImageOpener.open(path: path) }
        #expect(error.reason.contains("Experiment.xml is incomplete or inconsistent") && error.reason.contains("whole number"))
        try? FileManager.default.removeItem(atPath: dir)

        let yaml = "T: 1\nZ: 1\nC: 1\nY: 1\nX: 17\nbits: 16\n" // 34 bytes, as the file holds
        (dir, path) = try Self.folder(raw: raw, files: ["Experiment.xml": xml, "meta.yaml": yaml])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = try ImageOpener.open(path: path).metadata(series: 0)
        #expect(m.shape == Shape(y: 1, x: 17))
        #expect(m.warnings.first?.contains("read with meta.yaml instead") == true)
    }

    /// No XML: OMIO's YAML sidecar, with its units converted to µm and s.
    @Test func yamlSidecarReplacesAMissingXML() throws {
        let yaml = """
        # written by omio.create_thorlabs_raw_yaml
        T: 2
        Z: 3
        C: 1
        Y: 2
        X: 4
        bits: 16
        PhysicalSizeX: 650
        PhysicalSizeY: 650.0
        PhysicalSizeZ: 2000
        pixelunit: nm
        TimeIncrement: 250
        TimeIncrementUnit: 'ms'
        """
        let (dir, path) = try Self.folder(raw: Self.raw(planes: 6, y: 2, x: 4, bits: 16), files: ["Image_metadata.yaml": yaml])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try ImageOpener.open(path: path)
        let m = source.metadata(series: 0)
        #expect(m.shape == Shape(t: 2, z: 3, c: 1, y: 2, x: 4))
        #expect(abs(m.physicalSizeX - 0.65) < 1e-12 && abs(m.physicalSizeZ - 2) < 1e-12)
        #expect(m.timeIncrement == 0.25)
        #expect(m.warnings.isEmpty, "\(m.warnings)")
        let want: [Double] = (0..<2).flatMap { y in (0..<4).map { x in Double(Self.value(5, y, x)) } }
        #expect(try source.readPlane(plane: PlaneIndex(t: 1, z: 2)).doubles() == want)
    }

    @Test func yamlThatDisagreesWithTheFileIsAnError() throws {
        let (dir, path) = try Self.folder(raw: Self.raw(planes: 2, y: 2, x: 4, bits: 16), files: ["m.yml": "T: 1\nZ: 3\nC: 1\nY: 2\nX: 4\nbits: 16"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let error = try #require(throws: OmioError.self) { try ImageOpener.open(path: path) }
        #expect(error.reason.contains("size mismatch"))
    }

    @Test func brokenXML() throws {
        let broken = "<?xml version=\"1.0\"?>\n<ThorImageExperiment>\n  <LSM pixelX=\"4\" pixelY="
        var (dir, path) = try Self.folder(raw: Self.raw(planes: 1, y: 2, x: 4, bits: 16), files: ["Experiment.xml": broken])
        let error = try #require(throws: OmioError.self) { try ImageOpener.open(path: path) }
        #expect(error.reason.hasPrefix("Experiment.xml is incomplete or inconsistent: malformed XML"))
        #expect(!error.reason.contains("\n"))
        try? FileManager.default.removeItem(atPath: dir)

        (dir, path) = try Self.folder(raw: Self.raw(planes: 1, y: 2, x: 4, bits: 16),
                                      files: ["Experiment.xml": broken, "sidecar.yaml": "T: 1\nZ: 1\nC: 1\nY: 2\nX: 4\nbits: 16"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = try ImageOpener.open(path: path).metadata(series: 0)
        #expect(m.shape == Shape(y: 2, x: 4))
        #expect(m.warnings.contains { $0.contains("malformed XML") && $0.contains("sidecar.yaml") })
    }

    @Test func xmlWithoutLSMIsAnError() throws {
        let (dir, path) = try Self.folder(raw: [0, 0], files: ["Experiment.xml": "<ThorImageExperiment><Camera bitsPerPixel=\"16\"/></ThorImageExperiment>"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let error = try #require(throws: OmioError.self) { try ImageOpener.open(path: path) }
        #expect(error.reason.contains("no LSM element"))
    }

    /// macOS leaves `._Experiment.xml` resource forks beside the real file: never read them.
    @Test func hiddenXMLFilesAreIgnored() throws {
        let junk = String(repeating: "\u{1}\u{2}Mac OS X  ", count: 10)
        let xml = Self.experiment(x: 4, y: 2, channels: ["ChanA"])
        var (dir, path) = try Self.folder(raw: Self.raw(planes: 1, y: 2, x: 4, bits: 16), files: ["._Experiment.xml": junk, "Experiment.xml": xml])
        let m = try ImageOpener.open(path: path).metadata(series: 0)
        #expect(m.shape == Shape(y: 2, x: 4) && m.warnings.isEmpty)
        try? FileManager.default.removeItem(atPath: dir)

        (dir, path) = try Self.folder(raw: Self.raw(planes: 1, y: 2, x: 4, bits: 16), files: ["._Experiment.xml": junk])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let error = try #require(throws: OmioError.self) { try ImageOpener.open(path: path) }
        #expect(error.reason.contains("no Experiment.xml or YAML sidecar"))
    }

    /// Raw pixels may begin with the bytes of a TIFF header ("II*"): the .raw reader must win.
    @Test func rawDataThatLooksLikeTIFF() throws {
        let xml = Self.experiment(x: 2, y: 1, channels: ["ChanA"])
        let (dir, path) = try Self.folder(raw: [0x49, 0x49, 0x2A, 0x00], files: ["Experiment.xml": xml])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try ImageOpener.open(path: path)
        #expect(source.format == .thorlabsRaw)
        #expect(try source.readPlane(plane: PlaneIndex()).doubles() == [0x4949, 0x002A])
    }
    /// Every byte of Experiment.xml flipped, and the .raw cut at every length: a clean error or a
    /// valid reading, never a crash.
    @Test func corruptFoldersFailCleanly() throws {
        let xml = Array(Self.experiment(x: 3, y: 2, channels: ["ChanA", "ChanB"], t: 2, zSteps: 2).utf8)
        let raw = Self.raw(planes: 8, y: 2, x: 3, bits: 16)
        let (dir, path) = try Self.folder(raw: raw, files: ["Experiment.xml": String(decoding: xml, as: UTF8.self)])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func exercise() -> Error? {
            do {
                let source = try ImageOpener.open(path: path)
                let m = source.metadata(series: 0)
                _ = try source.readPlane(plane: PlaneIndex())
                _ = try source.readPlane(plane: PlaneIndex(t: m.shape.t - 1, z: m.shape.z - 1, c: m.shape.c - 1))
                return nil
            } catch {
                return error
            }
        }
        // Patch and truncate in place: rewriting files each time is slow.
        let xmlHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/Experiment.xml"))
        defer { try? xmlHandle.close() }
        for p in xml.indices {
            for value in [xml[p] ^ 0xFF, xml[p]] {
                try xmlHandle.seek(toOffset: UInt64(p))
                try xmlHandle.write(contentsOf: [value])
                if let error = exercise() { #expect(error is OmioError, "XML byte \(p): \(error)") }
            }
        }
        let rawHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? rawHandle.close() }
        for cut in (0..<raw.count).reversed() {
            try rawHandle.truncate(atOffset: UInt64(cut))
            if let error = exercise() { #expect(error is OmioError, "raw cut at \(cut): \(error)") }
        }
    }
}
