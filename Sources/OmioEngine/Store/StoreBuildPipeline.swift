import Foundation
import OmioFormats

/// Fills a store's arrays from a source in one pass: the calling thread reads level-0 bands in
/// the file's plane order (sequential on disk) and builds the pyramid from them as they pass;
/// one worker per core compresses and writes the chunks. Each band is read once, and memory
/// holds only the chunks in flight plus one band per pyramid level.
struct StoreBuildPipeline {
    let source: ImageSource
    let series: Int
    let layout: StoreLayout
    /// The (partial) store folder the arrays `0`, `1`, ... go into.
    let root: String
    let cancellation: StoreCancellation?
    let progress: ((StoreBuildProgress) -> Void)?

    func run() throws {
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let base = layout.levels[0]
        let shape = base.shape
        let total = Int64(shape.planeCount) * Int64(shape.y * shape.x * base.dtype.bytes)
        let queue = ChunkWriteQueue(capacity: 2 * workers)
        let reporter = ProgressCounter(total: total, report: progress)
        reporter.add(0)

        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread {
                StoreBuildPipeline.write(from: queue, codec: ZarrChunkCodec(base.compression), progress: reporter)
                group.leave()
            }
            thread.name = "omio store writer"
            thread.start()
        }
        do {
            try produce(into: queue)
            queue.close()
        } catch {
            queue.fail(error)
        }
        group.wait()
        if let error = queue.error { throw error }
    }

    private static func write(from queue: ChunkWriteQueue, codec: ZarrChunkCodec, progress: ProgressCounter) {
        var encoded: [UInt8] = []
        while let job = queue.pop() {
            do {
                let n = try job.raw.withUnsafeBytes { try codec.encode($0, into: &encoded) }
                try encoded.withUnsafeBytes { try StoreFiles.writeChunk(UnsafeRawBufferPointer(rebasing: $0[0..<n]), to: job.path) }
                if job.sourceBytes > 0 { progress.add(Int64(job.sourceBytes)) }
            } catch {
                queue.fail(error)
                return
            }
        }
    }

    private func produce(into queue: ChunkWriteQueue) throws {
        let levels = layout.levels
        let base = levels[0]
        let shape = base.shape
        let folders = levels.indices.map { (root as NSString).appendingPathComponent(String($0)) }
        let pyramid = levels.indices.dropFirst().map { PyramidLevelBuilder(array: levels[$0], inWidth: levels[$0 - 1].shape.x) }

        func enqueue(_ level: Int, _ raw: [UInt8], _ plane: PlaneIndex, _ band: Int, sourceBytes: Int) throws {
            let key = levels[level].chunkKey(t: plane.t, c: plane.c, z: plane.z, band: band)
            let job = ChunkWriteQueue.Job(path: folders[level] + "/" + key, raw: raw, sourceBytes: sourceBytes)
            if !queue.push(job) { throw queue.error ?? CancellationError() }
        }
        // A finished band of level k is written and feeds level k+1.
        func emit(_ level: Int, _ band: [UInt8], _ index: Int, _ rows: Int, _ plane: PlaneIndex) throws {
            try enqueue(level, band, plane, index, sourceBytes: 0)
            try feed(level + 1, band, rows, plane)
        }
        func feed(_ level: Int, _ rows: [UInt8], _ count: Int, _ plane: PlaneIndex) throws {
            guard level < levels.count else { return }
            try rows.withUnsafeBytes { raw in
                try pyramid[level - 1].push(raw, count: count) { band, index, n in try emit(level, band, index, n, plane) }
            }
        }

        // The file's own order (C fastest, then Z, then T), which is sequential on disk for
        // ImageJ and most OME-TIFFs.
        for t in 0..<shape.t {
            for z in 0..<shape.z {
                for c in 0..<shape.c {
                    let plane = PlaneIndex(t: t, z: z, c: c)
                    pyramid.forEach { $0.reset() }
                    for band in 0..<base.bandCount {
                        if cancellation?.isCancelled == true { throw CancellationError() }
                        if let error = queue.error { throw error }
                        let rows = (band * base.chunkRows)..<min(shape.y, (band + 1) * base.chunkRows)
                        var raw = try source.read(series: series, level: 0, plane: plane,
                                                  region: PixelRegion(rows: rows, cols: 0..<shape.x)).bytes
                        let real = raw.count
                        if real < base.chunkBytes { raw += [UInt8](repeating: 0, count: base.chunkBytes - real) } // edge chunk: padded
                        try enqueue(0, raw, plane, band, sourceBytes: real)
                        try feed(1, raw, rows.count, plane)
                    }
                    for k in pyramid.indices {
                        try pyramid[k].finish { band, index, n in try emit(k + 1, band, index, n, plane) }
                    }
                }
            }
        }
    }
}

/// Sums written bytes from the writer threads and reports them one at a time.
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done: Int64 = 0
    private let total: Int64
    private let report: ((StoreBuildProgress) -> Void)?

    init(total: Int64, report: ((StoreBuildProgress) -> Void)?) {
        self.total = total
        self.report = report
    }

    func add(_ bytes: Int64) {
        lock.lock()
        defer { lock.unlock() }
        done += bytes
        report?(StoreBuildProgress(bytesDone: done, bytesTotal: total))
    }
}
