import CZstd
import Foundation

/// Where a zstd frame lies in the file and how many bytes it must decode to.
struct CZIZstdFrame: Hashable {
    var offset: UInt64
    var size: Int
    var expected: Int
}

/// A zstd decoder part-way through one subblock's frame: `position` bytes decoded so far,
/// the compressed bytes read from the file a bounded buffer at a time. It holds the zstd
/// stream state (its window) and that buffer, never the decoded subblock.
final class CZIZstdCursor {
    let frame: CZIZstdFrame
    /// Which part of the stream this cursor serves (hi-lo packing walks the low half and the
    /// high half side by side, one cursor each).
    let lane: Int
    private(set) var position = 0
    private(set) var finished = false
    private let stream: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer
    private var inBuffer: ZSTD_inBuffer
    /// Bytes of the frame read from the file so far.
    private var fed = 0
    private let file: FileReader

    static let inputBytes = 1 << 18

    init(file: FileReader, frame: CZIZstdFrame, lane: Int) throws {
        guard let stream = ZSTD_createDStream() else { throw FormatError("zstd could not allocate a stream") }
        _ = ZSTD_initDStream(stream)
        self.stream = stream
        self.file = file
        self.frame = frame
        self.lane = lane
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: CZIZstdCursor.inputBytes, alignment: 16)
        inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: 0, pos: 0)
        try refill()
        // The frame must say how big it is, and agree with the subblock's pixel count, before
        // anything is decoded (libCZI's rule).
        guard ZSTD_getFrameContentSize(input.baseAddress, inBuffer.size) == UInt64(frame.expected) else {
            throw FormatError("zstd subblock does not decode to its \(frame.expected) bytes of pixels")
        }
    }

    deinit {
        ZSTD_freeDStream(stream)
        input.deallocate()
    }

    private func refill() throws {
        let n = min(input.count, frame.size - fed)
        try file.read(at: frame.offset + UInt64(fed), into: UnsafeMutableRawBufferPointer(rebasing: input[0..<n]))
        fed += n
        inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: n, pos: 0)
    }

    /// Decodes up to stream byte `target`, handing each decoded piece to `sink` with its stream
    /// offset through `band` (the caller's window). Reaching the end also checks that the frame
    /// ends there: no more bytes, no missing ones.
    func advance(to target: Int, through band: UnsafeMutableRawBufferPointer,
                 _ sink: (UnsafeRawBufferPointer, Int) -> Void) throws {
        let expected = frame.expected
        let toEnd = target == expected
        while position < target || (toEnd && !finished) {
            if finished { throw FormatError("zstd subblock does not decode to its \(expected) bytes of pixels") }
            if inBuffer.pos == inBuffer.size, fed < frame.size { try refill() }
            // Never decode past the target: the next band resumes exactly there.
            let room = position < target ? min(band.count, target - position) : band.count
            var output = ZSTD_outBuffer(dst: band.baseAddress, size: room, pos: 0)
            let rc = ZSTD_decompressStream(stream, &output, &inBuffer)
            guard ZSTD_isError(rc) == 0 else {
                throw FormatError("zstd subblock cannot be decoded: \(String(cString: ZSTD_getErrorName(rc)))")
            }
            finished = rc == 0
            guard position + output.pos <= expected else { throw FormatError("zstd subblock decodes past its \(expected) bytes") }
            if output.pos == 0, !finished, inBuffer.pos == inBuffer.size, fed == frame.size {
                throw FormatError("zstd subblock ends early")
            }
            sink(UnsafeRawBufferPointer(rebasing: band[0..<output.pos]), position)
            position += output.pos
        }
    }
}

/// Idle zstd cursors of one CZI file, so a plane read band after band, in order, decodes its
/// subblock once instead of once per band (which made reading a plane quadratic in its size).
/// A read borrows a cursor that has not yet passed where it starts, or starts a new one;
/// concurrent readers never share a cursor.
final class CZIZstdStreams: @unchecked Sendable {
    private var idle: [CZIZstdCursor] = []
    private let lock = NSLock()
    /// Each idle cursor holds a zstd window (a few MB for usual levels): keep a few.
    static let maxIdle = 4
    private var started = 0
    private var decoded = 0

    /// Cursors started and bytes decoded, over this file's life (for tests).
    var counts: (starts: Int, decodedBytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (started, decoded)
    }

    func withCursor<T>(file: FileReader, frame: CZIZstdFrame, lane: Int, from start: Int,
                       _ body: (CZIZstdCursor) throws -> T) throws -> T {
        lock.lock()
        let best = idle.indices.filter { idle[$0].frame == frame && idle[$0].lane == lane && idle[$0].position <= start }
            .max { idle[$0].position < idle[$1].position }
        let pooled = best.map { idle.remove(at: $0) }
        if pooled == nil { started += 1 }
        lock.unlock()
        let cursor = try pooled ?? CZIZstdCursor(file: file, frame: frame, lane: lane)
        let from = cursor.position
        var failed = true
        defer {
            lock.lock()
            decoded += cursor.position - from
            // A cursor that failed or reached the end can serve no later read.
            if !failed, !cursor.finished {
                idle.append(cursor)
                if idle.count > CZIZstdStreams.maxIdle { idle.removeFirst() }
            }
            lock.unlock()
        }
        let result = try body(cursor)
        failed = false
        return result
    }
}
