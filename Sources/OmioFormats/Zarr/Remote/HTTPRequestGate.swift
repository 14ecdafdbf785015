import Foundation

/// GETs in flight in the whole process, bounded: each `getMany` keeps at most its store's
/// `concurrency` going, but a preview's coarse pass, its full pass, a shard index read and the
/// opening of every pyramid level (one thread per level) run side by side, and together they
/// went past it (the status line showed "13 in flight" against a bound of 12). A GET waits
/// here for a slot; a retry's pause holds none.
final class HTTPRequestGate: @unchecked Sendable {
    static let shared = HTTPRequestGate()

    private let condition = NSCondition()
    private var inFlight = 0

    /// Runs `body` once fewer than `limit` GETs are in flight (the caller's store's bound: the
    /// bench's 100-wide store is not held to the UI's 12).
    func run<T>(limit: Int, _ body: () throws -> T) rethrows -> T {
        condition.lock()
        while inFlight >= max(1, limit) { condition.wait() }
        inFlight += 1
        condition.unlock()
        defer {
            condition.lock()
            inFlight -= 1
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
