import Foundation
import Testing
@testable import OmioRender
@testable import OmioRenderQuality

/// The sixel and iTerm2 encoders' bytes, decoded by the decoders in OmioRenderQuality (written
/// from the protocol texts), against the raster they were given.
struct GraphicsEncoderTests {
    typealias S = RenderTestSupport

    /// A greyscale "cell image": bright blobs on a dark ramp with noise, every code 0...255.
    static func grayPlane(width: Int, height: Int) -> RGBRaster {
        var rng = S.Random(state: 0x9E37_79B9_7F4A_7C15)
        return S.raster(width: width, height: height) { x, y in
            let fx = Double(x) / Double(width), fy = Double(y) / Double(height)
            var v = 40 * fx + 20 * fy
            for (cx, cy, r) in [(0.3, 0.4, 0.12), (0.7, 0.6, 0.2), (0.55, 0.2, 0.06)] {
                let d2 = (fx - cx) * (fx - cx) + (fy - cy) * (fy - cy)
                v += 200 * exp(-d2 / (r * r))
            }
            v += Double(rng.next() % 31) - 15
            return S.gray(UInt8(min(255, max(0, v.rounded()))))
        }
    }

    /// A three-channel composite: magenta, green and cyan blobs overlapping (thousands of colours).
    static func composite(width: Int, height: Int) -> RGBRaster {
        S.raster(width: width, height: height) { x, y in
            let fx = Double(x) / Double(width), fy = Double(y) / Double(height)
            func blob(_ cx: Double, _ cy: Double, _ r: Double) -> Double { exp(-((fx - cx) * (fx - cx) + (fy - cy) * (fy - cy)) / (r * r)) }
            let a = blob(0.3, 0.4, 0.25), b = blob(0.65, 0.55, 0.2) + 0.3 * fx, c = blob(0.5, 0.3, 0.15)
            func code(_ v: Double) -> UInt8 { UInt8(min(255, max(0, (255 * v).rounded()))) }
            return RGB8(r: code(a), g: code(b + c), b: code(a + c))
        }
    }

    static func encodeSixel(_ raster: RGBRaster, registers: Int = 256) -> [UInt8] {
        GraphicsEncoder.encode(raster, as: .sixel, cols: raster.width / 8, rows: raster.height / 16,
                               options: GraphicsOptions(colorRegisters: registers)).bytes
    }

    @Test func sixelGreyPlaneIsExactToThePercentPalette() throws {
        let plane = Self.grayPlane(width: 800, height: 600)
        let bytes = Self.encodeSixel(plane)
        #expect(Array(bytes.prefix(7)) == Array("\u{1B}P0;1;q".utf8))
        #expect(bytes.count <= SixelEncoder.maxBytes(width: 800, height: 600, colors: 256))
        let image = try SixelDecoder.decode(bytes)
        #expect(image.params == [0, 1])
        #expect(image.raster.width == 800 && image.raster.height == 600)
        #expect(image.unpainted == 0)
        #expect(image.registers <= 101) // grey in percent: at most 101 shades
        // Percent steps are 2.55 codes: every channel within one code of the source.
        let worst = zip(image.raster.pixels, plane.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 99
        #expect(worst <= 1)
        #expect(psnr(a: image.raster, b: plane) >= 32)
    }

    @Test func sixelCompositeFitsThePaletteItIsGiven() throws {
        let plane = Self.composite(width: 320, height: 200)
        for registers in [256, 16] {
            let bytes = Self.encodeSixel(plane, registers: registers)
            let image = try SixelDecoder.decode(bytes)
            #expect(image.registers <= registers)
            #expect(image.unpainted == 0)
            #expect(bytes.count <= SixelEncoder.maxBytes(width: 320, height: 200, colors: registers))
            let quality = psnr(a: image.raster, b: plane)
            // Measured 34.2 dB with 256 registers, 22.5 dB with 16 (median cut by squared error,
            // half-strength diffusion); full-strength diffusion measured 32.0 and 20.6.
            #expect(quality >= (registers == 256 ? 33.5 : 22), "PSNR \(quality) dB with \(registers) registers")
        }
    }

    @Test func sixelNoiseStaysWithinTheBoundAndOddHeightsDecode() throws {
        var rng = S.Random(state: 42)
        let noise = S.raster(width: 97, height: 61) { _, _ in rng.color() } // 61: last band has one row
        let bytes = Self.encodeSixel(noise)
        #expect(bytes.count <= SixelEncoder.maxBytes(width: 97, height: 61, colors: 256))
        let image = try SixelDecoder.decode(bytes)
        #expect(image.raster.width == 97 && image.raster.height == 61)
        #expect(image.unpainted == 0 && image.registers <= 256)
        // Two colours: exact, and the runs come out as `!N`.
        let halves = S.raster(width: 64, height: 7) { x, _ in x < 32 ? S.gray(0) : S.gray(255) }
        let two = Self.encodeSixel(halves)
        #expect(String(decoding: two, as: UTF8.self).contains("!32~"))
        #expect(try SixelDecoder.decode(two).raster == halves)
    }

    @Test func itermCarriesTheRasterExactly() throws {
        let plane = Self.composite(width: 160, height: 96)
        let image = GraphicsEncoder.encode(plane, as: .iterm, cols: 20, rows: 6)
        #expect(image.proto == .iterm && image.cols == 20 && image.rows == 6)
        let decoded = try ITermDecoder.decode(image.bytes)
        #expect(decoded.args["inline"] == "1" && decoded.args["width"] == "20" && decoded.args["height"] == "6")
        #expect(decoded.args["preserveAspectRatio"] == "0")
        #expect(decoded.args["size"] == String(decoded.png.count))
        #expect(decoded.raster == plane)
    }

    @Test func pngWriterGreyRoundTrips() throws {
        var rng = S.Random(state: 7)
        let gray = (0..<(33 * 17)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let png = PNGWriter.encode(width: 33, height: 17, gray: gray)
        let decoded = try PNGDecoder.decode(Array(png))
        #expect(decoded.pixels == gray.flatMap { [$0, $0, $0] })
    }
}
