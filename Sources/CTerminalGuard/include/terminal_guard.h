#ifndef OMIO_TERMINAL_GUARD_H
#define OMIO_TERMINAL_GUARD_H
// Gives the terminal back when the TUI dies: fatal signals (SIGSEGV, SIGBUS, SIGILL, SIGTRAP,
// SIGABRT, SIGFPE) restore it from the handler, with only async-signal-safe calls (write(2),
// tcsetattr), then pass the signal on; termination signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT,
// and every other one whose default action ends the process: SIGUSR1, SIGPIPE, SIGALRM, ...)
// ask the main loop to leave through its normal teardown. C because a signal handler must not
// touch the Swift runtime (allocation, reference counting, lazy globals).
#include <stddef.h>

// Saves the terminal's modes; call before initscr changes them.
void omio_guard_save(int tty_fd);
// Installs the handlers. `reset` leaves the TUI's terminal modes (attributes, keypad, cursor,
// alternate screen); it is copied (at most 1 KiB) and written to `out_fd` on a crash before the
// saved modes are restored.
void omio_guard_arm(int out_fd, const char *reset, size_t length);
// The palette was redefined: a crash also resets it (OSC 104).
void omio_guard_palette_changed(void);
// The terminal was restored the normal way: a later crash writes nothing to it.
void omio_guard_disarm(void);
// The termination signal that asked the main loop to stop; 0 when none did.
int omio_guard_termination_signal(void);
// Ends the process by `sig` with its default action, so the status says what happened
// (130 after SIGINT, 143 after SIGTERM). Does not return.
void omio_guard_exit_by_signal(int sig);
// Gives the calling thread an alternate signal stack if it has none: a stack overflow on that
// thread can then still run the handlers (each thread has its own).
void omio_guard_thread_altstack(void);

// Temporary outputs not yet renamed into place: unlinked when the process ends by a
// termination signal, a crash or exit. Register returns the slot (-1 when the path is too long
// or every slot is taken: that file is then only removed by the writer's own cleanup).
int omio_temp_register(const char *path);
void omio_temp_unregister(int slot);
// Unlinks every registered file (async-signal-safe).
void omio_temp_unlink_all(void);
// For the command line (no TUI): SIGINT, SIGTERM, SIGHUP, SIGQUIT unlink the registered files,
// then end the process by that signal (130, 143, 129). The TUI's omio_guard_arm replaces them.
void omio_temp_cleanup_on_signals(void);

// TerminalProbe's raw-mode window: SIGINT/SIGTERM/SIGHUP/SIGQUIT put `saved_termios` (a struct
// termios) back on `tty_fd` and end the process by that signal; end restores the handlers.
void omio_probe_raw_begin(int tty_fd, const void *saved_termios);
void omio_probe_raw_end(void);

#endif
