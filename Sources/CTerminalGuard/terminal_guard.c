#define _GNU_SOURCE
#include "terminal_guard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_modes;
static int have_saved_modes = 0;
static int tty = -1, out = -1;
static char reset_bytes[1024];
static size_t reset_length = 0;
static volatile sig_atomic_t palette_changed = 0;
static volatile sig_atomic_t pending_termination = 0;
static int armed = 0; // exchanged atomically: two threads crashing at once restore once

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE};
static const int termination_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
// Every other signal whose default action ends the process (kill -USR1, a timer, a CPU or file
// size limit, ...): without a handler it would end us with the terminal still in the TUI's
// modes. Handled like SIGTERM, but only while at their default: a parent that made one ignored
// (inherited across exec) meant it not to end us. Realtime signals are added in the loop below.
static const int other_ending_signals[] = {SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGXCPU, SIGXFSZ, SIGVTALRM,
                                           SIGPROF, SIGSYS, SIGPOLL, SIGSTKFLT, SIGPWR};
// What handled each fatal signal before us: the Swift runtime's backtracer, unless disabled
// with SWIFT_BACKTRACE=enable=no. Called after the terminal is back, so its crash report lands
// on the normal screen. (It returns for a signal that is not a fault, so the process would live
// on if we chained to it by reinstalling it; we call it, then take the default action.)
static struct sigaction previous[NSIG];

static void write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

// Async-signal-safe: an atomic exchange, write(2) and tcsetattr.
static void restore_terminal(void) {
    if (!__atomic_exchange_n(&armed, 0, __ATOMIC_SEQ_CST)) return;
    write_all(out, reset_bytes, reset_length);
    if (palette_changed) write_all(out, "\033]104\007", 6);
    if (have_saved_modes) tcsetattr(tty, TCSANOW, &saved_modes);
}

static void on_fatal(int sig, siginfo_t *info, void *context) {
    int saved_errno = errno;
    restore_terminal();
    omio_temp_unlink_all();
    // The crash report (the Swift backtracer's, called as the handler it is) now prints on the
    // normal screen; not for a signal another process sent with kill, which is no crash.
    int sent = info != NULL && info->si_code <= 0 && info->si_pid != getpid();
    struct sigaction next = previous[sig];
    if (!sent && (next.sa_flags & SA_SIGINFO) && next.sa_sigaction != NULL) {
        next.sa_sigaction(sig, info, context);
    } else if (!sent && next.sa_handler != SIG_DFL && next.sa_handler != SIG_IGN && next.sa_handler != NULL) {
        next.sa_handler(sig);
    }
    // Then the default action, so the exit status names the signal. A fault the kernel raised
    // (si_code > 0) happens again when we return; one sent by kill, raise or abort (and a
    // trap, whose return would step past it) is sent again and arrives as we return.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    if (info == NULL || info->si_code <= 0 || sig == SIGTRAP) raise(sig);
    errno = saved_errno;
}

static void on_termination(int sig) {
    int saved_errno = errno;
    if (pending_termination == 0) {
        pending_termination = sig;
        errno = saved_errno;
        return;
    }
    // Asked twice: the main loop has not got to it (stuck in work); restore and go now.
    restore_terminal();
    omio_temp_unlink_all();
    omio_guard_exit_by_signal(sig);
}

static void restore_at_exit(void) {
    restore_terminal();
    omio_temp_unlink_all();
}

// In-flight temporary outputs, unlinked when the process ends by a signal or exit before it
// renames them. Fixed slots with preallocated buffers: the handler may only read them and call
// unlink(2). A slot is claimed (0 -> 1), filled, then published (1 -> 2); the handler unlinks
// only published slots.
#define OMIO_TEMP_SLOTS 32
#define OMIO_TEMP_PATH 4096
static char temp_paths[OMIO_TEMP_SLOTS][OMIO_TEMP_PATH];
static int temp_state[OMIO_TEMP_SLOTS];

