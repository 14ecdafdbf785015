/// A store that answers some keys from one `getMany` made beforehand. Opening an image asks
/// for metadata files one after another (Zarr v2: `.zattrs`, `.zarray`, `.zgroup`; each level's
/// array), which over HTTP costs a round trip each; fetched together they cost one. Everything
/// else (chunks, shard ranges) goes to the store itself.
final class PrefetchedKeys: ZarrKeyStore, @unchecked Sendable {
    let base: ZarrKeyStore
    private let known: [String: Result<[UInt8]?, Error>]

    /// `store` itself when it is local (a stat is cheaper than a wasted read). A key whose
    /// fetch failed keeps its error: thrown only if the open asks for that key.
    static func wrap(_ store: ZarrKeyStore, _ keys: [String]) throws -> ZarrKeyStore {
        guard store.isRemote else { return store }
        let known = try (store as? HTTPKeyStore)?.getAvailable(keys) ?? store.getMany(keys).mapValues { .success($0) }
        return PrefetchedKeys(base: store, known: known)
    }

    private init(base: ZarrKeyStore, known: [String: Result<[UInt8]?, Error>]) {
        self.base = base
        self.known = known
    }

    var location: String { base.location }
    var isRemote: Bool { base.isRemote }

    func get(_ key: String) throws -> [UInt8]? {
        if let answer = known[key] { return try answer.get() }
        return try base.get(key)
    }

    func get(_ key: String, range: Range<Int>) throws -> [UInt8]? { try base.get(key, range: range) }
    func get(_ key: String, suffix count: Int) throws -> [UInt8]? { try base.get(key, suffix: count) }
    func getMany(_ keys: [String]) throws -> [String: [UInt8]?] { try base.getMany(keys) }
    func get(_ key: String, atMost limit: Int) throws -> [UInt8]? { try base.get(key, atMost: limit) }
    func discard(_ key: String, range: Range<Int>?) { base.discard(key, range: range) }
    func discard(_ key: String, suffix count: Int) { base.discard(key, suffix: count) }
    func get(_ key: String, suffix count: Int, atMost limit: Int) throws -> [UInt8]? { try base.get(key, suffix: count, atMost: limit) }
    func getMany(_ keys: [String], atMost limit: Int) throws -> [String: [UInt8]?] { try base.getMany(keys, atMost: limit) }
}
