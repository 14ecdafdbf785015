/// Byte-level work on decoded samples: byte order and dimension order.
enum ZarrSamples {
    static func swapBytes(_ data: inout [UInt8], width: Int) {
        data.withUnsafeMutableBytes { raw in
            switch width {
            case 2:
                let p = raw.bindMemory(to: UInt16.self)
                for i in p.indices { p[i] = p[i].byteSwapped }
            case 4:
                let p = raw.bindMemory(to: UInt32.self)
                for i in p.indices { p[i] = p[i].byteSwapped }
            case 8:
                let p = raw.bindMemory(to: UInt64.self)
                for i in p.indices { p[i] = p[i].byteSwapped }
            default:
                break
            }
        }
    }

    /// The C-order array whose transpose by `order` is `data` (of `encodedShape`): decoded
    /// dimension order[i] is encoded dimension i.
    static func untranspose(_ data: [UInt8], encodedShape: [Int], order: [Int], width: Int) -> [UInt8] {
        let n = order.count
        var decodedShape = [Int](repeating: 0, count: n)
        for i in 0..<n { decodedShape[order[i]] = encodedShape[i] }
        var encodedStrides = [Int](repeating: width, count: n)
        for i in stride(from: n - 2, through: 0, by: -1) { encodedStrides[i] = encodedStrides[i + 1] * encodedShape[i + 1] }
        // Walking the decoded array in C order, dimension d steps the encoded one by this much.
        var strideOf = [Int](repeating: 0, count: n)
        for i in 0..<n { strideOf[order[i]] = encodedStrides[i] }
        var out = [UInt8](repeating: 0, count: data.count)
        guard !data.isEmpty else { return out }
        data.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                var index = [Int](repeating: 0, count: n)
                var srcOffset = 0, dstOffset = 0
                let inner = decodedShape[n - 1], innerStride = strideOf[n - 1]
                while true {
                    var s = srcOffset
                    for _ in 0..<inner {
                        (dst.baseAddress! + dstOffset).copyMemory(from: src.baseAddress! + s, byteCount: width)
                        dstOffset += width
                        s += innerStride
                    }
                    // Odometer over the outer dimensions.
                    var d = n - 2
                    while d >= 0 {
                        index[d] += 1
                        srcOffset += strideOf[d]
                        if index[d] < decodedShape[d] { break }
                        srcOffset -= strideOf[d] * decodedShape[d]
                        index[d] = 0
                        d -= 1
                    }
                    if d < 0 { return }
                }
            }
        }
        return out
    }
}