int omio_temp_register(const char *path) {
    size_t n = strlen(path);
    if (n >= OMIO_TEMP_PATH) return -1;
    for (int i = 0; i < OMIO_TEMP_SLOTS; i++) {
        int expected = 0;
        if (!__atomic_compare_exchange_n(&temp_state[i], &expected, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) continue;
        memcpy(temp_paths[i], path, n + 1);
        __atomic_store_n(&temp_state[i], 2, __ATOMIC_SEQ_CST);
        return i;
    }
    return -1;
}

void omio_temp_unregister(int slot) {
    if (slot < 0 || slot >= OMIO_TEMP_SLOTS) return;
    __atomic_store_n(&temp_state[slot], 0, __ATOMIC_SEQ_CST);
}

// Async-signal-safe: atomic loads and unlink(2). A slot is taken back (2 -> 0) before its file
// is unlinked, so two paths to exit (a handler and atexit) unlink each file once.
void omio_temp_unlink_all(void) {
    int saved_errno = errno;
    for (int i = 0; i < OMIO_TEMP_SLOTS; i++) {
        int expected = 2;
        if (__atomic_compare_exchange_n(&temp_state[i], &expected, 3, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            unlink(temp_paths[i]);
    }
    errno = saved_errno;
}

static void on_cli_termination(int sig) {
    omio_temp_unlink_all();
    omio_guard_exit_by_signal(sig);
}

void omio_temp_cleanup_on_signals(void) {
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction term;
    memset(&term, 0, sizeof term);
    term.sa_handler = on_cli_termination;
    sigemptyset(&term.sa_mask);
    sigset_t unblock;
    sigemptyset(&unblock);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction current;
        // A signal the parent made ignored (nohup) stays ignored.
        if (sigaction(sigs[i], NULL, &current) == 0 && current.sa_handler == SIG_IGN) continue;
        sigaction(sigs[i], &term, NULL);
        sigaddset(&unblock, sigs[i]);
    }
    // A parent may have left them blocked (the mask is inherited across exec): the signal
    // would then wait for ever while the command runs to its end.
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    static int registered = 0;
    if (!registered) registered = atexit(omio_temp_unlink_all) == 0;
}

void omio_guard_save(int tty_fd) {
    tty = tty_fd;
    have_saved_modes = tcgetattr(tty_fd, &saved_modes) == 0;
}

void omio_guard_arm(int out_fd, const char *reset, size_t length) {
    static int registered = 0;
    out = out_fd;
    reset_length = length < sizeof reset_bytes ? length : sizeof reset_bytes;
    memcpy(reset_bytes, reset, reset_length);
    omio_guard_thread_altstack();

    sigset_t unblock;
    sigemptyset(&unblock);
    struct sigaction fatal;
    memset(&fatal, 0, sizeof fatal);
    fatal.sa_sigaction = on_fatal;
    fatal.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&fatal.sa_mask);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof *fatal_signals; i++) {
        int sig = fatal_signals[i];
        struct sigaction current;
        // Arming twice must not make our own handler the "previous" one.
        if (sigaction(sig, NULL, &current) == 0 && current.sa_sigaction != on_fatal) previous[sig] = current;
        sigaction(sig, &fatal, NULL);
        sigaddset(&unblock, sig);
    }
    struct sigaction term;
    memset(&term, 0, sizeof term);
    term.sa_handler = on_termination;
    term.sa_flags = SA_ONSTACK;
    sigemptyset(&term.sa_mask);
    for (size_t i = 0; i < sizeof termination_signals / sizeof *termination_signals; i++) {
        sigaction(termination_signals[i], &term, NULL);
        sigaddset(&unblock, termination_signals[i]);
    }
    for (int sig = 1; sig < NSIG; sig++) {
        int other = sig >= SIGRTMIN && sig <= SIGRTMAX;
        for (size_t i = 0; i < sizeof other_ending_signals / sizeof *other_ending_signals; i++)
            other |= other_ending_signals[i] == sig;
        struct sigaction current;
        if (!other || sigaction(sig, NULL, &current) != 0) continue;
        if (current.sa_handler != SIG_DFL && current.sa_handler != on_termination) continue;
        sigaction(sig, &term, NULL);
    }
    // A parent may have left these blocked (the mask is inherited across exec): Ctrl-C would
    // never arrive.
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    if (!registered) registered = atexit(restore_at_exit) == 0;
    __atomic_store_n(&armed, 1, __ATOMIC_SEQ_CST);
}

void omio_guard_palette_changed(void) { palette_changed = 1; }

void omio_guard_disarm(void) { __atomic_store_n(&armed, 0, __ATOMIC_SEQ_CST); }

int omio_guard_termination_signal(void) { return pending_termination; }

void omio_guard_exit_by_signal(int sig) {
    omio_temp_unlink_all();
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig); // only if the default action did not end us
}

static pthread_key_t altstack_key;
static pthread_once_t altstack_once = PTHREAD_ONCE_INIT;

static void free_altstack(void *stack) {
    stack_t off;
    memset(&off, 0, sizeof off);
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, NULL);
    free(stack);
}

static void make_altstack_key(void) { pthread_key_create(&altstack_key, free_altstack); }

void omio_guard_thread_altstack(void) {
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;
    pthread_once(&altstack_once, make_altstack_key);
    // Room for our handler and the Swift backtracer's, which runs on the same stack.
    long minimum = sysconf(_SC_SIGSTKSZ);
    size_t size = 64 * 1024;
    if (minimum > 0 && (size_t)minimum * 4 > size) size = (size_t)minimum * 4;
    void *stack = malloc(size);
    if (stack == NULL) return;
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = stack;
    ss.ss_size = size;
    if (sigaltstack(&ss, NULL) == 0) pthread_setspecific(altstack_key, stack);
    else free(stack);
}

// The probe's raw-mode window (before ncurses, before the guard is armed): a termination signal
// there would end us with the tty in raw no-echo mode, which the shell does not undo.
static struct termios probe_modes;
static volatile sig_atomic_t probe_fd = -1;
static const int probe_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static struct sigaction probe_previous[sizeof probe_signals / sizeof *probe_signals];

static void on_probe_signal(int sig) {
    if (probe_fd >= 0) tcsetattr(probe_fd, TCSANOW, &probe_modes);
    omio_guard_exit_by_signal(sig);
}

void omio_probe_raw_begin(int tty_fd, const void *saved_termios) {
    memcpy(&probe_modes, saved_termios, sizeof probe_modes);
    probe_fd = tty_fd;
    struct sigaction term;
    memset(&term, 0, sizeof term);
    term.sa_handler = on_probe_signal;
    sigemptyset(&term.sa_mask);
    for (size_t i = 0; i < sizeof probe_signals / sizeof *probe_signals; i++) {
        sigaction(probe_signals[i], NULL, &probe_previous[i]);
        // A signal the parent made ignored (nohup) stays ignored.
        if (probe_previous[i].sa_handler == SIG_IGN) continue;
        sigaction(probe_signals[i], &term, NULL);
    }
}

void omio_probe_raw_end(void) {
    for (size_t i = 0; i < sizeof probe_signals / sizeof *probe_signals; i++) {
        if (probe_previous[i].sa_handler == SIG_IGN) continue;
        sigaction(probe_signals[i], &probe_previous[i], NULL);
    }
    probe_fd = -1;
}
