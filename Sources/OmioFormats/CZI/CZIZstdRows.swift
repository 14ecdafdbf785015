import CZstd
import Foundation

/// Some rows of a big zstd subblock, decoded through a bounded window. zstd cannot start
/// mid-frame, so a read decodes from the start of the frame, a window at a time, keeping only
/// the rows a region needs: a few KB of file claiming a 20000 x 20000 subblock no longer makes
/// a view of it allocate the whole decoded subblock. The decoder stays where it stopped (see
/// `CZIZstdStreams`), so the bands of a plane read in order cost one pass over the subblock.
extension CZIZstd {
    /// Subblocks that decode to more than this are streamed.
    static let streamAbove = 64 << 20
    static let window = 1 << 20

    /// The tile rows `rows` (ascending) of the subblock whose data lie at `location`, of
    /// `height` rows of `rowBytes`, row k of the result being `rows[k]`. Hi-lo packing (zstd1)
    /// stores every low byte, then every high byte: one cursor walks the low half and another
    /// the high half, each byte put back in its place as it streams past.
    static func decodeRows(file: FileReader, location: (offset: UInt64, size: Int), zstd1: Bool, rowBytes: Int, height: Int,
                           rows: [Int], streams: CZIZstdStreams) throws -> [UInt8] {
        guard let firstRow = rows.first, let lastRow = rows.last else { return [] }
        let (start, hiLo) = try header(file.read(at: location.offset, count: min(location.size, 3)), zstd1: zstd1)
        let expected = rowBytes * height
        guard !hiLo || rowBytes % 2 == 0 else { throw FormatError("zstd1 hi-lo packed subblock has an odd row size") }
        var slot = [Int](repeating: -1, count: height)
        for (k, r) in rows.enumerated() { slot[r] = k }
        var result = [UInt8](repeating: 0, count: rows.count * rowBytes)
        let frame = CZIZstdFrame(offset: location.offset + UInt64(start), size: location.size - start, expected: expected)
        let half = expected / 2
        // The stream bytes each cursor must pass: the rows' bytes, or their low and high bytes.
        let lanes: [Range<Int>]
        if hiLo {
            let low = firstRow * (rowBytes / 2)..<(lastRow + 1) * (rowBytes / 2)
            lanes = [low, (low.lowerBound + half)..<(low.upperBound + half)]
        } else {
            lanes = [firstRow * rowBytes..<(lastRow + 1) * rowBytes]
        }
        let band = UnsafeMutableRawBufferPointer.allocate(byteCount: window, alignment: 16)
        defer { band.deallocate() }
        try result.withUnsafeMutableBytes { dst in
            for (lane, range) in lanes.enumerated() {
                try streams.withCursor(file: file, frame: frame, lane: lane, from: range.lowerBound) { cursor in
                    try cursor.advance(to: range.upperBound, through: band) { bytes, at in
                        // A new high-half cursor first streams past the low half: skip it.
                        let from = max(at, range.lowerBound)
                        let to = min(at + bytes.count, range.upperBound)
                        guard from < to else { return }
                        place(UnsafeRawBufferPointer(rebasing: bytes[(from - at)..<(to - at)]), at: from, into: dst, slot: slot,
                              rowBytes: rowBytes, hiLo: hiLo ? half : nil)
                    }
                }
            }
        }
        return result
    }
    /// Copies decoded stream bytes [at, at + bytes.count) that belong to kept rows.
    private static func place(_ bytes: UnsafeRawBufferPointer, at: Int, into dst: UnsafeMutableRawBufferPointer, slot: [Int],
                              rowBytes: Int, hiLo half: Int?) {
        guard !bytes.isEmpty else { return }
        guard let half else {
            var p = at
            while p < at + bytes.count {
                let r = p / rowBytes
                let end = min((r + 1) * rowBytes, at + bytes.count)
                if slot[r] >= 0 {
                    (dst.baseAddress! + slot[r] * rowBytes + (p - r * rowBytes)).copyMemory(from: bytes.baseAddress! + (p - at), byteCount: end - p)
                }
                p = end
            }
            return
        }
        // Stream byte k < half is the low byte of sample k; k >= half the high byte of k - half.
        let samplesPerRow = rowBytes / 2
        for i in 0..<bytes.count {
            let k = at + i
            let (sample, high) = k < half ? (k, 0) : (k - half, 1)
            let r = sample / samplesPerRow
            guard slot[r] >= 0 else { continue }
            dst[slot[r] * rowBytes + (sample - r * samplesPerRow) * 2 + high] = bytes[i]
        }
    }
}
