import CZlib
import Foundation
import OmioRender

/// Small decoders for what terminal-graphics encoders send (ours and chafa's), written from the
/// protocol texts (DEC STD 070 sixel, the PNG specification, the kitty graphics protocol) and
/// independent of the encoders: the unit tests decode our bytes and compare with the raster,
/// and the bench decodes both tools' output to measure quality.
public struct DecodeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

public enum SixelDecoder {
    public struct Image {
        public var raster: RGBRaster
        /// Pixels no sixel painted (P2=1 leaves them as they were).
        public var unpainted: Int
        /// Colour registers defined.
        public var registers: Int
        /// P1;P2 of the introducer.
        public var params: [Int]
    }

    /// One `ESC P ... q ... ESC \` image, sized by its raster attributes.
    public static func decode(_ bytes: [UInt8]) throws -> Image {
        guard bytes.count >= 4, bytes[0] == 0x1B, bytes[1] == 0x50 else { throw DecodeError("no DCS introducer") }
        guard bytes.suffix(2) == [0x1B, 0x5C] else { throw DecodeError("no ST at the end") }
        var i = 2
        func numbers() -> [Int] {
            var out: [Int] = [], cur: Int? = nil
            while i < bytes.count {
                let b = bytes[i]
                if b >= 0x30 && b <= 0x39 { cur = (cur ?? 0) * 10 + Int(b - 0x30) } else if b == 0x3B { out.append(cur ?? 0); cur = nil } else { break }
                i += 1
            }
            if let cur { out.append(cur) }
            return out
        }
        let params = numbers()
        guard i < bytes.count, bytes[i] == 0x71 else { throw DecodeError("no 'q' after the DCS parameters") }
        i += 1
        guard bytes[i] == 0x22 else { throw DecodeError("no raster attributes") }
        i += 1
        let ra = numbers()
        guard ra.count == 4, ra[0] == 1, ra[1] == 1, ra[2] > 0, ra[3] > 0 else { throw DecodeError("raster attributes \(ra)") }
        let w = ra[2], h = ra[3]
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        var painted = [Bool](repeating: false, count: w * h)
        var palette: [Int: (UInt8, UInt8, UInt8)] = [:]
        var color = 0, x = 0, band = 0
        func paint(_ ch: UInt8, _ count: Int) throws {
            guard ch >= 63 && ch <= 126 else { throw DecodeError("byte \(ch) is no sixel") }
            guard let c = palette[color] else { throw DecodeError("colour \(color) used before it is defined") }
            let bits = Int(ch - 63)
            for _ in 0..<count {
                for r in 0..<6 where bits & (1 << r) != 0 {
                    let y = band * 6 + r
                    guard x < w, y < h else { throw DecodeError("sixel at \(x),\(y) outside \(w)x\(h)") }
                    let p = y * w + x
                    pixels[3 * p] = c.0; pixels[3 * p + 1] = c.1; pixels[3 * p + 2] = c.2
                    painted[p] = true
                }
                x += 1
            }
        }
        while i < bytes.count - 2 {
            let b = bytes[i]
            i += 1
            switch b {
            case 0x23: // #
                let n = numbers()
                guard let reg = n.first else { throw DecodeError("# without a register") }
                if n.count == 5 {
                    guard n[1] == 2, n[2...].allSatisfy({ $0 <= 100 }) else { throw DecodeError("colour \(n) is not RGB percent") }
                    palette[reg] = (UInt8((n[2] * 255 + 50) / 100), UInt8((n[3] * 255 + 50) / 100), UInt8((n[4] * 255 + 50) / 100))
                } else if n.count != 1 {
                    throw DecodeError("colour introducer \(n)")
                }
                color = reg
            case 0x21: // !
                let n = numbers()
                guard n.count == 1, i < bytes.count - 2 else { throw DecodeError("bad repeat") }
                try paint(bytes[i], n[0])
                i += 1
            case 0x24: x = 0 // $
            case 0x2D: x = 0; band += 1 // -
            default: try paint(b, 1)
            }
        }
        return Image(raster: RGBRaster(width: w, height: h, pixels: pixels), unpainted: painted.filter { !$0 }.count,
                     registers: palette.count, params: params)
    }
}

