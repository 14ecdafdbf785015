import Foundation
import OmioFormats

/// Identifies one stored chunk of one plane at one level of one array (a cache is shared by
/// every open file, so the array's identity is part of the key).
public struct ChunkKey: Hashable, Sendable {
    public var array: Int
    public var level: Int
    public var plane: PlaneIndex
    public var row: Int
    public var col: Int
    /// A strided read kept whole (row and col 0): the display slicer's every-k-th-pixel read
    /// of a level much larger than the screen. Such entries overlap stored chunks; they are
    /// reused only by the same view of the same plane (a contrast or colour change).
    public var sampled: PixelRegion? = nil
}

/// A byte-bounded LRU of decoded chunks (OMIO's zarr_store="memory", without copying the
/// file first: only chunks that were shown are kept). Thread-safe.
public final class ChunkCache: @unchecked Sendable {
    public let capacityBytes: Int
    public private(set) var usedBytes = 0
    private var entries: [ChunkKey: (buffer: PixelBuffer, tick: UInt64)] = [:]
    private var tick: UInt64 = 0
    private let lock = NSLock()

    public static let defaultCapacity = 256 << 20

    public init(capacityBytes: Int = ChunkCache.defaultCapacity) {
        self.capacityBytes = capacityBytes
    }

    public func get(_ key: ChunkKey) -> PixelBuffer? {
        lock.lock()
        defer { lock.unlock() }
        guard let hit = entries[key] else { return nil }
        tick += 1
        entries[key] = (hit.buffer, tick)
        return hit.buffer
    }

    public func put(_ key: ChunkKey, _ buffer: PixelBuffer) {
        let size = buffer.bytes.count
        guard size <= capacityBytes else { return }
        lock.lock()
        defer { lock.unlock() }
        if let old = entries[key] { usedBytes -= old.buffer.bytes.count }
        tick += 1
        entries[key] = (buffer, tick)
        usedBytes += size
        if usedBytes > capacityBytes { evict() }
    }

    public var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    /// Drops least recently used entries down to 3/4 of capacity (batching keeps eviction
    /// off the per-put path).
    private func evict() {
        let target = capacityBytes * 3 / 4
        for (key, value) in entries.sorted(by: { $0.value.tick < $1.value.tick }) {
            if usedBytes <= target { break }
            entries[key] = nil
            usedBytes -= value.buffer.bytes.count
        }
    }

    public func removeAll() {
        lock.lock()
        entries.removeAll()
        usedBytes = 0
        lock.unlock()
    }
}
