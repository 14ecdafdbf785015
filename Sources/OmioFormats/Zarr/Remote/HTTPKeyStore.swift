import Foundation

/// A Zarr hierarchy read over HTTP(S): key "0/c/0/0" is a GET of `<base>/0/c/0/0`. No listing
/// is needed (OME-NGFF metadata names every array), so any static file server or object store
/// serves it. 404 and 403 mean "no such key" (S3 answers 403 for a missing key when listing
/// is not allowed); 5xx and dropped connections are tried twice more with backoff; every
/// GET gives up after `timeout` seconds in all. Answers are kept in the disk cache: chunks
/// until evicted, metadata for `metadataMaxAge` seconds (a store being written changes them).
public final class HTTPKeyStore: ZarrKeyStore, @unchecked Sendable {
    public let location: String
    public var isRemote: Bool { true }
    /// The base URL, without a trailing "/" (and without its query, kept apart).
    public let base: URL
    public let stats: HTTPStats
    public let cache: HTTPChunkCache?
    /// Seconds one GET may take, connection and redirects included.
    public let timeout: TimeInterval
    /// GETs `getMany` keeps in flight at once.
    public let concurrency: Int
    /// Seconds a cached metadata document (zarr.json, .zattrs, ...) is trusted.
    public static let metadataMaxAge: TimeInterval = 60
    /// Pauses before the second and the third attempt (each scaled by 0.5–1.5 at random, so
    /// keys that failed together do not retry together). Short: a retry costs a round trip
    /// anyway, and 0.2 + 0.8 s per key made 240 twice-failing chunks take 26 s.
    static let backoff: [TimeInterval] = [0.05, 0.25]
    /// The most bytes taken for a metadata document (the local rule) and for a chunk or shard
    /// (the reader's cap on one unit); a range answered 206 may hold only the range.
    static let maxMetadataBytes = 64 << 20
    static let maxObjectBytes = ZarrCodecParser.maxUnitBytes

    private let prefix: String
    private let query: String?
    private let transport = HTTPTransport.shared

    /// `url` is http:// or https:// (an `s3://` location is turned into one by `S3Location`);
    /// `location` is what messages name (the URL as the user gave it).
    public init(url: String, location: String? = nil, cache: HTTPChunkCache? = HTTPChunkCache.shared, stats: HTTPStats = .shared,
                timeout: TimeInterval = 20, concurrency: Int = 12) throws {
        // A URL pasted with spaces in it is taken as meant.
        let parsed = URLComponents(string: url) ?? url.addingPercentEncoding(withAllowedCharacters: .urlFragmentAllowed).flatMap { URLComponents(string: $0) }
        guard let parts = parsed, let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = parts.host, !host.isEmpty else {
            throw OmioError(location ?? url, "not an http(s) URL")
        }
        var trimmed = parts
        trimmed.query = nil
        trimmed.fragment = nil
        var prefix = trimmed.string ?? url
        while prefix.hasSuffix("/") { prefix.removeLast() }
        guard let base = URL(string: prefix) else { throw OmioError(location ?? url, "not an http(s) URL") }
        self.location = location ?? url
        self.base = base
        self.prefix = prefix
        self.query = parts.percentEncodedQuery
        self.cache = cache
        self.stats = stats
        self.timeout = timeout
        self.concurrency = max(1, concurrency)
    }

