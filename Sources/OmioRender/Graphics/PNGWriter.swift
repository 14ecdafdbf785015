import CZlib
import Foundation

/// A minimal PNG encoder (8-bit RGB or grey, filter type 0 on every row, zlib): what iTerm2
/// inline images carry, and what the devtool writes to look at renders and to hand chafa a
/// plane. One writer for both.
public enum PNGWriter {
    /// zlib level 1: on a 800x600 preview it is several times faster than level 6 for a few
    /// per cent more bytes (`make bench` reports iTerm2's bytes per frame).
    public static let fastLevel: Int32 = 1

    public static func encode(width: Int, height: Int, rgb: [UInt8], level: Int32 = 6) -> Data {
        encode(width: width, height: height, pixels: rgb, channels: 3, level: level)
    }

    public static func encode(width: Int, height: Int, gray: [UInt8], level: Int32 = 6) -> Data {
        encode(width: width, height: height, pixels: gray, channels: 1, level: level)
    }

    private static func encode(width: Int, height: Int, pixels: [UInt8], channels: Int, level: Int32) -> Data {
        let rowBytes = width * channels
        // Each row behind its filter-type byte (0: none), copied row by row.
        var raw = [UInt8](repeating: 0, count: (rowBytes + 1) * height)
        raw.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                for y in 0..<height {
                    (dst.baseAddress! + y * (rowBytes + 1) + 1).update(from: src.baseAddress! + y * rowBytes, count: rowBytes)
                }
            }
        }
        var size = compressBound(uLong(raw.count))
        var z = [UInt8](repeating: 0, count: Int(size))
        _ = z.withUnsafeMutableBufferPointer { o in raw.withUnsafeBufferPointer { i in compress2(o.baseAddress, &size, i.baseAddress, uLong(raw.count), level) } }
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        png.reserveCapacity(Int(size) + 64)
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ body: ArraySlice<UInt8>) {
            let t = Array(type.utf8)
            png.append(contentsOf: be32(UInt32(body.count)) + t)
            png.append(contentsOf: body)
            var crc = t.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            crc = body.withUnsafeBufferPointer { crc32(crc, $0.baseAddress, uInt($0.count)) }
            png.append(contentsOf: be32(UInt32(crc)))
        }
        chunk("IHDR", ArraySlice(be32(UInt32(width)) + be32(UInt32(height)) + [8, channels == 1 ? 0 : 2, 0, 0, 0]))
        chunk("IDAT", z[0..<Int(size)])
        chunk("IEND", [])
        return png
    }
}
