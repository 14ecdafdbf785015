import Foundation

/// Decoded chunks (and shard indexes) kept between reads, least recently used dropped first,
/// so panning across a plane does not fetch and decode the same chunks again. Bounded by bytes.
final class ZarrChunkCache<Value>: @unchecked Sendable {
    private struct Entry {
        var value: Value
        var cost: Int
        var lastUse: UInt64
    }

    let budget: Int
    private var entries: [String: Entry] = [:]
    private var total = 0
    private var clock: UInt64 = 0
    private let lock = NSLock()

    init(budget: Int) { self.budget = budget }

    func value(_ key: String) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        guard var e = entries[key] else { return nil }
        clock += 1
        e.lastUse = clock
        entries[key] = e
        return e.value
    }

    /// Values over half the budget are not kept: one would push out everything else.
    func insert(_ key: String, _ value: Value, cost: Int) {
        guard cost <= budget / 2 else { return }
        lock.lock()
        defer { lock.unlock() }
        clock += 1
        if let old = entries.updateValue(Entry(value: value, cost: cost, lastUse: clock), forKey: key) { total -= old.cost }
        total += cost
        guard total > budget else { return }
        // Evict down to 3/4 of the budget at once, so eviction's sort is paid rarely.
        for (k, e) in entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
            if total <= budget * 3 / 4 { break }
            entries[k] = nil
            total -= e.cost
        }
    }

    /// Drops the entries whose keys start with `prefix` (a reader's, when it goes away).
    func removeAll(prefix: String) {
        lock.lock()
        defer { lock.unlock() }
        for (k, e) in entries where k.hasPrefix(prefix) {
            entries[k] = nil
            total -= e.cost
        }
    }

    var byteCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return total
    }
}
