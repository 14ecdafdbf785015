import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// `info` of every file in the real corpus (TIFF family, LSM, CZI) against Bio-Formats 7.3.1's reading in
/// reference.json. Where Bio-Formats is wrong, the file has its own test below.
struct ReferenceCorpusTests {
    struct Expected {
        let name: String
        let bf: [String: Any]
    }

    static let reference: [String: Any] = {
        guard let data = FileManager.default.contents(atPath: TestPaths.real("reference.json")),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return obj
    }()

    /// Files whose Bio-Formats reading is wrong on purpose-tested fields (see the tests below).
    static let deliberateDifferences: [String: Set<String>] = [
        "clEsperanto_mini-t1-head.tif": ["PhysicalSizeZ"],
        "omio.lsm": ["PhysicalSizeZ", "TimeIncrement"],
    ]

    static var names: [String] { reference.keys.sorted() }

    @Test func corpusIsPresent() {
        #expect(Self.names.count >= 13, "reference.json not found under \(TestPaths.corpus)")
    }

    @Test(arguments: names)
    func agreesWithBioFormats(name: String) throws {
        let entry = try #require(Self.reference[name] as? [String: Any])
        let bf = try #require(entry["bioformats"] as? [String: Any])
        let source = try ImageOpener.open(path: TestPaths.real(name))
        let m = source.metadata(series: 0)
        let skip = Self.deliberateDifferences[name] ?? []
        #expect(source.seriesCount == bf["series_count"] as? Int)
        #expect(m.dtype.rawValue == bf["dtype"] as? String)
        #expect(m.shape.t == bf["SizeT"] as? Int)
        #expect(m.shape.z == bf["SizeZ"] as? Int)
        #expect(m.shape.c == bf["SizeC"] as? Int)
        #expect(m.shape.y == bf["SizeY"] as? Int)
        #expect(m.shape.x == bf["SizeX"] as? Int)
        for axis in ["X", "Y", "Z"] where !skip.contains("PhysicalSize\(axis)") {
            let key = "PhysicalSize\(axis)"
            if let want = bf[key] as? Double {
                #expect(abs(m.physicalSize(axis) - want) <= want * 1e-3, "\(key) \(m.physicalSize(axis)) vs \(want)")
                #expect(!m.defaulted.contains(key))
            } else {
                // Bio-Formats has no value: ours is the 1 µm default, flagged as such.
                #expect(m.defaulted.contains(key) && m.physicalSize(axis) == 1, "\(key) should be defaulted")
            }
        }
        if !skip.contains("TimeIncrement") {
            let want = bf["TimeIncrement"] as? Double
            #expect(m.timeIncrement.map { abs($0 - (want ?? -1)) <= (want ?? 0) * 1e-3 } ?? (want == nil),
                    "TimeIncrement \(String(describing: m.timeIncrement)) vs \(String(describing: want))")
        }
        let names = (bf["ChannelNames"] as? [Any])?.map { $0 as? String } ?? []
        #expect(m.channels.map(\.name) == names)
    }

    /// ImageJ `unit=mm spacing=1.5`: Z is 1.5 mm = 1500 µm. Bio-Formats 7.3.1 ignores the unit
    /// for the spacing and reports 1.5 µm; we are right, not compatible.
    @Test func imagejSpacingHonoursMillimetres() throws {
        let m = try ImageOpener.open(path: TestPaths.real("clEsperanto_mini-t1-head.tif")).metadata(series: 0)
        #expect(abs(m.physicalSizeZ - 1500) < 1e-6)
        #expect(abs(m.physicalSizeX - 1500.0015) < 1e-2)
        #expect(m.warnings.isEmpty)
    }

    /// LSM: VoxelSizeZ 1e-19 m is Zeiss's "unset", not a 1e-13 µm spacing (Bio-Formats' reading);
    /// TimeIntervall 0 means unknown, not Bio-Formats' default of 1 s.
    @Test func lsmUnsetValuesAreUnset() throws {
        let m = try ImageOpener.open(path: TestPaths.real("omio.lsm")).metadata(series: 0)
        #expect(m.defaulted.contains("PhysicalSizeZ"))
        #expect(m.physicalSizeZ == 1)
        #expect(m.timeIncrement == nil)
        #expect(m.format == .lsm)
        #expect(m.channels.map(\.color) == [RGBColor(0, 0, 255), RGBColor(255, 0, 0), RGBColor(255, 255, 255)])
    }

    @Test func formatsAreDetected() throws {
        let expected: [String: FileFormat] = [
            "aics_s_1_t_1_c_1_z_1.ome.tiff": .omeTiff, "aics_s_1_t_1_c_1_z_1.tiff": .imagejTiff,
            "mczs.ome.tif": .omeTiff, "omio.lsm": .lsm, "clEsperanto_blobs.tif": .imagejTiff,
        ]
        for (name, format) in expected {
            #expect(try ImageOpener.open(path: TestPaths.real(name)).format == format, "\(name)")
        }
    }

    @Test func omeChannelNamesAndColours() throws {
        let m = try ImageOpener.open(path: TestPaths.real("aics_s_1_t_1_c_1_z_1.ome.tiff")).metadata(series: 0)
        #expect(m.channels == [ChannelInfo(name: "Bright", color: .white)])
        #expect(m.annotations.contains { $0.0 == "AcquisitionDate" })
    }
}
