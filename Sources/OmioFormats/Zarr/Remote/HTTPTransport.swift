import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One GET, made synchronous for the readers (which run on worker threads, never the UI's):
/// Foundation's URLSession over libcurl (HTTP/2 where an HTTPS server offers it, connection
/// reuse, no extra build cost), driven by a delegate so redirects can be counted and named and
/// a short body can be told from a complete one. One session per process: connections are
/// shared by every store.
final class HTTPTransport: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    static let shared = HTTPTransport()

    /// The most redirects one GET follows; more (or a URL seen twice) is an error.
    static let maxRedirects = 5

    struct Answer {
        let status: Int
        let body: [UInt8]
        /// The URL that answered (after redirects).
        let url: URL
        /// Content-Length as announced, when it was.
        let expectedLength: Int?
    }

    /// Why a GET gave no answer, in words; `retryable` for what a second attempt may cure.
    struct Failure: Error {
        let reason: String
        let retryable: Bool
    }

    private final class Exchange {
        /// The most body bytes taken for a 200 answer, and for a 206 (the part asked for).
        let limit: Int
        let partLimit: Int?
        /// Why the body was refused (announced or grown past its limit); the task is cancelled.
        var overLimit: String?
        var finished = false
        var body: [UInt8] = []
        var response: HTTPURLResponse?
        var visited: [URL] = []
        var redirectFailure: String?
        var error: Error?
        let done = DispatchSemaphore(value: 0)

        init(limit: Int, partLimit: Int?) {
            self.limit = limit
            self.partLimit = partLimit
        }

        /// The limit for the answer received so far (a 206 is held to the part asked for).
        var activeLimit: Int { response?.statusCode == 206 ? (partLimit ?? limit) : limit }

        /// Ends the wait at once (the caller need not wait for curl to wind down); called once.
        func finish() {
            guard !finished else { return }
            finished = true
            done.signal()
        }
    }

    private let lock = NSLock()
    private var exchanges: [Int: Exchange] = [:]
    private var session: URLSession!

    override init() {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        // Several stores and the bench's 100-request bursts share the pool; curl queues the rest.
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1 // the delegate's bookkeeping is then serial
        // A serial queue of its own always gets a thread: callers block GCD's worker threads
        // while they wait for an answer, and the answers must not wait for one of those.
        queue.underlyingQueue = DispatchQueue(label: "omio.http.delegate")
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
    }

    /// Which bytes of an object a GET asks for.
    enum Part {
        case whole
        case range(Range<Int>)
        /// The last n bytes (`bytes=-n`): a shard's index at its end, without knowing its size.
        case suffix(Int)

        /// The most bytes a 206 answer to it may hold.
        var count: Int? {
            switch self {
            case .whole: return nil
            case let .range(r): return r.count
            case let .suffix(n): return n
            }
        }

        var header: String? {
            switch self {
            case .whole: return nil
            case let .range(r): return "bytes=\(r.lowerBound)-\(r.upperBound - 1)"
            case let .suffix(n): return "bytes=-\(n)"
            }
        }
    }

    /// "64 MB" or "100 bytes": a limit in a message.
    static func size(_ n: Int) -> String { n >= 1 << 20 ? "\(n >> 20) MB" : "\(n) bytes" }

    /// GET `url` (the `part` of it), giving up after `timeout` seconds in all, while the body
    /// streams too (an endless body ends there). A body over `maxBytes` (over the part asked
    /// for, for a 206) is refused: at once when Content-Length announces it, else as soon as
    /// it grows past it; either way the transfer is cancelled, so memory stays bounded.
    func get(_ url: URL, part: Part, timeout: TimeInterval, maxBytes: Int, stats: HTTPStats) throws -> Answer {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        if let header = part.header { request.setValue(header, forHTTPHeaderField: "Range") }
        let exchange = Exchange(limit: maxBytes, partLimit: part.count)
        exchange.visited = [url]
        let task = session.dataTask(with: request)
        lock.withLock { exchanges[task.taskIdentifier] = exchange }
        stats.began()
        task.resume()
        // Foundation's own timer covers the whole request; this one is the backstop should a
        // callback never come (a hang here would hang the reader's thread for good).
        let answered = exchange.done.wait(timeout: .now() + timeout + 1) == .success
        if !answered { task.cancel() }
        lock.withLock { exchanges[task.taskIdentifier] = nil }
        let (received, overLimit) = lock.withLock { (exchange.body.count, exchange.overLimit) }
        stats.ended(bytes: received)
        if let overLimit {
            task.cancel()
            throw Failure(reason: overLimit, retryable: false)
        }
        guard answered else { throw Failure(reason: Self.timedOut(timeout), retryable: false) }
        if let why = exchange.redirectFailure { throw Failure(reason: why, retryable: false) }
        let expected = exchange.response.map { Int($0.expectedContentLength) }.flatMap { $0 >= 0 ? $0 : nil }
        if let error = exchange.error {
            // curl reports a body cut short as a lost connection: say what was lost.
            if let expected, exchange.response != nil, received < expected {
                throw Failure(reason: "truncated response (\(received) of \(expected) bytes)", retryable: true)
            }
            throw Self.failure(error, url: url, timeout: timeout)
        }
        guard let response = exchange.response else { throw Failure(reason: "no response", retryable: true) }
        if let expected, exchange.body.count < expected {
            throw Failure(reason: "truncated response (\(exchange.body.count) of \(expected) bytes)", retryable: true)
        }
        return Answer(status: response.statusCode, body: exchange.body, url: response.url ?? url, expectedLength: expected)
    }

    static func timedOut(_ seconds: TimeInterval) -> String { "timed out after \(Int(seconds.rounded())) s" }

    /// Foundation's error as one plain sentence.
    static func failure(_ error: Error, url: URL, timeout: TimeInterval) -> Failure {
        let host = url.host.map { h in url.port.map { "\(h):\($0)" } ?? h } ?? url.absoluteString
        guard let e = error as? URLError else { return Failure(reason: error.localizedDescription, retryable: true) }
        switch e.code {
        case .timedOut: return Failure(reason: timedOut(timeout), retryable: false)
        case .cannotConnectToHost: return Failure(reason: "cannot connect to \(host) (connection refused)", retryable: true)
        case .cannotFindHost, .dnsLookupFailed: return Failure(reason: "cannot find host \(url.host ?? host)", retryable: true)
        case .networkConnectionLost: return Failure(reason: "connection to \(host) lost", retryable: true)
        case .notConnectedToInternet: return Failure(reason: "not connected to a network", retryable: true)
        case .serverCertificateUntrusted, .serverCertificateHasUnknownRoot, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .clientCertificateRejected:
            return Failure(reason: "TLS certificate not trusted (\(host))", retryable: false)
        case .secureConnectionFailed: return Failure(reason: "TLS handshake with \(host) failed", retryable: false)
        case .httpTooManyRedirects: return Failure(reason: "more than \(maxRedirects) redirects from \(url.absoluteString)", retryable: false)
        case .badServerResponse: return Failure(reason: "bad response from \(host)", retryable: true)
        case .unsupportedURL: return Failure(reason: "unsupported URL \(url.absoluteString)", retryable: false)
        default:
            // libcurl's TLS failures arrive under other codes, named in its own words.
            let words = e.localizedDescription
            if words.localizedCaseInsensitiveContains("certificate") {
                return Failure(reason: "TLS certificate not trusted (\(host))", retryable: false)
            }
            if words.contains("SSL") || words.contains("TLS") {
                return Failure(reason: "TLS handshake with \(host) failed (\(words))", retryable: false)
            }
            return Failure(reason: "\(words) (\(host))", retryable: true)
        }
    }

    private func exchange(_ task: URLSessionTask) -> Exchange? {
        lock.withLock { exchanges[task.taskIdentifier] }
    }

    // MARK: URLSessionDataDelegate (called on the session's serial queue)

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let x = exchange(dataTask) else { return completionHandler(.allow) }
        let refused: Bool = lock.withLock {
            x.response = response as? HTTPURLResponse
            let announced = response.expectedContentLength
            guard announced > Int64(x.activeLimit) else { return false }
            x.overLimit = "the server sent more than \(Self.size(x.activeLimit)) (it announced \(announced) bytes)"
            x.finish()
            return true
        }
        completionHandler(refused ? .cancel : .allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let x = exchange(dataTask) else { return }
        let refused: Bool = lock.withLock {
            guard !x.finished else { return false }
            guard x.body.count + data.count > x.activeLimit else {
                x.body.append(contentsOf: data)
                return false
            }
            x.overLimit = "the server sent more than \(Self.size(x.activeLimit)) (the body was still growing)"
            x.finish()
            return true
        }
        if refused { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        guard let x = exchange(task), let next = request.url else { return completionHandler(nil) }
        let why: String? = lock.withLock {
            if x.visited.contains(next) { return "redirect loop at \(next.absoluteString)" }
            if x.visited.count > Self.maxRedirects { return "more than \(Self.maxRedirects) redirects (last to \(next.absoluteString))" }
            x.visited.append(next)
            x.body = [] // the 3xx body is not the answer
            return nil
        }
        if let why { lock.withLock { x.redirectFailure = why } }
        completionHandler(why == nil ? request : nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let x = exchange(task) else { return }
        lock.withLock {
            x.error = error
            if x.response == nil { x.response = task.response as? HTTPURLResponse }
            x.finish()
        }
    }
}
