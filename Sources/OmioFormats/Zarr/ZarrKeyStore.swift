import Foundation

/// Where the keys of a Zarr hierarchy live: a local folder or an HTTP(S) base URL. Keys are
/// `/`-separated relative names ("zarr.json", "0/.zarray", "0/c/0/0/0/0/0"); a key the store
/// does not hold is nil (Zarr's "missing chunk = fill value"), any other failure throws.
/// Implementations are safe to call from several threads at once.
public protocol ZarrKeyStore: AnyObject, Sendable {
    /// What messages name: the folder path, or the URL as the user gave it.
    var location: String { get }
    /// True for stores read over the network (the UI shows requests and bytes for them).
    var isRemote: Bool { get }
    /// The bytes under `key`; nil when the key does not exist.
    func get(_ key: String) throws -> [UInt8]?
    /// Bytes `range` of the value under `key` (a shard's index or one inner chunk); nil when
    /// the key does not exist. A range past the end is an error ("truncated").
    func get(_ key: String, range: Range<Int>) throws -> [UInt8]?
    /// The last `count` bytes under `key` (a shard's index at its end; HTTP `Range: bytes=-N`),
    /// all of it when it is shorter; nil when the key does not exist.
    func get(_ key: String, suffix count: Int) throws -> [UInt8]?
    /// Several keys at once, in parallel where the store can (remote: bounded concurrency);
    /// the result has one entry per key, nil for missing ones.
    func getMany(_ keys: [String]) throws -> [String: [UInt8]?]
    /// The bytes under `key`, refused (an error naming the key) when there are more than
    /// `limit`: a chunk's largest plausible encoded size, so that a broken file or a hostile
    /// server cannot make a chunk of a few kilobytes cost a gigabyte.
    func get(_ key: String, atMost limit: Int) throws -> [UInt8]?
    /// `getMany` with each value held to `limit` bytes as `get(_:atMost:)` is.
    func getMany(_ keys: [String], atMost limit: Int) throws -> [String: [UInt8]?]
    /// `get(_:suffix:)` where a server that cannot send only the last bytes may send at most
    /// `limit` (the whole object, of which the last bytes are taken).
    func get(_ key: String, suffix count: Int, atMost limit: Int) throws -> [UInt8]?
    /// Forgets what a cache keeps of `key` (bytes `range` of it): its bytes did not decode, and a
    /// bad answer (a portal's HTML page, a broken proxy) must not outlive the fault.
    func discard(_ key: String, range: Range<Int>?)
    /// `discard` for the last `count` bytes of `key` (a shard's index at its end).
    func discard(_ key: String, suffix count: Int)
}

extension ZarrKeyStore {
    public var isRemote: Bool { false }

    public func get(_ key: String, suffix count: Int) throws -> [UInt8]? {
        try get(key).map { Array($0.suffix(max(0, count))) }
    }

    public func getMany(_ keys: [String]) throws -> [String: [UInt8]?] {
        var out: [String: [UInt8]?] = [:]
        for k in keys { out[k] = try get(k) }
        return out
    }

    /// Checked after the read: right for stores whose values are already in memory.
    public func get(_ key: String, atMost limit: Int) throws -> [UInt8]? {
        let bytes = try get(key)
        if let bytes, bytes.count > limit { throw Self.tooLarge(key, limit: limit) }
        return bytes
    }

    public func getMany(_ keys: [String], atMost limit: Int) throws -> [String: [UInt8]?] {
        let out = try getMany(keys)
        if let (key, _) = out.first(where: { ($0.value?.count ?? 0) > limit }) { throw Self.tooLarge(key, limit: limit) }
        return out
    }

    /// Nothing is cached in between for local files.
    public func discard(_ key: String, range: Range<Int>?) {}
    public func discard(_ key: String, suffix count: Int) {}

    /// Local files are read from their end: their size does not matter.
    public func get(_ key: String, suffix count: Int, atMost limit: Int) throws -> [UInt8]? {
        try get(key, suffix: count)
    }

    /// One wording for a value past its limit, local or remote.
    static func tooLarge(_ key: String, limit: Int) -> FormatError {
        FormatError("\(key): more than \(HTTPTransport.size(limit)), too large for its chunk")
    }

    /// A key below `prefix` ("" is the root): "0" + "zarr.json" → "0/zarr.json".
    public static func join(_ prefix: String, _ key: String) -> String {
        prefix.isEmpty ? key : (prefix.hasSuffix("/") ? prefix + key : prefix + "/" + key)
    }
}
