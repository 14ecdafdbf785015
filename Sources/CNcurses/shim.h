#ifndef OMIO_CNCURSES_SHIM_H
#define OMIO_CNCURSES_SHIM_H
// Wide-character ncurses: these must precede the include or cchar_t & co. are hidden.
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

// Macros Swift cannot see, as functions.
static inline attr_t omio_a_normal(void) { return A_NORMAL; }
static inline attr_t omio_a_bold(void) { return A_BOLD; }
static inline attr_t omio_a_reverse(void) { return A_REVERSE; }
static inline attr_t omio_a_dim(void) { return A_DIM; }
static inline attr_t omio_a_underline(void) { return A_UNDERLINE; }
static inline int omio_colors(void) { return COLORS; }
static inline int omio_color_pairs(void) { return COLOR_PAIRS; }
static inline WINDOW *omio_stdscr(void) { return stdscr; }

// One character cell with an attribute and an extended colour pair (pairs above 32767
// travel through the opts pointer).
static inline int omio_put_cell(int y, int x, wchar_t ch, attr_t attr, int pair) {
    cchar_t cell;
    wchar_t text[2] = {ch, 0};
    if (setcchar(&cell, text, attr, 0, &pair) != OK) return ERR;
    return mvadd_wch(y, x, &cell);
}

// A run of characters with one attribute and pair.
static inline int omio_put_text(int y, int x, const wchar_t *s, int n, attr_t attr, int pair) {
    attr_set(attr, 0, &pair);
    int rc = mvaddnwstr(y, x, s, n);
    attr_set(A_NORMAL, 0, NULL);
    return rc;
}
// Loads terminfo for `term` without touching the terminal (capabilities are read with
// tigetnum/tigetflag/tigetstr), and unloads it again.
static inline int omio_setupterm(const char *term, int fd, int *status) { return setupterm(term, fd, status); }
static inline void omio_unload_terminfo(void) {
    TERMINAL *t = set_curterm(NULL);
    if (t) del_curterm(t);
}
#endif
