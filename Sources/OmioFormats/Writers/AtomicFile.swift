import CTerminalGuard
import Foundation

/// Every write omio-tui makes goes to a temporary name in the target's folder, is fsynced,
/// then renamed over the target: a crash leaves the old file or the new one, never half. The
/// temporary name is registered with the C guard while it exists, so `q`, an error exit, a
/// termination signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) or a crash unlinks it instead of
/// leaving a hidden file as big as the output (only SIGKILL leaves one).
public enum AtomicFile {
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        try write(to: path, mode: mode) { fd in
            try data.withUnsafeBytes { raw in try writeAll(fd, raw) }
        }
    }

    /// Streams into a temporary file through `body(fd)`, then fsyncs and renames it.
    public static func write(to path: String, mode: mode_t = 0o644, _ body: (Int32) throws -> Void) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let tmp = (dir.isEmpty ? "." : dir) + "/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FormatError("cannot create a file in \(dir.isEmpty ? "." : dir): \(SystemErrorReason.of(errno: errno))") }
        let slot = omio_temp_register(tmp)
        defer { omio_temp_unregister(slot) }
        var ok = false
        defer {
            if !ok {
                close(fd)
                unlink(tmp)
            }
        }
        try body(fd)
        guard fsync(fd) == 0 else { throw FormatError("cannot sync \(tmp): \(SystemErrorReason.of(errno: errno))") }
        // Fault injection for the crash test: die between the write and the rename; or wait
        // there (seconds), so a test can stop the program while its temporary file exists.
        let env = ProcessInfo.processInfo.environment
        if env["OMIO_FAULT_KILL_BEFORE_RENAME"] != nil { kill(getpid(), SIGKILL) }
        if let pause = env["OMIO_FAULT_PAUSE_BEFORE_RENAME"].flatMap(Double.init) { usleep(UInt32(min(pause, 60) * 1_000_000)) }
        guard close(fd) == 0 else {
            ok = true // closed (even on error); only unlink remains
            unlink(tmp)
            throw FormatError("cannot close \(tmp): \(SystemErrorReason.of(errno: errno))")
        }
        ok = true
        guard rename(tmp, path) == 0 else {
            let reason = SystemErrorReason.of(errno: errno)
            unlink(tmp)
            throw FormatError("cannot rename onto \(path): \(reason)")
        }
        syncDirectory(dir.isEmpty ? "." : dir)
    }

    /// Makes a rename durable: fsync the directory that holds the new name.
    public static func syncDirectory(_ dir: String) {
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    public static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < raw.count {
            let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw FormatError("write failed: \(SystemErrorReason.of(errno: errno))")
            }
            done += n
        }
    }
}
