import Foundation

/// A bounded hand-off from the thread that reads the source to the threads that compress and
/// write chunks: the reader blocks when it is full, so memory stays at a few chunks.
final class ChunkWriteQueue: @unchecked Sendable {
    struct Job {
        /// Chunk file, absolute.
        let path: String
        /// Uncompressed chunk, padded to the chunk shape.
        let raw: [UInt8]
        /// Level-0 source bytes it accounts for in the progress (0 for pyramid levels).
        let sourceBytes: Int
    }

    private let condition = NSCondition()
    private var jobs: [Job] = [] // a few entries: removeFirst is cheap
    private var closed = false
    private var failure: Error?
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Waits for room; false once the queue has failed (the reader should stop).
    func push(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while jobs.count >= capacity, failure == nil { condition.wait() }
        guard failure == nil else { return false }
        jobs.append(job)
        condition.broadcast()
        return true
    }

    /// The next job; nil when the queue is closed and drained, or has failed.
    func pop() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty, !closed, failure == nil { condition.wait() }
        guard failure == nil, !jobs.isEmpty else { return nil }
        let job = jobs.removeFirst()
        condition.broadcast()
        return job
    }

    /// No more jobs will come; writers finish what is queued.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops everyone; the first error wins.
    func fail(_ error: Error) {
        condition.lock()
        if failure == nil { failure = error }
        jobs.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    var error: Error? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }
}
