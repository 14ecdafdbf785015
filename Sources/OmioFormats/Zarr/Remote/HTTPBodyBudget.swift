import Foundation

/// The memory that answers still arriving may hold, for the whole process. Each GET has its own
/// limit (64 MB a metadata document, a chunk's plausible size), but up to 12 run at once: 12
/// endless bodies without a length each grew to their limit together (10.9 GB for 576 MB
/// shards). Every body reserves what it may bring before it is read — its announced length,
/// the prefix needed, or without a length its whole limit — waiting for room while it holds
/// nothing (so waits cannot deadlock; one body larger than the whole budget comes alone).
final class HTTPBodyBudget: @unchecked Sendable {
    static let shared = HTTPBodyBudget(bytes: 256 << 20)

    let total: Int
    private var held = 0
    private let condition = NSCondition()

    init(bytes: Int) { total = bytes }

    enum Reservation { case taken, timedOut, cancelled }

    /// Waits until `n` more bytes fit (or nothing is held) and takes them, unless `deadline`
    /// passes or `cancelled` says so first (asked every 0.1 s while it waits).
    func reserve(_ n: Int, before deadline: Date, cancelled: () -> Bool = { false }) -> Reservation {
        condition.lock()
        defer { condition.unlock() }
        while held > 0, held + n > total {
            if cancelled() { return .cancelled }
            if Date() >= deadline { return .timedOut }
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.1)))
        }
        held += n
        return .taken
    }

    func release(_ n: Int) {
        guard n > 0 else { return }
        condition.lock()
        held -= n
        condition.broadcast()
        condition.unlock()
    }

    var heldBytes: Int { condition.lock(); defer { condition.unlock() }; return held }
}
