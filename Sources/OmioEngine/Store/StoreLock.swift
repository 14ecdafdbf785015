import Foundation
import OmioFormats

/// An exclusive `flock` on `<name>.ome.zarr.lock`, held for the whole build, so two processes
/// (or two threads: each holder opens its own descriptor) never build the same store. The kernel
/// drops it when the holder dies, even by SIGKILL. The lock file itself stays: deleting it while
/// another process waits on it would let a third one lock a fresh inode beside them.
final class StoreLock {
    private var fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit { release() }

    /// Waits for the lock, polling so a cancelled build stops waiting too.
    static func acquire(_ path: String, cancellation: StoreCancellation?) throws -> StoreLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FormatError("cannot open the lock \(path): \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw FormatError("cannot lock \(path): \(reason)")
            }
            if cancellation?.isCancelled == true {
                close(fd)
                throw CancellationError()
            }
            usleep(50_000)
        }
        return StoreLock(fd: fd)
    }

    func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    /// True while some process holds the lock (a build is running); never creates the file.
    static func isHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
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
