import Foundation

/// Bytes fetched over HTTP, kept on disk under `$XDG_CACHE_HOME/omio-tui/http/` so a second
/// look at a remote image costs no requests. One file per URL (and byte range), named by a
/// hash of it; the file repeats the URL and its length, so a hash collision, a file cut short
/// or one from another program reads as a miss, never as wrong pixels. Files are touched on
/// every hit (mtime): eviction removes the least recently used until the folder is under its
/// limit. Writes go to a temporary name and are renamed into place on a background queue, off
/// the fetching thread; without fsync: a file a crash leaves short fails the length check and
/// is fetched again, and a first view must not wait for the disk. Pending writes are finished
/// when the process exits (a command's last chunks are cached too).
public final class HTTPChunkCache: @unchecked Sendable {
    public let folder: String
    public let limitBytes: Int64

    /// The cache the remote stores use: the user's, with the limit `$OMIO_HTTP_CACHE_MB` gives
    /// (default 1024 MB); nil when that is 0 (no disk cache).
    public static let shared: HTTPChunkCache? = {
        let bytes = limit(ProcessInfo.processInfo.environment)
        guard bytes > 0 else { return nil }
        atexit { HTTPChunkCache.shared?.flush() }
        return HTTPChunkCache(folder: defaultFolder(), limitBytes: bytes)
    }()

    public static func defaultFolder(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        UserFolders.cacheHome(environment) + "/omio-tui/http"
    }