public enum PNGDecoder {
    /// 8-bit RGB or grey PNG -> RGB raster; checks signature, CRCs, inflates the IDATs and
    /// undoes all five row filters.
    public static func decode(_ data: [UInt8]) throws -> RGBRaster {
        guard data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw DecodeError("no PNG signature") }
        func be32(_ p: Int) -> Int { Int(data[p]) << 24 | Int(data[p + 1]) << 16 | Int(data[p + 2]) << 8 | Int(data[p + 3]) }
        var p = 8, w = 0, h = 0, channels = 0, idat: [UInt8] = [], ended = false
        while p + 12 <= data.count {
            let len = be32(p), type = String(decoding: data[(p + 4)..<(p + 8)], as: UTF8.self)
            guard p + 12 + len <= data.count else { throw DecodeError("chunk \(type) past the end") }
            let body = Array(data[(p + 8)..<(p + 8 + len)])
            let crc = Array(data[(p + 4)..<(p + 8 + len)]).withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            guard crc == uLong(be32(p + 8 + len)) else { throw DecodeError("bad CRC in \(type)") }
            switch type {
            case "IHDR":
                w = be32(p + 8); h = be32(p + 12)
                guard body[8] == 8, body[10] == 0, body[11] == 0, body[12] == 0 else { throw DecodeError("IHDR \(body)") }
                channels = body[9] == 2 ? 3 : (body[9] == 0 ? 1 : 0)
                guard channels > 0 else { throw DecodeError("colour type \(body[9])") }
            case "IDAT": idat += body
            case "IEND": ended = true
            default: break
            }
            p += 12 + len
        }
        guard ended, w > 0, h > 0 else { throw DecodeError("no IHDR/IEND") }
        let stride = w * channels
        let raw = try Inflate.zlib(idat, size: (stride + 1) * h)
        var out = [UInt8](repeating: 0, count: stride * h)
        for y in 0..<h {
            let filter = raw[y * (stride + 1)]
            for i in 0..<stride {
                let x = Int(raw[y * (stride + 1) + 1 + i])
                let a = i >= channels ? Int(out[y * stride + i - channels]) : 0
                let b = y > 0 ? Int(out[(y - 1) * stride + i]) : 0
                let c = i >= channels && y > 0 ? Int(out[(y - 1) * stride + i - channels]) : 0
                let pred: Int
                switch filter {
                case 0: pred = 0
                case 1: pred = a
                case 2: pred = b
                case 3: pred = (a + b) / 2
                case 4:
                    let pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c)
                    pred = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw DecodeError("filter \(filter)")
                }
                out[y * stride + i] = UInt8((x + pred) & 0xFF)
            }
        }
        let rgb = channels == 3 ? out : out.flatMap { [$0, $0, $0] }
        return RGBRaster(width: w, height: h, pixels: rgb)
    }
}

public enum ITermDecoder {
    public struct Image {
        public var args: [String: String]
        /// The file carried: PNG (ours) or TIFF (chafa's).
        public var png: [UInt8]
        public var raster: RGBRaster
    }

    /// `ESC ] 1337 ; File=k=v;... : base64 BEL`.
    public static func decode(_ output: [UInt8]) throws -> Image {
        var bytes = output
        while bytes.last == 0x0A { bytes.removeLast() } // chafa ends its output with a newline
        let prefix = Array("\u{1B}]1337;File=".utf8)
        guard bytes.starts(with: prefix), bytes.last == 0x07 else { throw DecodeError("not OSC 1337 File= ... BEL") }
        guard let colon = bytes.firstIndex(of: 0x3A) else { throw DecodeError("no ':'") }
        var args: [String: String] = [:]
        for kv in String(decoding: bytes[prefix.count..<colon], as: UTF8.self).split(separator: ";") {
            let parts = kv.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw DecodeError("argument \(kv)") }
            args[String(parts[0])] = String(parts[1])
        }
        guard let file = Data(base64Encoded: Data(bytes[(colon + 1)..<(bytes.count - 1)])) else { throw DecodeError("bad base64") }
        let data = Array(file)
        // chafa sends an uncompressed TIFF; we send PNG.
        let isTIFF = data.starts(with: [0x49, 0x49, 0x2A, 0x00]) || data.starts(with: [0x4D, 0x4D, 0x00, 0x2A])
        return Image(args: args, png: data, raster: try isTIFF ? TIFFDecoder.decode(data) : PNGDecoder.decode(data))
    }
}

