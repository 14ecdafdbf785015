import Foundation
@testable import OmioFormats
import OmioFixtures
import Testing

/// zstd subblocks that decode to more than `CZIZstd.streamAbove` are decoded through a
/// bounded window keeping only the rows a region shows: the pixels must be those the whole
/// decode gives, for zstd0 and for zstd1 with hi-lo packing.
struct CZIStreamedSubblockTests {
    typealias W = CZITestWriter

    @Test(arguments: [5, 6])
    func bigZstdSubblockReadsRowsCorrectly(compression: Int) throws {
        let (w, h) = (6001, 6007) // 72 MB of Gray16: over the threshold
        #expect(w * h * 2 > CZIZstd.streamAbove)
        func value(_ y: Int, _ x: Int) -> UInt16 { UInt16(truncatingIfNeeded: y &* 13 &+ x &* 5 &+ (x ^ y)) }
        var raw = [UInt8](repeating: 0, count: w * h * 2)
        for y in 0..<h {
            for x in 0..<w {
                let v = value(y, x)
                raw[(y * w + x) * 2] = UInt8(v & 0xFF)
                raw[(y * w + x) * 2 + 1] = UInt8(v >> 8)
            }
        }
        var writer = W()
        let payload = compression == 5 ? W.zstd(raw) : W.zstd1HiLo(raw)
        raw = []
        writer.subblocks.append(.init(dims: [("X", 0, w), ("Y", 0, h)], pixelType: 1, payload: payload, compression: compression))
        let source = try CZIReaderTests.open(writer)
        for region in [PixelRegion(rows: 5000..<5010, cols: 17..<6001), PixelRegion(rows: 0..<h, cols: 0..<w, rowStep: 101, colStep: 7),
                       PixelRegion(rows: 6000..<6007, cols: 6000..<6001)] {
            let got = try source.read(series: 0, level: 0, plane: PlaneIndex(), region: region)
            var bad = 0
            got.bytes.withUnsafeBytes { b in
                let v = b.bindMemory(to: UInt16.self)
                for i in 0..<got.height {
                    for j in 0..<got.width where v[i * got.width + j] != value(region.rows.lowerBound + i * region.rowStep,
                                                                             region.cols.lowerBound + j * region.colStep) {
                        bad += 1
                    }
                }
            }
            #expect(got.width == region.outputWidth && got.height == region.outputHeight)
            #expect(bad == 0, "\(region): \(bad) wrong samples")
        }
    }

    /// A plane read band by band, in order (as a store build or `slice` reads it), decodes the
    /// subblock once: one cursor per stream half walks it and every band resumes where the
    /// last stopped. A band before the cursor starts over. A frame cut short fails at the band
    /// that reaches the cut, with a one-line error.
    @Test(arguments: [5, 6])
    func bandsReadInOrderDecodeTheSubblockOnce(compression: Int) throws {
        let (w, h) = (6001, 6007)
        var raw = [UInt8](repeating: 0, count: w * h * 2)
        raw.withUnsafeMutableBytes { b in
            let v = b.bindMemory(to: UInt16.self)
            for i in 0..<v.count { v[i] = UInt16(truncatingIfNeeded: i &* 7 ^ (i >> 11)) }
        }
        let payload = compression == 5 ? W.zstd(raw) : W.zstd1HiLo(raw)
        func source(_ payload: [UInt8]) throws -> CZISource {
            var writer = W()
            writer.subblocks.append(.init(dims: [("X", 0, w), ("Y", 0, h)], pixelType: 1, payload: payload, compression: compression))
            return try #require(try CZIReaderTests.open(writer) as? CZISource)
        }
        let czi = try source(payload)
        let bandRows = (8 << 20) / (w * 2)
        func band(_ y: Int) -> PixelRegion { PixelRegion(rows: y..<min(h, y + bandRows), cols: 0..<w) }
        var wrong: [Int] = []
        for y in stride(from: 0, to: h, by: bandRows) {
            let got = try czi.read(series: 0, level: 0, plane: PlaneIndex(), region: band(y))
            if !got.bytes.elementsEqual(raw[(y * w * 2)..<(min(h, y + bandRows) * w * 2)]) { wrong.append(y) }
        }
        #expect(wrong.isEmpty, "bands at rows \(wrong) differ from the pixels written")
        // Hi-lo: the high-half cursor streams past the low half once before its first band.
        let lanes = compression == 5 ? 1 : 2
        let once = compression == 5 ? raw.count : raw.count + raw.count / 2
        #expect(czi.zstdStreams.counts.starts == lanes)
        #expect(czi.zstdStreams.counts.decodedBytes == once)

        let again = try czi.read(series: 0, level: 0, plane: PlaneIndex(), region: band(0))
        #expect(again.bytes.elementsEqual(raw[0..<(bandRows * w * 2)]))
        #expect(czi.zstdStreams.counts.starts == 2 * lanes)

        let cut = try source(Array(payload.dropLast(payload.count / 3)))
        #expect {
            for y in stride(from: 0, to: h, by: bandRows) { _ = try cut.read(series: 0, level: 0, plane: PlaneIndex(), region: band(y)) }
        } throws: { error in
            let reason = error.omioReason
            return reason.contains("ends early") && !reason.contains("\n")
        }
    }
}
