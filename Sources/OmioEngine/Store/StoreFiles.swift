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
    /// `freed` hears, on the calling thread, the bytes the removed files held (purge progress).
    ///
    /// A store's chunks are unlinked by several threads at once: where the file system discards
    /// freed blocks (ext4 mounted with `discard`, as many VM disks are), each unlink of a chunk
    /// waits milliseconds on the journal, and a store holds a thousand chunks. The waits
    /// overlap; what is removed, and what stops it, is the same as one by one.
    static func removeTree(_ path: String, freed: (Int64) -> Void = { _ in }) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            guard unlink(path) == 0 || errno == ENOENT else { throw removeError(path) }
            freed(Int64(st.st_blocks) * 512)
            return
        }
        var files: [(path: String, bytes: Int64)] = []
        var folders: [(path: String, bytes: Int64)] = [] // each before what it holds
        collectTree(path, bytes: Int64(st.st_blocks) * 512, files: &files, folders: &folders)
        try unlinkAll(files, freed: freed)
        for folder in folders.reversed() {
            guard rmdir(folder.path) == 0 || errno == ENOENT else { throw removeError(folder.path) }
            freed(folder.bytes)
        }
    }

    /// The files (and links) and the real folders below `folder`, which is one.
    private static func collectTree(_ folder: String, bytes: Int64, files: inout [(path: String, bytes: Int64)],
                                    folders: inout [(path: String, bytes: Int64)]) {
        folders.append((folder, bytes))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            let path = (folder as NSString).appendingPathComponent(name)
            var st = stat()
            guard lstat(path, &st) == 0 else { continue } // gone meanwhile
            if (st.st_mode & S_IFMT) == S_IFDIR {
                collectTree(path, bytes: Int64(st.st_blocks) * 512, files: &files, folders: &folders)
            } else {
                files.append((path, Int64(st.st_blocks) * 512))
            }
        }
    }

    /// Threads that unlink at once; they wait on the disk, not on the cores.
    static let unlinkThreads = 8

    /// Unlinks `files`, several at a time when there are many; the first failure stops the
    /// rest and is thrown. Only the calling thread calls `freed`.
    private static func unlinkAll(_ files: [(path: String, bytes: Int64)], freed: (Int64) -> Void) throws {
        let shared = UnlinkList(files)
        let group = DispatchGroup()
        for _ in 0..<min(unlinkThreads - 1, files.count / 16) {
            group.enter()
            let thread = Thread {
                while shared.unlinkNext() {}
                group.leave()
            }
            thread.name = "omio unlink"
            thread.start()
        }
        while shared.unlinkNext() {
            freed(shared.takeFreed())
        }
        group.wait()
        let rest = shared.takeFreed()
        if rest > 0 { freed(rest) }
        if let failure = shared.failure { throw failure }
    }

    private static func removeError(_ path: String) -> FormatError {
        FormatError("cannot remove \(path): \(SystemErrorReason.of(errno: errno))")
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

/// The files `removeTree`'s threads take turns on, the bytes freed not yet reported, and the
/// first failure.
private final class UnlinkList: @unchecked Sendable {
    private let lock = NSLock()
    private let files: [(path: String, bytes: Int64)]
    private var next = 0
    private var freed: Int64 = 0
    private var error: Error?

    init(_ files: [(path: String, bytes: Int64)]) {
        self.files = files
    }

    /// Unlinks the next file; false when none is left or one failed.
    func unlinkNext() -> Bool {
        lock.lock()
        guard error == nil, next < files.count else {
            lock.unlock()
            return false
        }
        let file = files[next]
        next += 1
        lock.unlock()
        let failed = unlink(file.path) == 0 || errno == ENOENT ? nil : FormatError("cannot remove \(file.path): \(SystemErrorReason.of(errno: errno))")
        lock.lock()
        defer { lock.unlock() }
        if let failed { error = error ?? failed } else { freed += file.bytes }
        return error == nil
    }

    /// The bytes freed since the last call.
    func takeFreed() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        defer { freed = 0 }
        return freed
    }

    var failure: Error? {
        lock.lock()
        defer { lock.unlock() }
        return error
    }
}
