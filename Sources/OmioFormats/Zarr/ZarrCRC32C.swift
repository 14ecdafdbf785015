/// CRC-32C (Castagnoli), as the v3 `crc32c` codec appends it: 4 bytes, little-endian, after
/// the data it covers.
enum ZarrCRC32C {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for b in bytes { crc = t[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        }
        return ~crc
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }

    /// The data without its checksum; a mismatch is an error.
    static func verifiedPayload(_ data: [UInt8]) throws -> [UInt8] {
        guard data.count >= 4 else { throw FormatError("too short for its crc32c checksum (\(data.count) bytes)") }
        let n = data.count - 4
        let stored = UInt32(data[n]) | UInt32(data[n + 1]) << 8 | UInt32(data[n + 2]) << 16 | UInt32(data[n + 3]) << 24
        let actual = data.withUnsafeBytes { checksum(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        guard stored == actual else {
            throw FormatError("crc32c checksum mismatch (stored \(hex(stored)), computed \(hex(actual)))")
        }
        return Array(data[0..<n])
    }

    private static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - s.count) + s
    }
}
