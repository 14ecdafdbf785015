import Foundation

/// What the remote stores of this process are doing, for the TUI's status line ("net: 3 in
/// flight, 12.4 MB") and the bench's "requests issued / bytes transferred" columns. One
/// process-wide instance (`shared`): the status line shows the network, not one store.
public final class HTTPStats: @unchecked Sendable {
    public static let shared = HTTPStats()

    public struct Snapshot: Sendable, Equatable {
        /// GETs sent (every attempt, retries included; redirects followed by one GET are one).
        public var requests = 0
        /// GETs sent and not yet answered.
        public var inFlight = 0
        /// Body bytes received from the network (not from the disk cache).
        public var bytesReceived: Int64 = 0
        /// Keys answered from the disk cache without a request.
        public var cacheHits = 0
        /// Attempts repeated after a 5xx or a dropped connection.
        public var retries = 0
        /// Keys answered 403 Forbidden (read as missing, as S3 answers for a missing key; a
        /// store that needs credentials answers it for every key: the CLI warns, the status
        /// line shows "403×N").
        public var forbidden = 0
    }

    private let lock = NSLock()
    private var value = Snapshot()
    /// 403 answers per store (its location as the user gave it), for the CLI's warning.
    private var forbiddenByStore: [String: Int] = [:]

    public init() {}

    public var snapshot: Snapshot { lock.withLock { value } }

    func began() { lock.withLock { value.requests += 1; value.inFlight += 1 } }
    func ended(bytes: Int) { lock.withLock { value.inFlight -= 1; value.bytesReceived += Int64(bytes) } }
    func cacheHit() { lock.withLock { value.cacheHits += 1 } }
    func retried() { lock.withLock { value.retries += 1 } }
    func forbade(_ store: String) {
        lock.withLock {
            value.forbidden += 1
            forbiddenByStore[store, default: 0] += 1
        }
    }

    /// Stores with keys answered 403, and how many, by location.
    public var forbiddenStores: [(store: String, keys: Int)] {
        lock.withLock { forbiddenByStore.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// One warning per store with 403 answers (the CLI prefixes "omio-tui: "), for the end of a command: all-zero
    /// pixels from a store that wants credentials must not pass for an empty image.
    public var forbiddenWarnings: [String] {
        forbiddenStores.map {
            "warning: \($0.store): \($0.keys) key\($0.keys == 1 ? "" : "s") answered 403 Forbidden and read as missing (fill value); the server may need credentials"
        }
    }

    /// "net: 3 in flight, 12.4 MB" while requests are out; "net: 12.4 MB" once all are answered;
    /// nil before the first request (a local image shows no network line).
    public static func statusLine(_ s: Snapshot) -> String? {
        guard s.requests > 0 || s.cacheHits > 0 else { return nil }
        var mb = String(format: "%.1f MB", Double(s.bytesReceived) / 1e6)
        if s.forbidden > 0 { mb += ", 403×\(s.forbidden)" }
        return s.inFlight > 0 ? "net: \(s.inFlight) in flight, \(mb)" : "net: \(mb)"
    }
}
