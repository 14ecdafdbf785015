import CZlib
import Foundation

/// kitty graphics protocol: the raster as raw 24-bit RGB (`f=24`), zlib-compressed (`o=z`)
/// when that is smaller, base64 in chunks of at most 4096 bytes (`m=1` ... `m=0`).
///
/// The first chunk carries `a=T,i=<id>,p=1`: transmit and place with fixed image and placement
/// ids, so the next frame under the same id replaces this one in place (no delete, no flicker);
/// `q=2` keeps the terminal from answering into our input; `C=1` leaves the cursor where it
/// was; `c`/`r` make the terminal scale the image to exactly the preview's cells.
enum KittyEncoder {
    /// The protocol's limit for one chunk's payload.
    static let chunkBytes = 4096

    static func encode(_ raster: RGBRaster, cols: Int, rows: Int, options: GraphicsOptions) -> [UInt8] {
        let compressed = deflate(raster.pixels)
        let payload = compressed ?? raster.pixels
        var keys = "a=T,f=24,s=\(raster.width),v=\(raster.height),i=\(options.imageID),p=1,q=2,C=1"
        if cols > 0 && rows > 0 { keys += ",c=\(cols),r=\(rows)" }
        if compressed != nil { keys += ",o=z" }
        let b64 = Base64.encode(payload)
        var out: [UInt8] = []
        out.reserveCapacity(b64.count + (b64.count / chunkBytes + 1) * 16 + keys.utf8.count)
        var start = 0
        repeat {
            let end = min(b64.count, start + chunkBytes)
            let more = end < b64.count
            out += [0x1B, 0x5F, 0x47]  // ESC _ G
            if start == 0 { out += Array(keys.utf8); out.append(0x2C) }
            out += Array((more ? "m=1;" : "m=0;").utf8)
            out += b64[start..<end]
            out += [0x1B, 0x5C]  // ESC \
            start = end
        } while start < b64.count
        return out
    }

    /// zlib (RFC 1950) at the fastest level: microscopy planes with dark background shrink
    /// 3-10x, noise barely; nil when the result is not smaller than the input.
    static func deflate(_ data: [UInt8]) -> [UInt8]? {
        guard !data.isEmpty else { return nil }
        var size = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let rc = out.withUnsafeMutableBufferPointer { o in
            data.withUnsafeBufferPointer { i in compress2(o.baseAddress, &size, i.baseAddress, uLong(data.count), Z_BEST_SPEED) }
        }
        guard rc == Z_OK, Int(size) < data.count else { return nil }
        out.removeSubrange(Int(size)...)
        return out
    }
}

extension GraphicsEncoder {
    /// kitty: removes the image `imageID` from the screen and frees its data (`d=I`): an
    /// overlay covers the preview, the preview goes away, or the program ends.
    public static func kittyDelete(imageID: UInt32) -> [UInt8] {
        Array("\u{1B}_Ga=d,d=I,i=\(imageID),q=2\u{1B}\\".utf8)
    }

    /// kitty: every image placement on the screen (`d=A`); what the crash handler writes, as
    /// it cannot know which ids were used.
    public static let kittyDeleteAll: [UInt8] = Array("\u{1B}_Ga=d,d=A,q=2\u{1B}\\".utf8)
}

/// Standard base64 with padding, written for speed: a 800x600 frame is ~1.4 MB of payload
/// per step of T or Z.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ data: [UInt8]) -> [UInt8] {
        let n = data.count
        var out = [UInt8](repeating: 0x3D, count: (n + 2) / 3 * 4)
        alphabet.withUnsafeBufferPointer { a in
            data.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    var i = 0, o = 0
                    while i + 3 <= n {
                        let v = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
                        dst[o] = a[Int(v >> 18)]
                        dst[o + 1] = a[Int(v >> 12 & 63)]
                        dst[o + 2] = a[Int(v >> 6 & 63)]
                        dst[o + 3] = a[Int(v & 63)]
                        i += 3
                        o += 4
                    }
                    let rest = n - i
                    if rest > 0 {
                        let v = UInt32(src[i]) << 16 | (rest == 2 ? UInt32(src[i + 1]) << 8 : 0)
                        dst[o] = a[Int(v >> 18)]
                        dst[o + 1] = a[Int(v >> 12 & 63)]
                        if rest == 2 { dst[o + 2] = a[Int(v >> 6 & 63)] }
                    }
                }
            }
        }
        return out
    }
}
