import Foundation
import OmioFormats

/// Progress of long CLI work on stderr: a redrawn bar (percent, MB/s, ETA) when stderr is a
/// terminal, else one summary line at the end (logs stay readable).
final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let tty = isatty(STDERR_FILENO) == 1
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let lock = NSLock()

    init(label: String) { self.label = label }

    /// `done` and `total` in work units; `bytes` processed so far for the rate.
    func update(done: Int64, total: Int64, bytes: Int64) {
        guard tty else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(start), 1e-6)
        let fraction = total > 0 ? Double(done) / Double(total) : 0
        let rate = Double(bytes) / elapsed / 1e6
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "\r%@ %@ %5.1f%%  %6.1f MB/s  ETA %@ ", label, bar, fraction * 100, rate, ProgressReporter.duration(eta))
        TerminalWrite.all(line, to: STDERR_FILENO)
    }

    /// Ends the bar and prints the summary line (always, terminal or not); paths in it are
    /// shown with their control characters escaped.
    func finish(_ summary: String) {
        fflush(stdout) // keep the summary after what stdout printed before it
        let clear = tty ? "\r\u{1B}[K" : ""
        TerminalWrite.all(clear + TerminalSafeText.escape(summary) + "\n", to: STDERR_FILENO)
    }

    var elapsed: Double { Date().timeIntervalSince(start) }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "--:--" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }
}
