/// Which decode units a region touches and which of their samples it takes, per dimension:
/// a region's indices in one dimension fall into runs, one per unit (chunk), each an
/// arithmetic sequence with the region's step. Sizes are bounded by the region, never by the
/// array (a stepped region over 10^12 samples lists only the chunks it hits).
struct ZarrRegionPlan {
    struct Run: Equatable {
        /// The unit's grid index in this dimension.
        var unit: Int
        /// First output index and first index within the unit, and how many.
        var outStart: Int
        var within: Int
        var count: Int
    }

    let runs: [[Run]]
    let outShape: [Int]
    /// The output's size in bytes.
    let byteCount: Int
    let steps: [Int]

    /// `maxBytes` bounds the output (`width` bytes a sample): the runs are listed only for a
    /// region that may be read, so a region of 10^12 samples costs nothing to refuse.
    init(region: [ZarrRange], shape: [Int], unitShape: [Int], width: Int, maxBytes: Int) throws {
        guard region.count == shape.count else {
            throw FormatError("a region of \(region.count) dimensions was asked of an array of \(shape.count)")
        }
        var total = width
        for (d, r) in region.enumerated() {
            guard r.step >= 1, r.lower >= 0, r.lower <= r.upper, r.upper <= shape[d] else {
                throw FormatError("region \(r) is outside dimension \(d) (size \(shape[d]))")
            }
            let (v, o) = total.multipliedReportingOverflow(by: r.count)
            guard !o, v <= maxBytes else {
                throw FormatError("the region \(region.map(\.description)) is over \(maxBytes >> 30) GiB; read it in parts")
            }
            total = v
        }
        byteCount = total
        var runs = [[Run]]()
        for (d, r) in region.enumerated() {
            var list = [Run]()
            var index = r.lower, out = 0
            let total = r.count, size = unitShape[d]
            while out < total {
                let unit = index / size
                let within = index - unit * size
                // Indices left in this unit at this step, and in the region.
                let n = min((size - within + r.step - 1) / r.step, total - out)
                list.append(Run(unit: unit, outStart: out, within: within, count: n))
                out += n
                index += n * r.step
            }
            runs.append(list)
        }
        self.runs = runs
        outShape = region.map(\.count)
        steps = region.map(\.step)
    }

    var isEmpty: Bool { outShape.contains(0) }

    /// The runs when the region is exactly one whole unit, unstepped.
    func wholeUnit(unitShape: [Int]) -> [Run]? {
        guard runs.allSatisfy({ $0.count == 1 }) else { return nil }
        let only = runs.map { $0[0] }
        for (d, r) in only.enumerated() where r.within != 0 || r.count != unitShape[d] || steps[d] != 1 { return nil }
        return only
    }

    /// Every touched unit, as one run per dimension, in C order of the unit grid.
    func forEachUnit(_ body: ([Run]) throws -> Void) rethrows {
        guard !isEmpty else { return }
        var index = [Int](repeating: 0, count: runs.count)
        while true {
            try body((0..<runs.count).map { runs[$0][index[$0]] })
            var d = runs.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < runs[d].count { break }
                index[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// Copies the samples a unit contributes from `unit` (C order, `unitShape`) to `out`
    /// (C order, `outShape`), `width` bytes a sample.
    func copy(_ unitRuns: [Run], from unit: UnsafeRawPointer, unitShape: [Int], to out: UnsafeMutableRawPointer, width: Int) {
        let n = unitRuns.count
        var outStrides = [Int](repeating: width, count: n), unitStrides = [Int](repeating: width, count: n)
        for d in stride(from: n - 2, through: 0, by: -1) {
            outStrides[d] = outStrides[d + 1] * outShape[d + 1]
            unitStrides[d] = unitStrides[d + 1] * unitShape[d + 1]
        }
        var src = 0, dst = 0
        for d in 0..<n {
            src += unitRuns[d].within * unitStrides[d]
            dst += unitRuns[d].outStart * outStrides[d]
        }
        let innerCount = unitRuns[n - 1].count
        let innerStep = steps[n - 1] * width
        var counter = [Int](repeating: 0, count: n)
        while true {
            if steps[n - 1] == 1 {
                (out + dst).copyMemory(from: unit + src, byteCount: innerCount * width)
            } else {
                Self.gather(from: unit + src, step: innerStep, count: innerCount, to: out + dst, width: width)
            }
            var d = n - 2
            while d >= 0 {
                counter[d] += 1
                src += steps[d] * unitStrides[d]
                dst += outStrides[d]
                if counter[d] < unitRuns[d].count { break }
                src -= counter[d] * steps[d] * unitStrides[d]
                dst -= counter[d] * outStrides[d]
                counter[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }

    private static func gather(from src: UnsafeRawPointer, step: Int, count: Int, to dst: UnsafeMutableRawPointer, width: Int) {
        switch width {
        case 1: gatherTyped(UInt8.self, src, step, count, dst)
        case 2: gatherTyped(UInt16.self, src, step, count, dst)
        case 4: gatherTyped(UInt32.self, src, step, count, dst)
        default: gatherTyped(UInt64.self, src, step, count, dst)
        }
    }

    @inline(__always)
    private static func gatherTyped<T>(_: T.Type, _ src: UnsafeRawPointer, _ step: Int, _ count: Int, _ dst: UnsafeMutableRawPointer) {
        let d = dst.assumingMemoryBound(to: T.self)
        for i in 0..<count { d[i] = src.loadUnaligned(fromByteOffset: i * step, as: T.self) }
    }
}
