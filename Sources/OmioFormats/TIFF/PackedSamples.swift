/// Samples narrower than their dtype, widened on read: 1-bit masks, 4-bit, 12-bit camera data
/// and 24-bit integers (a bit stream with the most significant bit first, each row starting on
/// a byte: TIFF 6.0, BitsPerSample and FillOrder), and half floats.
enum PackedSamples {
    /// One stored row of `layout` (all its interleaved samples) at byte `from` of `src`, widened
    /// into `dst` at byte `at`. Rows decoded by libtiff come in native bit and byte order
    /// (it undoes FillOrder 2 and swaps 16-bit samples); uncompressed rows as the file stores
    /// them, `fileBigEndian` or not.
    static func widen(_ src: UnsafeRawBufferPointer, from: Int, layout L: TIFFPageLayout,
                      into dst: UnsafeMutableRawBufferPointer, at: Int, fileBigEndian: Bool) {
        let count = L.chunkWidth * L.interleave
        let asStored = L.compression == 1
        switch L.widening {
        case .none:
            break
        case .bitStream:
            unpack(src, from: from, bits: L.bitsPerSample, count: count, into: dst, at: at, bytes: L.bytesPerSample,
                   reversedBits: L.reversedBits && asStored, differenceStride: L.predictor == 2 ? L.interleave : 0)
        case .float16:
            precondition(from + 2 * count <= src.count && at + 4 * count <= dst.count)
            for i in 0..<count {
                let raw = src.loadUnaligned(fromByteOffset: from + 2 * i, as: UInt16.self)
                let half = Float16(bitPattern: fileBigEndian && asStored ? raw.byteSwapped : raw)
                dst.storeBytes(of: Float(half), toByteOffset: at + 4 * i, as: Float.self)
            }
        }
    }

    /// Widens `count` samples of `bits` bits starting at byte `from` of `src` into `bytes`-wide
    /// native integers at byte `at` of `dst`. The caller guarantees both ranges fit.
    /// `reversedBits`: the stored bytes are FillOrder 2 (least significant bit first).
    /// `differenceStride`: Predictor 2 with this many samples per pixel (0: none); libtiff
    /// undoes the predictor only for 8, 16, 32 and 64-bit samples, so packed rows are summed here.
    static func unpack(_ src: UnsafeRawBufferPointer, from: Int, bits: Int, count: Int,
                       into dst: UnsafeMutableRawBufferPointer, at: Int, bytes: Int,
                       reversedBits: Bool = false, differenceStride: Int = 0) {
        precondition(bits >= 1 && bits <= 31 && from + (count * bits + 7) / 8 <= src.count && at + count * bytes <= dst.count)
        let mask = UInt64(1) << bits - 1
        var acc: UInt64 = 0, held = 0, p = from
        for i in 0..<count {
            while held < bits {
                acc = acc << 8 | UInt64(reversedBits ? reversed[Int(src[p])] : src[p])
                p += 1
                held += 8
            }
            held -= bits
            var v = (acc >> held) & mask
            acc &= (UInt64(1) << held) - 1
            if differenceStride > 0, i >= differenceStride { v = (v + load(dst, at, i - differenceStride, bytes)) & mask }
            switch bytes {
            case 1: dst[at + i] = UInt8(v)
            case 2: dst.storeBytes(of: UInt16(v), toByteOffset: at + 2 * i, as: UInt16.self)
            default: dst.storeBytes(of: UInt32(v), toByteOffset: at + 4 * i, as: UInt32.self)
            }
        }
    }

    @inline(__always)
    private static func load(_ dst: UnsafeMutableRawBufferPointer, _ at: Int, _ i: Int, _ bytes: Int) -> UInt64 {
        switch bytes {
        case 1: return UInt64(dst[at + i])
        case 2: return UInt64(dst.loadUnaligned(fromByteOffset: at + 2 * i, as: UInt16.self))
        default: return UInt64(dst.loadUnaligned(fromByteOffset: at + 4 * i, as: UInt32.self))
        }
    }

    /// Each byte with its bits in the opposite order.
    static let reversed: [UInt8] = (0..<256).map { b in
        (0..<8).reduce(UInt8(0)) { r, bit in r | UInt8((b >> bit) & 1) << (7 - bit) }
    }

    static func reverseBits(_ buffer: UnsafeMutableRawBufferPointer) {
        for i in buffer.indices { buffer[i] = reversed[Int(buffer[i])] }
    }
}
