import CCurl
import Foundation

/// One GET, synchronous on the caller's thread (the readers' workers, never the UI's), made
/// with libcurl's easy interface: HTTP/2 where an HTTPS server offers it, connections kept per
/// handle and handles kept in a pool. Not Foundation's URLSession: on Linux it queues whatever
/// curl receives with no back-pressure and a cancel does not stop the transfer, so a server
/// sending an endless body grew the process to 24 GB. Here the write callback sees every byte:
/// past the limit it returns 0 and curl drops the connection at once.
final class HTTPTransport: @unchecked Sendable {
    static let shared = HTTPTransport()

    /// The most redirects one GET follows (fsspec's limit); more (or a URL seen twice) is an error.
    static let maxRedirects = 10

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

    /// One attempt's body and what the write callback decided about it.
    private final class Exchange {
        let handle: UnsafeMutableRawPointer
        /// The most body bytes taken for a 200 answer, and for a 206 (the part asked for).
        let limit: Int
        let partLimit: Int?
        var body: [UInt8] = []
        /// Bytes that arrived, kept or not (a redirect's body is not kept).
        var received = 0
        /// The answer's status, read when its first body bytes arrive (0 before).
        var status = 0
        var isRedirect = false
        /// Why the body was refused; the callback then ends the transfer.
        var overLimit: String?
        /// For a range asked of a server that sends the whole object (200): the bytes needed.
        /// Once they are in, the transfer ends and the answer counts as complete.
        let enough: Int?
        var hadEnough = false
        /// Asked at every block of the body: true ends the transfer (the caller gave up).
        let cancelled: () -> Bool
        var wasCancelled = false
        /// The process's memory for bodies in flight, and the room this one holds of it.
        let budget: HTTPBodyBudget
        var reserved = 0
        /// When the GET gives up (also while it waits for room in the budget).
        let deadline: Date
        /// The deadline passed while the body waited for room in the budget.
        var outOfTime = false


        init(handle: UnsafeMutableRawPointer, limit: Int, part: Part, budget: HTTPBodyBudget, deadline: Date,
             cancelled: @escaping () -> Bool) {
            self.handle = handle
            self.limit = limit
            self.partLimit = part.count
            if case let .range(r) = part { enough = r.upperBound } else { enough = nil }
            self.budget = budget
            self.deadline = deadline
            self.cancelled = cancelled
        }

        var currentStatus: Int {
            var code = 0
            _ = omio_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &code)
            return code
        }

        /// Content-Length as announced, or nil.
        var announced: Int? {
            var length: curl_off_t = -1
            _ = omio_curl_get_off(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length)
            return length >= 0 ? Int(length) : nil
        }

        /// The most bytes this answer may bring: the part asked for, for a 206.
        var activeLimit: Int { status == 206 ? (partLimit ?? limit) : limit }

        /// Takes `count` bytes; false ends the transfer (over a limit, enough, cancelled).
        func take(_ data: UnsafeRawBufferPointer) -> Bool {
            received += data.count
            if cancelled() {
                wasCancelled = true
                return false
            }
            if status == 0 {
                status = currentStatus
                isRedirect = (300...399).contains(status)
                if status == 200 || status == 206, !startBody() { return false }
            }
            guard status == 200 || status == 206 else {
                // A redirect's or an error's page is not the answer: none of it is kept, and
                // an endless one ends here (the status and the Location header are in).
                hadEnough = received > Self.pageBytes
                return !hadEnough
            }
            if status == 200, let enough {
                body.append(contentsOf: data.prefix(enough - body.count))
                hadEnough = body.count >= enough
                return !hadEnough
            }
            let size = body.count + data.count
            guard size <= activeLimit else {
                overLimit = "the server sent more than \(HTTPTransport.size(activeLimit)) (the body was still growing)"
                return false
            }
            if size > reserved {
                // More than announced: curl ends such an answer itself (a length mismatch).
                overLimit = "the server sent more than the \(reserved) bytes it announced"
                return false
            }
            body.append(contentsOf: data)
            return true
        }

        /// The most bytes read of a page that is not the answer (a 3xx's, a 404's).
        static let pageBytes = 64 << 10