    /// The URL of `key`: each segment percent-encoded, the base URL's query (a presigned
    /// URL's signature) kept at the end.
    public func url(of key: String) -> URL {
        let encoded = key.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? String($0) }
            .joined(separator: "/")
        return URL(string: prefix + "/" + encoded + (query.map { "?" + $0 } ?? ""))!
    }

    private static let segmentCharacters: CharacterSet = {
        var s = CharacterSet.urlPathAllowed
        s.remove("/")
        s.remove(";")
        return s
    }()

    public func get(_ key: String) throws -> [UInt8]? {
        try fetch(key, part: .whole)
    }

    public func get(_ key: String, range: Range<Int>) throws -> [UInt8]? {
        guard !range.isEmpty else { return [] }
        return try fetch(key, part: .range(range))
    }

    public func get(_ key: String, suffix count: Int) throws -> [UInt8]? {
        try get(key, suffix: count, atMost: Self.maxObjectBytes)
    }

    public func get(_ key: String, suffix count: Int, atMost limit: Int) throws -> [UInt8]? {
        guard count > 0 else { return try get(key, atMost: limit).map { _ in [] } }
        return try fetch(key, part: .suffix(count), limit: limit)
    }

    /// Every key fetched with at most `concurrency` GETs in flight; the first failure (after
    /// its retries) is thrown once the others have finished. The workers are threads of their
    /// own, not GCD's: a GET blocks its thread for its whole round trip, and GCD's pool is as
    /// small as the number of cores here (with URLSession, whose answers came on GCD's
    /// threads, 100 GETs took 8 s instead of 0.7 s).
    /// A key whose GET must be retried goes back in the queue with a time before which it is
    /// not tried: its worker takes the next key meanwhile (a worker asleep in a backoff held
    /// one of the `concurrency` slots idle).
    public func getMany(_ keys: [String]) throws -> [String: [UInt8]?] {
        try getMany(keys, atMost: Self.maxObjectBytes)
    }

    public func get(_ key: String, atMost limit: Int) throws -> [UInt8]? {
        try fetch(key, part: .whole, limit: limit)
    }

    public func getMany(_ keys: [String], atMost limit: Int) throws -> [String: [UInt8]?] {
        let unique = Array(Set(keys))
        guard unique.count > 1 else { return try Dictionary(uniqueKeysWithValues: unique.map { ($0, try get($0, atMost: limit)) }) }
        return try fetchAll(Results(unique, tolerant: false), limit: limit).values()
    }

    /// Every key's outcome, failures included instead of ending the batch: for probes. An open
    /// asks for both Zarr versions' metadata at once, and a broken answer for the version the
    /// store is not (a v3 store's `.zgroup` answered 500) made the whole open fail; the caller
    /// throws a key's failure only if it needs that key (without asking again: a hung host
    /// would cost another time limit per key).
    public func getAvailable(_ keys: [String]) -> [String: Result<[UInt8]?, Error>] {
        let unique = Array(Set(keys))
        return fetchAll(Results(unique, tolerant: true), limit: Self.maxObjectBytes).outcomes()
    }

    private func fetchAll(_ results: Results, limit: Int) -> Results {
        let group = DispatchGroup()
        for _ in 0..<min(concurrency, results.count) {
            group.enter()
            let worker = Thread {
                while true {
                    switch results.next() {
                    case .done:
                        group.leave()
                        return
                    case let .wait(seconds):
                        Thread.sleep(forTimeInterval: seconds)
                    case let .key(key, attempt):
                        do {
                            switch try self.step(key, part: .whole, limit: limit, attempt: attempt, cancelled: results.hasFailed) {
                            case let .value(v): results.record(key, .success(v))
                            case let .retry(after): results.retry(key, attempt: attempt + 1, after: after)
                            }
                        } catch {
                            results.record(key, .failure(error))
                        }
                    }
                }
            }
            worker.stackSize = 1 << 20
            worker.start()
        }
        group.wait()
        return results
    }

    /// What the workers of `getMany` found, under a lock.
    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var pending: [String]
        /// Keys to try again: the attempt to make, and when (ProcessInfo's uptime).
        private var retries: [(key: String, attempt: Int, at: TimeInterval)] = []
        private var out: [String: [UInt8]?] = [:]
        private var failure: Error?
        private var failures: [String: Error] = [:]
        /// Failures are kept by key instead of ending the batch.
        private let tolerant: Bool

        let count: Int

        init(_ keys: [String], tolerant: Bool) {
            count = keys.count
            pending = keys.reversed()
            self.tolerant = tolerant
        }

        enum Next { case key(String, attempt: Int), wait(TimeInterval), done }

        /// A retry whose time has come, else the next new key, else a wait for the first retry;
        /// done when nothing is left or one key has failed (the rest is moot).
        func next() -> Next {
            lock.withLock {
                guard failure == nil else { return .done }
                let now = ProcessInfo.processInfo.systemUptime
                if let i = retries.firstIndex(where: { $0.at <= now }) {
                    let r = retries.remove(at: i)
                    return .key(r.key, attempt: r.attempt)
                }
                if let key = pending.popLast() { return .key(key, attempt: 0) }
                guard let soonest = retries.map(\.at).min() else { return .done }
                return .wait(soonest - now)
            }
        }

        func retry(_ key: String, attempt: Int, after: TimeInterval) {
            lock.withLock { retries.append((key, attempt, ProcessInfo.processInfo.systemUptime + after)) }
        }

        func record(_ key: String, _ r: Result<[UInt8]?, Error>) {
            lock.withLock {
                switch r {
                case let .success(v): out[key] = .some(v)
                case let .failure(e):
                    if tolerant { failures[key] = e } else if failure == nil { failure = e }
                }
            }
        }

        /// True once a key has failed: the GETs still in flight stop (their bodies are moot).
        func hasFailed() -> Bool { lock.withLock { failure != nil } }

        func outcomes() -> [String: Result<[UInt8]?, Error>] {
            lock.withLock {
                out.mapValues { .success($0) }.merging(failures.mapValues { .failure($0) }) { a, _ in a }
            }
        }

        func values() throws -> [String: [UInt8]?] {
            try lock.withLock {
                if let failure { throw failure }
                return out
            }
        }
    }

    public func discard(_ key: String, range: Range<Int>?) {
        cache?.remove(cacheKey(url(of: key), part: range.map { .range($0) } ?? .whole))
    }

    public func discard(_ key: String, suffix count: Int) {
        cache?.remove(cacheKey(url(of: key), part: .suffix(count)))
    }

    /// What the disk cache files an answer under: the URL, and the range asked for.
    private func cacheKey(_ url: URL, part: HTTPTransport.Part) -> String {
        url.absoluteString + (part.header.map { "#" + $0 } ?? "")
    }

    static func isMetadata(_ key: String) -> Bool {
        let name = key.split(separator: "/").last.map(String.init) ?? key
        return [".zattrs", ".zgroup", ".zarray", ".zmetadata", "zarr.json"].contains(name)
    }

    private func fetch(_ key: String, part: HTTPTransport.Part, limit: Int? = nil) throws -> [UInt8]? {
        var attempt = 0
        while true {
            switch try step(key, part: part, limit: limit, attempt: attempt) {
            case let .value(v): return v
            case let .retry(after):
                Thread.sleep(forTimeInterval: after)
                attempt += 1
            }
        }
    }

    /// What one attempt at a key came to: its value (nil: missing), or a retry after a pause.
    enum Step {
        case value([UInt8]?)
        case retry(after: TimeInterval)
    }

    /// Attempt number `attempt` (0 first) at `key`: the first looks in the disk cache. `limit`
    /// holds the body below the caps of `attemptFetch` (a chunk's plausible size).
    func step(_ key: String, part: HTTPTransport.Part, limit: Int?, attempt: Int,
              cancelled: @escaping @Sendable () -> Bool = { false }) throws -> Step {
        let url = url(of: key)
        let cacheKey = cacheKey(url, part: part)
        let maxAge = Self.isMetadata(key) ? Self.metadataMaxAge : nil
        // A metadata file a store does not have (a v3 store's .zattrs, a v2 store's zarr.json:
        // an open asks for both kinds) is remembered as missing for as long as metadata is
        // trusted, so a second look at a store makes no request at all.
        let absent = cacheKey + "#absent"
        if attempt == 0 {
            if let hit = cache?.read(cacheKey, maxAge: maxAge) {
                stats.cacheHit()
                return .value(hit)
            }
            if maxAge != nil, cache?.read(absent, maxAge: maxAge) != nil {
                stats.cacheHit()
                return .value(nil)
            }
        }
        do {
            guard let bytes = try attemptFetch(key, url: url, part: part, limit: limit, cancelled: cancelled) else {
                if maxAge != nil { cache?.write(absent, []) }
                return .value(nil)
            }
            cache?.write(cacheKey, bytes)
            return .value(bytes)
        } catch let f as HTTPTransport.Failure where f.retryable && attempt < Self.backoff.count {
            stats.retried()
            return .retry(after: Self.backoff[attempt] * Double.random(in: 0.5...1.5))
        } catch let f as HTTPTransport.Failure {
            throw FormatError("\(key): \(f.reason)" + (attempt > 0 ? " (after \(attempt + 1) attempts)" : ""))
        }
    }

    /// One GET; nil for a missing key. What the answer's status means for a Zarr reader.
    private func attemptFetch(_ key: String, url: URL, part: HTTPTransport.Part, limit asked: Int?,
                              cancelled: @escaping @Sendable () -> Bool) throws -> [UInt8]? {
        let cap = Self.isMetadata(key) ? Self.maxMetadataBytes : Self.maxObjectBytes
        let limit = min(cap, asked ?? cap)
        let answer = try HTTPRequestGate.shared.run(limit: concurrency) {
            try transport.get(url, part: part, timeout: timeout, maxBytes: limit, stats: stats, cancelled: cancelled)
        }
        switch (answer.status, part) {
        case (200, .whole), (206, .whole):
            return answer.body
        case let (200, .range(range)):
            // A server without Range support sends the whole object: take the part asked for.
            guard answer.body.count >= range.upperBound else {
                throw HTTPTransport.Failure(reason: "truncated: bytes \(range.lowerBound)-\(range.upperBound) asked, the object has \(answer.body.count)",
                                            retryable: false)
            }
            return Array(answer.body[range])
        case let (206, .range(range)):
            guard answer.body.count == range.count else {
                throw HTTPTransport.Failure(reason: "truncated: \(range.count) bytes asked at \(range.lowerBound), \(answer.body.count) received",
                                            retryable: false)
            }
            return answer.body
        case let (200, .suffix(n)), let (206, .suffix(n)):
            // 206: the last n bytes, or the whole object when it is shorter; 200: the whole object.
            return Array(answer.body.suffix(n))
        case (416, .suffix):
            return [] // an empty object has no last bytes
        case (403, _):
            stats.forbade(location)
            return nil
        case (404, _), (410, _):
            return nil
        case let (416, .range(range)):
            throw HTTPTransport.Failure(reason: "truncated: bytes \(range.lowerBound)-\(range.upperBound) are past the end", retryable: false)
        case (500...599, _):
            throw HTTPTransport.Failure(reason: "server error \(answer.status)", retryable: true)
        case (300...399, _):
            throw HTTPTransport.Failure(reason: "redirect \(answer.status) without a usable Location", retryable: false)
        default:
            throw HTTPTransport.Failure(reason: "HTTP status \(answer.status)", retryable: false)
        }
    }
}
