import Foundation
import OmioFormats

/// The few file-system operations stores need, in POSIX terms: several writer threads create
/// the same chunk folders at once, and FileManager's recursive mkdir is not safe against that.
enum StoreFiles {
    /// `mkdir -p`, tolerant of another thread creating the same folders.
    static func makeDirectories(_ path: String) throws {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else { throw FormatError("cannot create \(path): \(SystemErrorReason.of(errno: errno))") }
        try makeDirectories((path as NSString).deletingLastPathComponent)
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw FormatError("cannot create \(path): \(SystemErrorReason.of(errno: errno))")
        }
    }

    /// Writes a chunk in place: chunks live inside the `.partial` folder, which is renamed as a
    /// whole once every chunk and the final metadata are written.
    static func writeChunk(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        var fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0, errno == ENOENT {
            try makeDirectories((path as NSString).deletingLastPathComponent)
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw FormatError("cannot create \(path): \(SystemErrorReason.of(errno: errno))") }
        defer { close(fd) }
        try AtomicFile.writeAll(fd, bytes)
    }

    /// `rm -rf`, not following symlinks (a link is unlinked, never entered); missing is fine.
    /// `freed` hears the bytes each removed file held (purge progress).
    static func removeTree(_ path: String, freed: (Int64) -> Void = { _ in }) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                try removeTree((path as NSString).appendingPathComponent(name), freed: freed)
            }
            guard rmdir(path) == 0 || errno == ENOENT else { throw FormatError("cannot remove \(path): \(SystemErrorReason.of(errno: errno))") }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw FormatError("cannot remove \(path): \(SystemErrorReason.of(errno: errno))") }
        }
        freed(Int64(st.st_blocks) * 512)
    }

    /// Bytes a file or folder takes on disk (allocated blocks, not apparent sizes).
    static func diskUsage(_ path: String) -> Int64 {
        var st = stat()
        guard lstat(path, &st) == 0 else { return 0 }
        var total = Int64(st.st_blocks) * 512
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                total += diskUsage((path as NSString).appendingPathComponent(name))
            }
        }
        return total
    }

    /// Flushes the file system holding `path` (syncfs), so the chunks are on disk before the
    /// manifest calls the store complete: a power cut must not leave a "complete" store of
    /// empty chunks. One syncfs costs far less than an fsync per chunk (thousands of journal
    /// commits). Glibc's syncfs is a GNU extension Swift does not import; found at run time.
    static func flushFileSystem(of path: String) {
        typealias SyncFS = @convention(c) (Int32) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "syncfs") else { return }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = unsafeBitCast(symbol, to: SyncFS.self)(fd)
        close(fd)
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }
}