/// Baseline uncompressed 8-bit chunky TIFF (RGB, RGBA or grey), as chafa's iTerm2 output carries.
public enum TIFFDecoder {
    public static func decode(_ d: [UInt8]) throws -> RGBRaster {
        let little = d[0] == 0x49
        func u16(_ p: Int) throws -> Int {
            guard p + 2 <= d.count else { throw DecodeError("TIFF: read past the end") }
            return little ? Int(d[p]) | Int(d[p + 1]) << 8 : Int(d[p]) << 8 | Int(d[p + 1])
        }
        func u32(_ p: Int) throws -> Int {
            guard p + 4 <= d.count else { throw DecodeError("TIFF: read past the end") }
            return little ? Int(d[p]) | Int(d[p + 1]) << 8 | Int(d[p + 2]) << 16 | Int(d[p + 3]) << 24
                : Int(d[p]) << 24 | Int(d[p + 1]) << 16 | Int(d[p + 2]) << 8 | Int(d[p + 3])
        }
        let ifd = try u32(4)
        var tags: [Int: [Int]] = [:]
        for e in 0..<(try u16(ifd)) {
            let p = ifd + 2 + 12 * e
            let tag = try u16(p), type = try u16(p + 2), count = try u32(p + 4)
            let size = type == 3 ? 2 : (type == 4 ? 4 : 1)
            let at = count * size <= 4 ? p + 8 : try u32(p + 8)
            tags[tag] = try (0..<count).map { i in type == 3 ? try u16(at + 2 * i) : (type == 4 ? try u32(at + 4 * i) : Int(d[at + i])) }
        }
        guard let w = tags[256]?.first, let h = tags[257]?.first, let offsets = tags[273], let counts = tags[279] else { throw DecodeError("TIFF: missing tags") }
        let spp = tags[277]?.first ?? 1
        guard (tags[259]?.first ?? 1) == 1, (tags[258] ?? [8]).allSatisfy({ $0 == 8 }), (tags[284]?.first ?? 1) == 1 else { throw DecodeError("TIFF: not 8-bit uncompressed chunky") }
        var raw: [UInt8] = []
        for (o, c) in zip(offsets, counts) {
            guard o + c <= d.count else { throw DecodeError("TIFF: strip past the end") }
            raw += d[o..<(o + c)]
        }
        guard raw.count >= w * h * spp else { throw DecodeError("TIFF: \(raw.count) bytes for \(w)x\(h)x\(spp)") }
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for p in 0..<(w * h) {
            for k in 0..<3 { rgb[3 * p + k] = raw[spp * p + (spp >= 3 ? k : 0)] }
        }
        return RGBRaster(width: w, height: h, pixels: rgb)
    }
}

public enum KittyDecoder {
    public struct Image {
        /// Keys of the first command of the transmission (a, f, s, v, o, i, c, r, ...).
        public var keys: [String: String]
        public var raster: RGBRaster
        /// The number of APC commands it came in.
        public var chunks: Int
    }

