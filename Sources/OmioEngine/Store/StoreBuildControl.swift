import Foundation

/// How far a build is: uncompressed level-0 bytes written out of the series' total.
public struct StoreBuildProgress: Sendable, Equatable {
    public let bytesDone: Int64
    public let bytesTotal: Int64

    public init(bytesDone: Int64, bytesTotal: Int64) {
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
    }

    public var fraction: Double { bytesTotal > 0 ? Double(bytesDone) / Double(bytesTotal) : 1 }
}

/// Stops a running build from another thread (the TUI's cancel key, the CLI's Ctrl-C). The
/// build checks it between chunks, removes its partial store and throws `CancellationError`.
public final class StoreCancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
}
