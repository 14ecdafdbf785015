import CNcurses
import CTerminalGuard
import Foundation

/// The terminal is given back whatever happens (the C side holds the signal handlers):
/// - a crash (SIGSEGV, SIGBUS, SIGILL/SIGTRAP from a Swift runtime trap, SIGABRT, SIGFPE)
///   leaves the alternate screen, shows the cursor, restores the modes saved at start and the
///   palette, then hands the signal to the Swift runtime's backtracer (its crash report then
///   prints on the normal screen) or to the default action, so the status tells the truth;
/// - SIGINT, SIGTERM, SIGHUP, SIGQUIT, and every other signal whose default action ends the
///   process (SIGUSR1/2, SIGPIPE, SIGALRM, SIGXCPU, SIGXFSZ, realtime ones, ...) end the main
///   loop, which restores the terminal through ncurses and then dies by the same signal (130 for Ctrl-C, 143 for SIGTERM); a second one
///   while the loop is busy restores and exits at once.
enum TerminalGuard {
    /// Before initscr: the modes to restore.
    static func saveModes() {
        omio_guard_save(isatty(STDIN_FILENO) == 1 ? STDIN_FILENO : STDOUT_FILENO)
    }

    /// After initscr (terminfo loaded): what leaves this terminal's TUI modes, prepared now,
    /// because a signal handler can only write bytes.
    /// `graphicsCleanup` removes the preview's image (kitty keeps images past the alternate
    /// screen); armed again once the protocol is known.
    static func arm(graphicsCleanup: [UInt8] = []) {
        // CAN first: it ends an escape sequence a crash may have cut in half.
        var reset = "\u{18}" + String(decoding: graphicsCleanup, as: UTF8.self)
        reset += capability("sgr0") ?? "\u{1B}[0m"
        reset += capability("rmkx") ?? ""
        reset += capability("cnorm") ?? "\u{1B}[?25h"
        // No alternate screen: the frame stays, so the shell starts on the line after it.
        reset += capability("rmcup") ?? "\r\n"
        let bytes = Array(reset.utf8)
        bytes.withUnsafeBufferPointer { omio_guard_arm(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }

    /// The terminal has an alternate screen (terminfo smcup/rmcup): the shell's screen comes
    /// back on exit. Only while ncurses has the terminfo loaded.
    static var hasAlternateScreen: Bool { capability("rmcup") != nil && capability("smcup") != nil }

    static func paletteChanged() { omio_guard_palette_changed() }

    /// After endwin: nothing left to restore.
    static func disarm() { omio_guard_disarm() }

    /// The termination signal the main loop should stop for (0: none).
    static var terminationSignal: Int32 { omio_guard_termination_signal() }

    /// After the terminal is restored: end by the signal that asked us to stop, if one did.
    static func exitIfSignalled() {
        let sig = terminationSignal
        guard sig != 0 else { return }
        fflush(nil)
        omio_guard_exit_by_signal(sig)
    }

    /// At the start of work on a background thread: that thread's stack can overflow too.
    static func onWorkerThread() { omio_guard_thread_altstack() }

    /// A terminfo string capability; nil when the terminal has none.
    private static func capability(_ name: String) -> String? {
        guard let p = tigetstr(name), Int(bitPattern: p) != -1 else { return nil }
        return String(cString: p)
    }
}
