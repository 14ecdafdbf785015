import Foundation

/// A Zarr hierarchy in a local folder: one file per key. Keys are checked so that nothing
/// outside the folder is read ("..", absolute names); a missing file is a missing key (the
/// fill value), any other failure an error in plain words.
public final class LocalZarrStore: ZarrKeyStore, @unchecked Sendable {
    /// The folder as the caller named it (messages show it so).
    public let location: String
    private let root: String

    public init(folder: String) {
        location = folder
        root = folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : folder
    }

    public var isRemote: Bool { false }

    public func get(_ key: String) throws -> [UInt8]? {
        try withFile(key) { fd, size in
            // The metadata rule (ZarrMetadataParser.json) checked on the file's size, before
            // reading: a 300 MB zarr.json was read whole (327 MB RSS) only to be refused.
            if size > HTTPKeyStore.maxMetadataBytes, HTTPKeyStore.isMetadata(key) {
                let name = key.split(separator: "/").last.map(String.init) ?? key
                throw FormatError("\(name) is over 64 MB")
            }
            return try Self.pread(fd, key: key, offset: 0, count: size)
        }
    }

    /// Refused on the file's size, before reading.
    public func get(_ key: String, atMost limit: Int) throws -> [UInt8]? {
        try withFile(key) { fd, size in
            guard size <= limit else { throw Self.tooLarge(key, limit: limit) }
            return try Self.pread(fd, key: key, offset: 0, count: size)
        }
    }

    public func get(_ key: String, range: Range<Int>) throws -> [UInt8]? {
        try withFile(key) { fd, size in
            guard range.lowerBound >= 0, range.upperBound <= size else {
                throw FormatError("\(key): bytes \(range.lowerBound)..<\(range.upperBound) lie past its end (\(size) bytes): it is truncated")
            }
            return try Self.pread(fd, key: key, offset: range.lowerBound, count: range.count)
        }
    }

    public func get(_ key: String, suffix count: Int) throws -> [UInt8]? {
        try withFile(key) { fd, size in
            let n = min(max(count, 0), size)
            return try Self.pread(fd, key: key, offset: size - n, count: n)
        }
    }

    /// A key names a file below the folder: relative, no empty, "." or ".." components.
    static func check(_ key: String) throws {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !key.contains("\0"), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw FormatError("key '\(key)' does not name a file inside the store")
        }
    }

    /// Opens the key's file; nil when there is none (or it is a folder, which holds no value).
    private func withFile(_ key: String, _ body: (Int32, Int) throws -> [UInt8]) throws -> [UInt8]? {
        try Self.check(key)
        let path = root + "/" + key
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            let err = errno
            if err == ENOENT || err == ENOTDIR { return nil }
            throw FormatError("\(key): \(SystemErrorReason.of(errno: err))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError("\(key): \(SystemErrorReason.of(errno: errno))") }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return nil
        default: throw FormatError("\(key): not a regular file")
        }
        return try body(fd, Int(st.st_size))
    }

    private static func pread(_ fd: Int32, key: String, offset: Int, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        try bytes.withUnsafeMutableBytes { buf in
            while done < count {
                let n = Foundation.pread(fd, buf.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FormatError("\(key): read failed: \(SystemErrorReason.of(errno: errno))")
                }
                if n == 0 { throw FormatError("\(key): the file shrank while it was read") }
                done += n
            }
        }
        return bytes
    }
}