        /// At the first body bytes of a 200 or 206: refuses an announced length over the limit
        /// (and a server that ignores Range when the prefix needed is over it), and takes room
        /// in the budget for what is announced (or the prefix needed), waiting for it.
        private func startBody() -> Bool {
            let prefixOnly = status == 200 && enough != nil // the rest of the object is not read
            let announced = self.announced
            if prefixOnly, let enough, enough > limit {
                overLimit = "the server ignores byte ranges and the \(HTTPTransport.size(enough)) before the part asked for are over \(HTTPTransport.size(limit))"
                return false
            }
            if !prefixOnly, let announced, announced > activeLimit {
                overLimit = "the server sent more than \(HTTPTransport.size(activeLimit)) (it announced \(announced) bytes)"
                return false
            }
            // A body without a length reserves all it may bring (its limit): growing into the
            // budget instead either refused real chunks from servers that send no length (the
            // budget taken by the others) or, waiting, could deadlock.
            let expected = (prefixOnly ? enough : announced) ?? activeLimit
            guard expected > 0 else { return true }
            switch budget.reserve(expected, before: deadline, cancelled: cancelled) {
            case .taken: break
            case .cancelled:
                wasCancelled = true
                return false
            case .timedOut:
                outOfTime = true
                return false
            }
            reserved = expected
            // Allocated once, never copied as it grows; the kernel backs only the pages written,
            // so a reservation larger than the body costs no memory.
            body.reserveCapacity(expected)
            return true
        }
    }

    private let lock = NSLock()
    private let budget: HTTPBodyBudget
    /// Easy handles not in use; each keeps its connections open for the next GET.
    private var idle: [UnsafeMutableRawPointer] = []

    init(budget: HTTPBodyBudget = .shared) {
        self.budget = budget
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }

    private func borrow() -> UnsafeMutableRawPointer? {
        if let h = lock.withLock({ idle.popLast() }) { return h }
        return curl_easy_init()
    }

    private func giveBack(_ handle: UnsafeMutableRawPointer) {
        lock.withLock { idle.append(handle) }
    }

    /// "64 MB", "128 KB" or "100 bytes": a limit in a message.
    static func size(_ n: Int) -> String {
        n >= 1 << 20 ? "\(n >> 20) MB" : n >= 1 << 10 ? "\(n >> 10) KB" : "\(n) bytes"
    }

    /// GET `url` (the `part` of it), giving up after `timeout` seconds in all, redirects and a
    /// streaming body included (an endless or dripping body ends there). A body over `maxBytes`
    /// (over the part asked for, for a 206) is refused: at once when Content-Length announces
    /// it, else as soon as it grows past it; either way the connection is dropped.
    /// `cancelled` is asked as the body arrives; true ends the GET ("cancelled").
    func get(_ url: URL, part: Part, timeout: TimeInterval, maxBytes: Int, stats: HTTPStats,
             cancelled: @escaping () -> Bool = { false }) throws -> Answer {
        guard let handle = borrow() else { throw Failure(reason: "cannot start an HTTP request (libcurl)", retryable: false) }
        // Back to the pool after an answer or a refusal (curl drops an aborted connection
        // itself); closed after a failed, cancelled or timed-out transfer, whose connection may
        // be broken.
        var reusable = false
        defer { reusable ? giveBack(handle) : curl_easy_cleanup(handle) }
        let deadline = Date().addingTimeInterval(timeout)
        var visited = [url]
        var current = url
        stats.began()
        var received = 0
        defer { stats.ended(bytes: received) }
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw Failure(reason: Self.timedOut(timeout), retryable: false) }
            let exchange = Exchange(handle: handle, limit: maxBytes, part: part, budget: budget, deadline: deadline, cancelled: cancelled)
            reusable = false // until this transfer is known to have ended cleanly
            let code = perform(handle, url: current, part: part, milliseconds: max(1, Int(remaining * 1000)), exchange: exchange)
            budget.release(exchange.reserved) // the body is the caller's now (or dropped)
            received += exchange.received
            if let overLimit = exchange.overLimit {
                reusable = true
                throw Failure(reason: overLimit, retryable: false)
            }
            if exchange.outOfTime {
                throw Failure(reason: Self.timedOut(timeout) + " waiting for memory while other answers arrived", retryable: false)
            }
            if exchange.wasCancelled { throw Failure(reason: "cancelled", retryable: false) }
            guard code == CURLE_OK || exchange.hadEnough else {
                throw Self.failure(code, exchange: exchange, url: current, timeout: timeout)
            }
            reusable = true
            let status = exchange.currentStatus
            if (300...399).contains(status), let next = Self.redirectTarget(handle) {
                if visited.contains(next) { throw Failure(reason: "redirect loop at \(next.absoluteString)", retryable: false) }
                if visited.count > Self.maxRedirects {
                    throw Failure(reason: "more than \(Self.maxRedirects) redirects (last to \(next.absoluteString))", retryable: false)
                }
                visited.append(next)
                current = next
                continue
            }
            return Answer(status: status, body: exchange.body, url: current, expectedLength: exchange.announced)
        }
    }

    /// One transfer on `handle`, its body handed to `exchange`.
    private func perform(_ handle: UnsafeMutableRawPointer, url: URL, part: Part, milliseconds: Int, exchange: Exchange) -> CURLcode {
        curl_easy_reset(handle) // options of the last GET gone; connections and DNS cache kept
        _ = omio_curl_set_string(handle, CURLOPT_URL, url.absoluteString)
        _ = omio_curl_set_long(handle, CURLOPT_NOSIGNAL, 1) // threads: no SIGALRM for DNS timeouts
        _ = omio_curl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
        _ = omio_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0) // followed here, to name loops
        _ = omio_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = omio_curl_set_string(handle, CURLOPT_USERAGENT, "omio-tui")
        // A private CA the way curl's and Python's tools are told of one (libcurl itself reads
        // no environment): a bundle file, or OpenSSL's hashed folder.
        if let bundle = Self.caBundle { _ = omio_curl_set_string(handle, CURLOPT_CAINFO, bundle) }
        if let folder = Self.caFolder { _ = omio_curl_set_string(handle, CURLOPT_CAPATH, folder) }
        if let range = part.header.map({ String($0.dropFirst("bytes=".count)) }) {
            _ = omio_curl_set_string(handle, CURLOPT_RANGE, range)
        }
        _ = omio_curl_set_write_function(handle) { data, size, count, context in
            guard let data, let context else { return 0 }
            let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
            let n = size * count
            return exchange.take(UnsafeRawBufferPointer(start: data, count: n)) ? n : 0
        }
        // Asked about once a second and at every block, also while connecting or waiting for
        // the headers: a GET of a batch that has failed stops there too.
        _ = omio_curl_set_long(handle, CURLOPT_NOPROGRESS, 0)
        _ = omio_curl_set_progress_function(handle) { context, _, _, _, _ in
            guard let context else { return 0 }
            let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
            guard exchange.cancelled() else { return 0 }
            exchange.wasCancelled = true
            return 1
        }
        if case .whole = part {
            // Whatever compression the server offers (curl decodes it; the limits count decoded
            // bytes): an object stored gzip-encoded (some S3 uploaders do) reads as itself.
            _ = omio_curl_set_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        }
        let context = Unmanaged.passRetained(exchange)
        defer { context.release() }
        _ = omio_curl_set_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque())
        _ = omio_curl_set_pointer(handle, CURLOPT_XFERINFODATA, context.toOpaque())
        return curl_easy_perform(handle)
    }

    /// The first of SSL_CERT_FILE, CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE that names a bundle other
    /// than the system's: machines often export several of them pointing at the system bundle,
    /// and a user adds a private CA by setting one (which then must win).
    private static let caBundle: String? = {
        let env = ProcessInfo.processInfo.environment
        let system = "/etc/ssl/certs/ca-certificates.crt"
        return ["SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE"].compactMap { env[$0] }.first { !$0.isEmpty && $0 != system }
    }()
    private static let caFolder: String? = ProcessInfo.processInfo.environment["SSL_CERT_DIR"].flatMap { $0.isEmpty ? nil : $0 }

    /// Where a 3xx answer points (absolute, resolved by curl), or nil without a Location.
    private static func redirectTarget(_ handle: UnsafeMutableRawPointer) -> URL? {
        var location: UnsafeMutablePointer<CChar>?
        guard omio_curl_get_string(handle, CURLINFO_REDIRECT_URL, &location) == CURLE_OK, let location else { return nil }
        return URL(string: String(cString: location))
    }

    static func timedOut(_ seconds: TimeInterval) -> String { "timed out after \(Int(seconds.rounded())) s" }

    /// curl's error as one plain sentence.
    private static func failure(_ code: CURLcode, exchange: Exchange, url: URL, timeout: TimeInterval) -> Failure {
        let host = url.host.map { h in url.port.map { "\(h):\($0)" } ?? h } ?? url.absoluteString
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return Failure(reason: timedOut(timeout), retryable: false)
        case CURLE_PARTIAL_FILE:
            let of = exchange.announced.map { " of \($0)" } ?? ""
            return Failure(reason: "truncated response (\(exchange.body.count)\(of) bytes)", retryable: true)
        case CURLE_COULDNT_CONNECT:
            return Failure(reason: "cannot connect to \(host) (connection refused)", retryable: true)
        case CURLE_COULDNT_RESOLVE_HOST:
            return Failure(reason: "cannot find host \(url.host ?? host)", retryable: true)
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            if let expected = exchange.announced, exchange.status != 0, exchange.body.count < expected {
                return Failure(reason: "truncated response (\(exchange.body.count) of \(expected) bytes)", retryable: true)
            }
            return Failure(reason: "connection to \(host) lost", retryable: true)
        case CURLE_PEER_FAILED_VERIFICATION:
            return Failure(reason: "TLS certificate not trusted (\(host))", retryable: false)
        case CURLE_SSL_CACERT_BADFILE:
            return Failure(reason: "cannot read the CA bundle \(caBundle ?? "") (from SSL_CERT_FILE, CURL_CA_BUNDLE or REQUESTS_CA_BUNDLE)", retryable: false)
        case CURLE_SSL_CONNECT_ERROR:
            return Failure(reason: "TLS handshake with \(host) failed", retryable: false)
        case CURLE_WEIRD_SERVER_REPLY:
            return Failure(reason: "bad response from \(host)", retryable: true)
        case CURLE_UNSUPPORTED_PROTOCOL:
            return Failure(reason: "unsupported URL \(url.absoluteString)", retryable: false)
        case CURLE_URL_MALFORMAT:
            return Failure(reason: "malformed URL \(url.absoluteString)" + (url.port.map { $0 > 65535 ? " (port \($0) is over 65535)" : "" } ?? ""), retryable: false)
        default:
            let words = String(cString: curl_easy_strerror(code))
            return Failure(reason: "\(words) (\(host))", retryable: true)
        }
    }
}
