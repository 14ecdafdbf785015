import Foundation

/// Every byte the program sends to the terminal or to stdout/stderr outside ncurses goes
/// through here. Foundation's FileHandle.write traps (`try!` inside) when the write fails, and
/// it does fail once the terminal is gone (window closed, ssh dropped: EIO) or the pipe's
/// reader quit (EPIPE): that turned closing the window into a crash (SIGILL, exit 132).
enum TerminalWrite {
    /// Writes all of `bytes` to `fd`, retrying interrupted and partial writes. On a lost
    /// terminal or a closed pipe the process ends as it would have without us: EPIPE raises
    /// SIGPIPE (141), anything else (EIO, ENXIO, ...) SIGHUP (129), the signal the kernel sends
    /// for a hang-up. In the TUI the terminal guard catches those and the main loop ends; a
    /// second one ends the process at once. False when the bytes did not all go out.
    @discardableResult
    static func all(_ bytes: [UInt8], to fd: Int32 = STDOUT_FILENO) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { p in write(fd, p.baseAddress! + offset, p.count - offset) }
            if n > 0 {
                offset += n
                continue
            }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN {
                // A non-blocking terminal that is full: wait until it drains.
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, 100)
                continue
            }
            let code = n < 0 ? errno : EIO
            // A full disk or a refused file (render > file) is the caller's error to report.
            if code == EPIPE || code == EIO || code == ENXIO { lost(errno: code) }
            return false
        }
        return true
    }

    @discardableResult
    static func all(_ text: String, to fd: Int32 = STDOUT_FILENO) -> Bool {
        all(Array(text.utf8), to: fd)
    }

    /// Ends the process by the signal that stands for this loss (see `all`). A signal the
    /// parent made ignored (nohup) stays ignored: the caller carries on, writing nothing.
    private static func lost(errno code: Int32) {
        raise(code == EPIPE ? SIGPIPE : SIGHUP)
    }
}
