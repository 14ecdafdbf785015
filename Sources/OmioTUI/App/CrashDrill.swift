import Foundation

/// A real crash on demand, for the tests that check the terminal is given back:
/// with `OMIO_CRASH_DRILL=trap|overflow|overflow-worker` in the environment, typing `!` crashes
/// the TUI (a Swift runtime trap; a stack overflow on the main thread; one on a background
/// thread). `kill -SEGV` cannot stand in for these: an overflow needs the alternate signal
/// stack, and a trap arrives as SIGILL from the faulting instruction.
enum CrashDrill {
    static let drill = ProcessInfo.processInfo.environment["OMIO_CRASH_DRILL"]

    static func runIfAsked(_ key: Key) {
        guard let drill, key == .char("!") else { return }
        switch drill {
        case "trap":
            let items: [Int] = []
            _ = items[Int(getpid()) % 7 + 1] // index out of range: a runtime trap
        case "overflow":
            _ = recurse(1)
        case "overflow-worker":
            DispatchQueue.global().async {
                TerminalGuard.onWorkerThread()
                _ = recurse(1)
            }
        default:
            return
        }
    }

    @inline(never)
    static func recurse(_ depth: Int) -> Int {
        var frame = (depth, depth, depth, depth, depth, depth, depth, depth)
        // Not a tail call: the addition after it keeps every frame alive.
        return withUnsafeMutablePointer(to: &frame) { recurse($0.pointee.0 + 1) + $0.pointee.7 }
    }
}