    /// Every `ESC _ G keys ; payload ESC \` command, in order.
    public static func commands(_ bytes: [UInt8]) throws -> [(keys: [String: String], payload: [UInt8])] {
        var out: [(keys: [String: String], payload: [UInt8])] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A { i += 1; continue } // chafa ends its output with a newline
            guard bytes[i] == 0x1B, i + 2 < bytes.count, bytes[i + 1] == 0x5F, bytes[i + 2] == 0x47 else {
                throw DecodeError("byte \(i) is not the start of an APC G command")
            }
            var j = i + 3
            while j + 1 < bytes.count, !(bytes[j] == 0x1B && bytes[j + 1] == 0x5C) { j += 1 }
            guard j + 1 < bytes.count else { throw DecodeError("APC without ST") }
            let body = bytes[(i + 3)..<j]
            let semi = body.firstIndex(of: 0x3B) ?? j
            var keys: [String: String] = [:]
            for kv in String(decoding: body[body.startIndex..<semi], as: UTF8.self).split(separator: ",") {
                let parts = kv.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw DecodeError("key \(kv)") }
                keys[String(parts[0])] = String(parts[1])
            }
            out.append((keys, semi < j ? Array(body[(semi + 1)..<j]) : []))
            i = j + 2
        }
        return out
    }

    /// The images transmitted (a=T or a=t): each chunk's base64 decoded on its own (chafa pads
    /// inside the stream), joined until m=0, inflated when o=z, then f=24 (RGB), f=32 (RGBA,
    /// drawn over black) or f=100 (PNG).
    public static func images(_ bytes: [UInt8]) throws -> [Image] {
        var out: [Image] = []
        var first: [String: String]? = nil, data: [UInt8] = [], chunks = 0
        for (keys, payload) in try commands(bytes) {
            if first == nil {
                guard let a = keys["a"], a == "T" || a == "t" else { continue } // deletes, placements
                first = keys
            }
            chunks += 1
            if !payload.isEmpty {
                guard let d = Data(base64Encoded: Data(payload)) else { throw DecodeError("chunk \(chunks): bad base64") }
                data += d
            }
            if keys["m"] == "1" { continue }
            let k = first!
            first = nil
            guard let w = Int(k["s"] ?? ""), let h = Int(k["v"] ?? "") else {
                if k["f"] == "100" {
                    out.append(Image(keys: k, raster: try PNGDecoder.decode(try inflated(k, data)), chunks: chunks))
                    data = []; chunks = 0
                    continue
                }
                throw DecodeError("no s/v size")
            }
            let f = k["f"] ?? "32"
            let bpp = f == "24" ? 3 : (f == "32" ? 4 : 0)
            let raw = try inflated(k, data, size: bpp > 0 ? w * h * bpp : nil)
            let raster: RGBRaster
            switch f {
            case "24":
                guard raw.count == w * h * 3 else { throw DecodeError("f=24: \(raw.count) bytes for \(w)x\(h)") }
                raster = RGBRaster(width: w, height: h, pixels: raw)
            case "32":
                guard raw.count == w * h * 4 else { throw DecodeError("f=32: \(raw.count) bytes for \(w)x\(h)") }
                var rgb = [UInt8](); rgb.reserveCapacity(w * h * 3)
                for p in 0..<(w * h) { // over a black background (chafa makes dark pixels translucent)
                    let a = Int(raw[4 * p + 3])
                    for k in 0..<3 { rgb.append(UInt8((Int(raw[4 * p + k]) * a + 127) / 255)) }
                }
                raster = RGBRaster(width: w, height: h, pixels: rgb)
            case "100": raster = try PNGDecoder.decode(raw)
            default: throw DecodeError("f=\(f)")
            }
            out.append(Image(keys: k, raster: raster, chunks: chunks))
            data = []; chunks = 0
        }
        guard first == nil else { throw DecodeError("transmission not finished (last chunk m=1)") }
        return out
    }

    private static func inflated(_ keys: [String: String], _ data: [UInt8], size: Int? = nil) throws -> [UInt8] {
        guard keys["o"] == "z" else { return data }
        return try Inflate.zlib(data, size: size)
    }
}

public enum Inflate {
    /// zlib-framed data -> bytes; `size` when known exactly, else grown until it fits.
    public static func zlib(_ data: [UInt8], size: Int?) throws -> [UInt8] {
        var cap = size ?? max(1024, data.count * 8)
        while true {
            var out = [UInt8](repeating: 0, count: cap)
            var len = uLongf(cap)
            let rc = out.withUnsafeMutableBufferPointer { o in data.withUnsafeBufferPointer { i in uncompress(o.baseAddress, &len, i.baseAddress, uLong(data.count)) } }
            if rc == Z_BUF_ERROR, size == nil { cap *= 4; continue }
            guard rc == Z_OK else { throw DecodeError("inflate failed (\(rc))") }
            if let size, Int(len) != size { throw DecodeError("inflated \(len) bytes, expected \(size)") }
            return Array(out[0..<Int(len)])
        }
    }
}
