import Foundation
import OmioFixtures
@testable import OmioFormats
import Testing

/// Samples without a dtype of their own (1-7, 10, 12, 14, 24-bit integers, half floats),
/// widened on read: the bit stream itself, then real files of the shared corpus whose values
/// are known.
struct PackedSampleTests {
    static func unpack(_ bytes: [UInt8], bits: Int, count: Int, width: Int, reversed: Bool = false, stride: Int = 0) -> [UInt64] {
        var out = [UInt8](repeating: 0, count: count * width)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                PackedSamples.unpack(src, from: 0, bits: bits, count: count, into: dst, at: 0, bytes: width,
                                     reversedBits: reversed, differenceStride: stride)
            }
        }
        return (0..<count).map { i in (0..<width).reduce(UInt64(0)) { $0 | UInt64(out[i * width + $1]) << (8 * $1) } }
    }

    @Test func bitStreamsMostSignificantBitFirst() {
        // 3-bit samples 1..8 (8 wraps to 0) cross byte boundaries: 001 010 011 100 101 110 111 000.
        #expect(Self.unpack([0b0010_1001, 0b1100_1011, 0b1011_1000], bits: 3, count: 8, width: 1) == [1, 2, 3, 4, 5, 6, 7, 0])
        // 12-bit: 0xABC, 0x123 in three bytes, widened to native uint16.
        #expect(Self.unpack([0xAB, 0xC1, 0x23], bits: 12, count: 2, width: 2) == [0xABC, 0x123])
        // FillOrder 2: the same 1-bit row with each byte's bits reversed.
        #expect(Self.unpack([0b1000_0000], bits: 1, count: 8, width: 1, reversed: true) == [0, 0, 0, 0, 0, 0, 0, 1])
        // Predictor 2 on 4-bit samples: differences summed modulo 16.
        #expect(Self.unpack([0x11, 0x1F], bits: 4, count: 4, width: 1, stride: 1) == [1, 2, 3, 2])
    }

    /// image-tiff's `seq` images: value (16 y + x) mod 2^N, MinIsWhite ones inverted (stored
    /// values are read as they are, as tifffile does).
    @Test func sequenceImagesOfEveryDepth() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: TestPaths.corpus + "/corrupt")
            .filter { $0.hasPrefix("imagers_tests_images_seq_seq-1c-") } // incl. CCITT G3, decoded by libtiff to 1-bit rows
        var depths = Set<Int>()
        for name in names {
            guard let bits = Int(name.dropFirst("imagers_tests_images_seq_seq-1c-".count).prefix { $0.isNumber }),
                  name.dropFirst("imagers_tests_images_seq_seq-1c-".count).dropFirst(String(bits).count).hasPrefix("b-"),
                  ![8, 16, 32].contains(bits) else { continue }
            let source = try ImageOpener.open(path: TestPaths.corpus + "/corrupt/" + name)
            let m = source.metadata(series: 0)
            #expect(m.dtype == (bits < 8 ? .uint8 : bits < 16 ? .uint16 : .uint32), "\(name)")
            let plane = try source.readPlane(plane: PlaneIndex())
            let mask = (1 << bits) - 1
            let want = (0..<16).flatMap { y in (0..<16).map { x in (16 * y + x) & mask } }
                .map { name.contains("miniswhite") || name.contains("fax3") ? mask - $0 : $0 } // fax data is MinIsWhite
            #expect(plane.floats().map { Int($0) } == want, "\(name)")
            depths.insert(bits)
        }
        #expect(depths.isSuperset(of: [1, 2, 3, 4, 5, 6, 7, 10, 12, 14, 24]), "depths found: \(depths.sorted())")
        #expect(names.filter { $0.contains("fax3") }.count == 3)
    }

    /// Pillow's hopper at 2 and 4 bits: FillOrder 2 copies read like the plain ones.
    @Test(arguments: ["2", "2I", "4", "4I"])
    func reversedFillOrderReadsTheSame(name: String) throws {
        let plain = try ImageOpener.open(path: TestPaths.corpus + "/corrupt/pillow_hopper\(name).tif").readPlane(plane: PlaneIndex())
        let reversed = try ImageOpener.open(path: TestPaths.corpus + "/corrupt/pillow_hopper\(name)R.tif").readPlane(plane: PlaneIndex())
        #expect(plain.bytes == reversed.bytes)
        #expect(Set(plain.bytes).count > 2, "a real picture, not a constant")
    }

    /// Uncompressed 12-bit with Predictor 2 (libtiff would leave the differences).
    @Test func predictorOnPackedSamples() throws {
        let plane = try ImageOpener.open(path: TestPaths.corpus + "/corrupt/imagers_tests_images_hpredict-1c-12b.tiff").readPlane(plane: PlaneIndex())
        #expect(plane.floats() == [100, 200, 300, 400, 1000, 2000, 3000, 4000])
    }

    /// Half floats widen to float32: the same random picture stored plain, with Predictor 2 and
    /// with the floating-point Predictor 3 (both undone by libtiff) reads the same.
    @Test func halfFloats() throws {
        func read(_ name: String) throws -> PixelBuffer {
            let source = try ImageOpener.open(path: TestPaths.corpus + "/corrupt/imagers_tests_images_\(name).tiff")
            #expect(source.metadata(series: 0).dtype == .float32)
            return try source.readPlane(plane: PlaneIndex())
        }
        let plain = try read("random-fp16").floats()
        #expect(Set(plain).count == 125 && plain.min() == Float(Float16(0.3848)) && plain.max() == 1)
        #expect(try read("random-fp16-pred2").floats() == plain)
        #expect(try read("random-fp16-pred3").floats() == plain)
        #expect(try read("white-fp16").floats().allSatisfy { $0 == 1 })
    }
}
