import Foundation
import OmioFormats

/// An exclusive `flock` on `<name>.ome.zarr.lock`, held for the whole build, so two processes
/// (or two threads: each holder opens its own descriptor) never build the same store. The kernel
/// drops it when the holder dies, even by SIGKILL. The lock file is opened without following
/// symlinks: a planted `.lock` link must not make a build create or truncate a file elsewhere.
/// A purge deletes the lock file while holding it; a process that was waiting on the deleted
/// file notices (its path no longer names the file it locked) and locks the new one instead.
final class StoreLock {
    private var fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { release() }

    /// Waits for the lock, polling so a cancelled build stops waiting too.
    static func acquire(_ path: String, cancellation: StoreCancellation?) throws -> StoreLock {
        guard let lock = try attempt(path, wait: { cancellation?.isCancelled != true }) else { throw CancellationError() }
        return lock
    }

    /// The lock if no one holds it right now, else nil (never waits).
    static func tryAcquire(_ path: String) throws -> StoreLock? {
        try attempt(path, wait: { false })
    }

    /// Locks `path`; while it is held elsewhere, sleeps and asks `wait` whether to go on.
    private static func attempt(_ path: String, wait: () -> Bool) throws -> StoreLock? {
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                let reason = errno == ELOOP ? "it is a symbolic link (remove it to build here)" : SystemErrorReason.of(errno: errno)
                throw FormatError("cannot open the lock \(path): \(reason)")
            }
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                guard errno == EWOULDBLOCK || errno == EINTR else {
                    let reason = SystemErrorReason.of(errno: errno)
                    close(fd)
                    throw FormatError("cannot lock \(path): \(reason)")
                }
                guard wait() else {
                    close(fd)
                    return nil
                }
                usleep(50_000)
            }
            if names(path, fd) { return StoreLock(fd: fd, path: path) }
            close(fd) // a purge removed the file while this process waited: lock the new one
        }
    }

    /// True while `path` is the very file open on `fd` (same device and inode).
    private static func names(_ path: String, _ fd: Int32) -> Bool {
        var a = stat(), b = stat()
        return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    /// Deletes the lock file, then releases it (purge: the store it guarded is gone).
    func removeFile() {
        guard fd >= 0 else { return }
        unlink(path)
        release()
    }

    /// Turns the exclusive lock shared: the store is in place and may be read (a napari window
    /// takes it shared) while the build makes it durable; a second builder still waits.
    func downgrade() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_SH)
    }

    func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    /// True while some process holds the lock (a build is running); never creates the file.
    static func isHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// True while a reader holds the lock shared and no build holds it: a napari window
    /// showing the store (its launcher takes `LOCK_SH` while a layer shows it). Never creates
    /// the file.
    static func isShared(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        guard errno == EWOULDBLOCK, flock(fd, LOCK_SH | LOCK_NB) == 0 else { return false }
        flock(fd, LOCK_UN)
        return true
    }
}
