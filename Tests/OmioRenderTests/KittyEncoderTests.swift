import CZlib
import Foundation
import Testing
@testable import OmioRender

/// The kitty encoder's bytes decoded the way kitty reads them: APC `_G` commands, keys only on
/// the first chunk, base64 payloads of at most 4096 bytes joined, zlib inflated when `o=z`,
/// then compared with the raster pixel for pixel.
struct KittyEncoderTests {
    /// One decoded transmission: the first chunk's keys and the raw pixel bytes.
    struct Decoded {
        var keys: [String: String]
        var pixels: [UInt8]
        var chunks: Int
    }

    static func decode(_ bytes: [UInt8]) throws -> Decoded {
        var keys: [String: String] = [:]
        var payload: [UInt8] = []
        var chunks = 0
        var i = 0
        var more = true
        while i < bytes.count {
            try #require(more, "data after the chunk with m=0")
            try #require(Array(bytes[i..<min(bytes.count, i + 3)]) == [0x1B, 0x5F, 0x47], "a chunk starts with ESC _ G")
            var end = i + 3
            while end + 1 < bytes.count, !(bytes[end] == 0x1B && bytes[end + 1] == 0x5C) { end += 1 }
            try #require(end + 1 < bytes.count, "a chunk ends with ESC \\")
            let body = bytes[(i + 3)..<end]
            let semi = try #require(body.firstIndex(of: 0x3B))
            let control = String(decoding: body[body.startIndex..<semi], as: UTF8.self)
            let data = Array(body[(semi + 1)...])
            #expect(data.count <= 4096)
            var these: [String: String] = [:]
            for pair in control.split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                these[String(kv[0])] = String(kv[1])
            }
            if chunks == 0 {
                keys = these
            } else {
                #expect(Set(these.keys).isSubset(of: ["m", "q"]), "later chunks carry only m (and q)")
            }
            more = these["m"] == "1"
            if more { #expect(data.count % 4 == 0, "only the last chunk may be padded") }
            payload += data
            chunks += 1
            i = end + 2
        }
        try #require(!more, "the last chunk has m=0")
        let raw = try #require(Data(base64Encoded: Data(payload)))
        var pixels = [UInt8](raw)
        if keys["o"] == "z" {
            let expected = Int(keys["s"] ?? "0")! * Int(keys["v"] ?? "0")! * 3
            var out = [UInt8](repeating: 0, count: expected)
            var size = uLongf(expected)
            let rc = out.withUnsafeMutableBufferPointer { o in
                pixels.withUnsafeBufferPointer { src in uncompress(o.baseAddress, &size, src.baseAddress, uLong(src.count)) }
            }
            try #require(rc == Z_OK)
            #expect(Int(size) == expected)
            pixels = out
        }
        return Decoded(keys: keys, pixels: pixels, chunks: chunks)
    }

    /// A bright graded disc on a black background, as a cell under a microscope: compresses well.
    static func gradient(_ w: Int, _ h: Int) -> RGBRaster {
        var r = RGBRaster(width: w, height: h)
        for y in 0..<h {
            for x in 0..<w where (x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) < (h / 3) * (h / 3) {
                r[x, y] = RGB8(r: UInt8(x * 255 / max(1, w - 1)), g: UInt8(y * 255 / max(1, h - 1)), b: 200)
            }
        }
        return r
    }

    /// White noise: zlib cannot shrink it, so it goes uncompressed.
    static func noise(_ w: Int, _ h: Int) -> RGBRaster {
        var g = SystemRandomNumberGenerator()
        return RGBRaster(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    @Test func compressedFrameDecodesToTheRaster() throws {
        let raster = Self.gradient(200, 120)
        let image = GraphicsEncoder.encode(raster, as: .kitty, cols: 25, rows: 8, options: GraphicsOptions(imageID: 7))
        let d = try Self.decode(image.bytes)
        #expect(d.keys["o"] == "z")
        #expect(d.pixels == raster.pixels)
        #expect(d.chunks > 1)
        #expect(d.keys["a"] == "T" && d.keys["f"] == "24" && d.keys["s"] == "200" && d.keys["v"] == "120")
        #expect(d.keys["i"] == "7" && d.keys["p"] == "1" && d.keys["q"] == "2" && d.keys["C"] == "1")
        #expect(d.keys["c"] == "25" && d.keys["r"] == "8")
        #expect(image.cols == 25 && image.rows == 8 && image.pixelWidth == 200 && image.pixelHeight == 120)
        // Compression must pay: far fewer bytes than the raw base64.
        #expect(image.bytes.count < raster.pixels.count / 2)
    }

    @Test func incompressibleFrameGoesRaw() throws {
        let raster = Self.noise(64, 48)
        let d = try Self.decode(GraphicsEncoder.encode(raster, as: .kitty, cols: 8, rows: 3).bytes)
        #expect(d.keys["o"] == nil)
        #expect(d.pixels == raster.pixels)
    }

    @Test(arguments: [(1, 1), (2, 1), (1, 2), (3, 7), (1366, 3)])
    func oddSizesRoundTrip(w: Int, h: Int) throws {
        let raster = Self.noise(w, h)
        let d = try Self.decode(GraphicsEncoder.encode(raster, as: .kitty, cols: 1, rows: 1).bytes)
        #expect(d.pixels == raster.pixels)
    }

    @Test func base64MatchesFoundation() {
        for n in 0..<20 {
            let data = (0..<n).map { UInt8(($0 * 37 + 11) & 255) }
            #expect(String(decoding: Base64.encode(data), as: UTF8.self) == Data(data).base64EncodedString())
        }
    }

    @Test func sameIDReplacesAndDeleteNamesIt() {
        let raster = Self.gradient(16, 16)
        let a = GraphicsEncoder.encode(raster, as: .kitty, cols: 2, rows: 1, options: GraphicsOptions(imageID: 42))
        #expect(String(decoding: a.bytes.prefix(40), as: UTF8.self).contains("i=42,p=1"))
        #expect(String(decoding: GraphicsEncoder.kittyDelete(imageID: 42), as: UTF8.self) == "\u{1B}_Ga=d,d=I,i=42,q=2\u{1B}\\")
    }
}