    /// `$OMIO_HTTP_CACHE_MB` in bytes; 1 GB when unset or not a number.
    public static func limit(_ environment: [String: String]) -> Int64 {
        let mb = environment["OMIO_HTTP_CACHE_MB"].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }.flatMap { $0 >= 0 ? $0 : nil } ?? 1024
        return mb * 1_000_000
    }

    private static let magic = Array("OMIOHTTP1\n".utf8)
    private let writes = DispatchQueue(label: "omio.http-cache.write")
    private let lock = NSLock()
    private var knownSize: Int64? // bytes in the folder, counted on the first write

    public init(folder: String, limitBytes: Int64) {
        self.folder = folder
        self.limitBytes = limitBytes
    }

    /// The bytes stored for `url`, when present, intact and (with `maxAge`) fetched less than
    /// `maxAge` seconds ago.
    public func read(_ url: String, maxAge: TimeInterval? = nil) -> [UInt8]? {
        let path = self.path(for: url)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let (fetched, body) = Self.decode([UInt8](data), url: url) else {
            unlink(path) // corrupt or someone else's: a miss, and gone
            return nil
        }
        if let maxAge, Date().timeIntervalSince1970 - fetched > maxAge { return nil }
        utimes(path, nil) // most recently used
        return body
    }

    /// Stores `bytes` for `url` in the background; a failure to write only costs a later miss.
    public func write(_ url: String, _ bytes: [UInt8]) {
        guard Int64(bytes.count) < limitBytes / 4 else { return } // one huge object would evict everything
        writes.async { [self] in
            let path = self.path(for: url)
            let dir = (path as NSString).deletingLastPathComponent
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var file = Self.magic
            Self.append(Date().timeIntervalSince1970.bitPattern, to: &file)
            let u = Array(url.utf8)
            Self.append(UInt64(u.count), to: &file)
            file += u
            Self.append(UInt64(bytes.count), to: &file)
            file += bytes
            guard Self.writeReplacing(path, file) else { return }
            let total: Int64 = lock.withLock {
                let now = (knownSize ?? scanSize()) + Int64(file.count)
                knownSize = now
                return now
            }
            if total > limitBytes { evict() }
        }
    }

    /// `bytes` to a temporary name beside `path`, then renamed over it: readers see the old
    /// file or the new one. The temporary name is what `evict` removes when a process died.
    private static func writeReplacing(_ path: String, _ bytes: [UInt8]) -> Bool {
        let tmp = (path as NSString).deletingLastPathComponent + "/." + (path as NSString).lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        let ok = (try? bytes.withUnsafeBytes { try AtomicFile.writeAll(fd, $0) }) != nil
        guard close(fd) == 0, ok, rename(tmp, path) == 0 else {
            unlink(tmp)
            return false
        }
        return true
    }

    /// Forgets `url` (after the writes queued so far, one of which may be its own).
    public func remove(_ url: String) {
        writes.async { [self] in unlink(self.path(for: url)) }
    }

    /// Waits for the writes queued so far (tests, and a command about to exit).
    public func flush() { writes.sync {} }

    /// Bytes the folder holds.
    public func size() -> Int64 { usage().bytes }

    /// Cached objects and the bytes they take.
    public func usage() -> (files: Int, bytes: Int64) {
        let all = files()
        return (all.count, all.reduce(0) { $0 + $1.bytes })
    }

    /// Removes every cached file; returns how many and how many bytes. Only files this cache
    /// names (two-hex-digit folders of `*.bin`) are touched.
    @discardableResult
    public func purge() -> (files: Int, bytes: Int64) {
        flush()
        var count = 0, bytes: Int64 = 0
        for f in files() where unlink(f.path) == 0 {
            count += 1
            bytes += f.bytes
        }
        for sub in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where Self.isFanOut(sub) {
            rmdir(folder + "/" + sub) // only when empty
        }
        lock.withLock { knownSize = 0 }
        return (count, bytes)
    }

    /// Least recently used first, until the folder is under 80% of its limit (eviction in
    /// batches, not one file per write). Temporary files older than an hour (a killed
    /// process's) go too.
    func evict() {
        var all = files(includingTemporary: true)
        let stale = Date().addingTimeInterval(-3600)
        for f in all where f.temporary && f.modified < stale { unlink(f.path) }
        all.removeAll { $0.temporary }
        all.sort { $0.modified < $1.modified }
        var total = all.reduce(0) { $0 + $1.bytes }
        let target = limitBytes / 5 * 4
        for f in all where total > target {
            if unlink(f.path) == 0 { total -= f.bytes }
        }
        lock.withLock { knownSize = total }
    }

    /// `<folder>/<2 hex>/<32 hex>.bin`: a fan-out keeps folders small for a 1 GB cache of
    /// 100 KB chunks.
    func path(for url: String) -> String {
        let h = Self.hash(url)
        return folder + "/" + String(h.prefix(2)) + "/" + h + ".bin"
    }

    struct Entry {
        let path: String
        let bytes: Int64
        let modified: Date
        let temporary: Bool
    }

    private func files(includingTemporary: Bool = false) -> [Entry] {
        var out: [Entry] = []
        for sub in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where Self.isFanOut(sub) {
            let dir = folder + "/" + sub
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                let temporary = name.hasPrefix(".") && name.contains(".bin.tmp-")
                guard name.hasSuffix(".bin") || (includingTemporary && temporary) else { continue }
                var st = stat()
                guard lstat(dir + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                out.append(Entry(path: dir + "/" + name, bytes: Int64(st.st_size),
                                 modified: Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec)), temporary: temporary))
            }
        }
        return out
    }

    private func scanSize() -> Int64 { files().reduce(0) { $0 + $1.bytes } }

    private static func isFanOut(_ name: String) -> Bool {
        name.count == 2 && name.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// (fetch time, body) when `file` is a whole entry for `url`.
    static func decode(_ file: [UInt8], url: String) -> (TimeInterval, [UInt8])? {
        var at = magic.count
        guard file.count >= at + 16, Array(file[0..<at]) == magic else { return nil }
        func u64() -> UInt64? {
            guard file.count >= at + 8 else { return nil }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(file[at + i]) << (8 * UInt64(i)) }
            at += 8
            return v
        }
        guard let time = u64(), let urlLength = u64(), urlLength <= UInt64(file.count - at) else { return nil }
        let u = file[at..<(at + Int(urlLength))]
        at += Int(urlLength)
        guard u.elementsEqual(url.utf8), let bodyLength = u64(), bodyLength == UInt64(file.count - at) else { return nil }
        return (Double(bitPattern: time), Array(file[at...]))
    }

    private static func append(_ v: UInt64, to out: inout [UInt8]) {
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    /// 128 bits of two FNV-1a passes with different offsets, as hex: enough to spread names;
    /// the URL inside the file settles collisions.
    static func hash(_ s: String) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x6c62_272e_07bb_0142
        for byte in s.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = b ^ (b >> 29)
        }
        return String(format: "%016llx%016llx", a, b)
    }
}
