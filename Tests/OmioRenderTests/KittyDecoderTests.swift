import CZlib
import Foundation
import Testing
@testable import OmioRender
@testable import OmioRenderQuality

/// The kitty decoder on bytes made by hand from the protocol text, so that it can be trusted
/// on the encoder's output: chunked base64 (m=1 ... m=0), o=z, f=24 and f=32, other commands
/// between images ignored.
struct KittyDecoderTests {
    typealias S = RenderTestSupport

    static func command(_ keys: String, _ payload: [UInt8]) -> [UInt8] {
        Array("\u{1B}_G\(keys);".utf8) + payload + [0x1B, 0x5C]
    }

    static func deflate(_ data: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        _ = out.withUnsafeMutableBufferPointer { o in data.withUnsafeBufferPointer { i in compress2(o.baseAddress, &size, i.baseAddress, uLong(data.count), 6) } }
        return Array(out[0..<Int(size)])
    }

    @Test func chunkedCompressedRGBAndRGBA() throws {
        var rng = S.Random(state: 99)
        let a = S.raster(width: 71, height: 53) { _, _ in rng.color() } // noise: many 4096-byte chunks
        // Image 1: f=24, o=z, the base64 of the whole stream cut into 4096-character chunks.
        let b64 = Array(Data(Self.deflate(a.pixels)).base64EncodedData())
        var bytes: [UInt8] = []
        let pieces = stride(from: 0, to: b64.count, by: 4096).map { Array(b64[$0..<min($0 + 4096, b64.count)]) }
        #expect(pieces.count > 2)
        for (n, piece) in pieces.enumerated() {
            let more = n < pieces.count - 1 ? 1 : 0
            bytes += Self.command(n == 0 ? "a=T,f=24,s=71,v=53,o=z,i=7,q=2,m=\(more)" : "m=\(more)", piece)
        }
        // A delete between the images, as an encoder replacing an image may send.
        bytes += Self.command("a=d,d=i,i=7", [])
        // Image 2: f=32, uncompressed, each chunk base64-encoded on its own (padding inside, as chafa does).
        let b = S.raster(width: 5, height: 3) { x, y in RGB8(r: UInt8(x * 50), g: UInt8(y * 80), b: 9) }
        var rgba: [UInt8] = []
        for p in 0..<15 { rgba += b.pixels[(3 * p)..<(3 * p + 3)] + [255] }
        bytes += Self.command("a=T,f=32,s=5,v=3,m=1", Array(Data(rgba[0..<7]).base64EncodedData()))
        bytes += Self.command("m=0", Array(Data(rgba[7...]).base64EncodedData()))

        let images = try KittyDecoder.images(bytes)
        #expect(images.count == 2)
        #expect(images.first?.raster == a && images.first?.chunks == pieces.count && images.first?.keys["i"] == "7")
        #expect(images.last?.raster == b && images.last?.chunks == 2)
    }

    @Test func unfinishedOrMalformedTransmissionsAreErrors() {
        let px = Array(Data([1, 2, 3]).base64EncodedData())
        #expect(throws: DecodeError.self) { try KittyDecoder.images(Self.command("a=T,f=24,s=1,v=1,m=1", px)) }
        #expect(throws: DecodeError.self) { try KittyDecoder.images(Self.command("a=T,f=24,s=2,v=1", px)) }
        var noST = Self.command("a=T,f=24,s=1,v=1", px)
        noST.removeLast(2)
        #expect(throws: DecodeError.self) { try KittyDecoder.images(noST) }
        #expect((try? KittyDecoder.images(Self.command("a=T,f=24,s=1,v=1", px)))?.first?.raster.pixels == [1, 2, 3])
    }
}

/// The kitty encoder's bytes through the decoder: the raster comes back exactly, in chunks of
/// at most 4096 base64 bytes, under the image id it was given.
struct KittyEncoderRoundTripTests {
    typealias S = RenderTestSupport

    @Test func smoothAndNoisyRastersComeBackExactly() throws {
        var rng = S.Random(state: 3)
        let noisy = S.raster(width: 123, height: 77) { _, _ in rng.color() }
        let smooth = GraphicsEncoderTests.composite(width: 320, height: 200)
        for raster in [noisy, smooth] {
            let image = GraphicsEncoder.encode(raster, as: .kitty, cols: 40, rows: 12, options: GraphicsOptions(imageID: 5))
            let decoded = try KittyDecoder.images(image.bytes)
            #expect(decoded.count == 1)
            #expect(decoded.first?.raster == raster)
            #expect(decoded.first?.keys["i"] == "5" && decoded.first?.keys["c"] == "40" && decoded.first?.keys["r"] == "12")
            for (_, payload) in try KittyDecoder.commands(image.bytes) { #expect(payload.count <= 4096) }
        }
    }
}
