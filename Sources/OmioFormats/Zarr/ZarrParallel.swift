import Foundation

/// Runs `count` jobs on up to `width` threads. Jobs that wait on the network need threads of
/// their own (Dispatch's pool is as wide as the CPU count), so these are plain threads.
enum ZarrParallel {
    /// The shared state of one run's workers.
    private final class Queue: @unchecked Sendable {
        let count: Int
        private var next = 0
        private(set) var firstError: Error?
        private let lock = NSLock()

        init(count: Int) { self.count = count }

        /// The next job, nil when all are taken or one failed.
        func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard firstError == nil, next < count else { return nil }
            next += 1
            return next - 1
        }

        func fail(_ error: Error) {
            lock.lock()
            if firstError == nil { firstError = error }
            lock.unlock()
        }
    }

    /// `body` runs on other threads, so it is escaping; the threads may outlive the call by
    /// the moment they take to exit, never by a job.
    static func forEach(_ count: Int, width: Int, _ body: @escaping (Int) throws -> Void) throws {
        if count <= 1 || width <= 1 {
            for i in 0..<count { try body(i) }
            return
        }
        let queue = Queue(count: count)
        let done = DispatchSemaphore(value: 0)
        let workers = min(width, count)
        for _ in 0..<workers {
            let t = Thread {
                while let i = queue.take() {
                    do { try body(i) } catch { queue.fail(error) }
                }
                done.signal()
            }
            t.stackSize = 1 << 20
            t.start()
        }
        for _ in 0..<workers { done.wait() }
        if let error = queue.firstError { throw error }
    }
}
