"""A pseudo-terminal for the checks that look at what a person sees.

Runs a command on a pty with a chosen window size in cells and in pixels (ws_xpixel/ws_ypixel),
answers the terminal queries the program writes the way a chosen terminal would (kitty, a sixel
xterm, a terminal that answers only DA1), keeps every byte the program wrote, and feeds the text
to pyte for a screen with glyphs and colours. Graphics sequences (kitty APC, sixel DCS, iTerm2
OSC 1337) are taken out of the stream before pyte sees them and kept with the cursor position
they were written at.
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time

import pyte

ESC = b"\x1b"
ST = b"\x1b\\"

# How each terminal answers. None: it does not answer that query.
PROFILES = {
    # kitty 0.26: kitty graphics, no sixel; XTVERSION and OSC 11 answered.
    "kitty": {"da1": b"\x1b[?62;c", "version": b"kitty(0.26.5)", "kitty": True, "sixel": None, "cell_query": True},
    # xterm -ti vt340 with 256 colour registers: DA1 lists 4 (sixel).
    "xterm-sixel": {"da1": b"\x1b[?63;1;2;4;6;9;15;22c", "version": b"XTerm(379)", "kitty": False,
                    "sixel": (256, 1000, 1000), "cell_query": True},
    # A VT220-like terminal: DA1 only (no sixel, no kitty), no OSC 11, no cell size.
    "plain": {"da1": b"\x1b[?62;1;6c", "version": None, "kitty": False, "sixel": None, "cell_query": False},
    # Answers nothing at all (a serial line, a dumb multiplexer).
    "silent": {"da1": None, "version": None, "kitty": False, "sixel": None, "cell_query": False},
}

# xterm's default 16 colours, and the names pyte gives them.
XTERM16 = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
]
PYTE_NAMES = ["black", "red", "green", "brown", "blue", "magenta", "cyan", "white"]


def rgb_of(color, default):
    """pyte's colour ('default', a name, or 'rrggbb') as (r, g, b); `default` for 'default'."""
    if color == "default":
        return default
    if color in PYTE_NAMES:
        return XTERM16[PYTE_NAMES.index(color)]
    if color.startswith("bright") and color[6:] in PYTE_NAMES:
        return XTERM16[8 + PYTE_NAMES.index(color[6:])]
    if color == "brightbrown":
        return XTERM16[11]
    if re.fullmatch(r"[0-9a-fA-F]{6}", color):
        return tuple(int(color[i:i + 2], 16) for i in (0, 2, 4))
    raise ValueError(f"unknown pyte colour {color!r}")


def contrast_ratio(a, b):
    """WCAG 2 contrast ratio of two sRGB colours."""
    def lum(c):
        def ch(v):
            v = v / 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        r, g, b = (ch(v) for v in c)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    la, lb = sorted((lum(a), lum(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


class FakeTerminal:
    """`argv` on a pty of `rows` x `cols` cells; `cell` (w, h) px sets ws_xpixel/ws_ypixel (None:
    zeros, as terminals that do not fill them); `profile` names how queries are answered;
    `background` (r, g, b) answers OSC 11 (None: not answered)."""

    def __init__(self, argv, rows=40, cols=120, cell=(8, 16), profile="plain", background=None,
                 foreground=(229, 229, 229), env=None, cwd=None, answer_cell_query=None, reply_delay=0.0):
        self.rows, self.cols, self.cell = rows, cols, cell
        self.profile = dict(PROFILES[profile])
        if answer_cell_query is not None:
            self.profile["cell_query"] = answer_cell_query
        self.background, self.foreground = background, foreground
        # A slow link: every reply is written `reply_delay` seconds after its query (by pump).
        self.reply_delay, self._late = reply_delay, []
        self.raw = bytearray()
        self.images = []  # {"kind", "row", "col", "bytes", "at"}
        self.queries = []  # names of the queries seen, in order
        self._pending = b""
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        e = dict(os.environ)
        e.setdefault("TERM", "xterm-256color")
        e.setdefault("LANG", "C.UTF-8")
        e.update(env or {})
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            if cwd:
                os.chdir(cwd)
            try:
                os.execvpe(argv[0], argv, e)
            finally:
                os._exit(127)
        self.set_size(rows, cols, cell)

    def set_size(self, rows, cols, cell):
        """Resize the window (the program gets SIGWINCH)."""
        self.rows, self.cols, self.cell = rows, cols, cell
        xp, yp = (cell[0] * cols, cell[1] * rows) if cell else (0, 0)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, xp, yp))
        self.screen.resize(rows, cols)

    # -- reading ---------------------------------------------------------------------------
    def pump(self, seconds=0.2):
        """Read and answer for `seconds`; returns False once the program has exited."""
        end = time.monotonic() + seconds
        while True:
            now = time.monotonic()
            while self._late and self._late[0][0] <= now:
                os.write(self.fd, self._late.pop(0)[1])
            left = end - now
            if left <= 0:
                return True
            r, _, _ = select.select([self.fd], [], [], min(left, 0.05))
            if not r:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            self.raw += data
            self._feed(data)

    def wait_for(self, predicate, timeout=15.0):
        """Pump until predicate(self) is true; False on timeout or exit."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate(self):
                return True
            if not self.pump(0.1):
                return predicate(self)
        return predicate(self)

    def send(self, keys):
        os.write(self.fd, keys.encode() if isinstance(keys, str) else keys)

    def close(self, timeout=10.0):
        """Wait for the exit (after the caller sent its quit key); kill past `timeout`. Returns the
        exit status (negative: killed by that signal)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)

    # -- the screen ------------------------------------------------------------------------
    def text(self):
        return "\n".join(self.screen.display)

    def char(self, row, col):
        return self.screen.buffer[row][col]

    def colors(self, row, col):
        """(fg, bg) of a cell as RGB, reverse video applied."""
        c = self.char(row, col)
        bg_default = self.background or (0, 0, 0)
        fg, bg = rgb_of(c.fg, self.foreground), rgb_of(c.bg, bg_default)
        return (bg, fg) if c.reverse else (fg, bg)

    # -- the stream ------------------------------------------------------------------------
    def _answer(self, reply):
        if reply and self.reply_delay:
            self._late.append((time.monotonic() + self.reply_delay, reply))
        elif reply:
            os.write(self.fd, reply)

    def _feed(self, data):
        buf = self._pending + data
        self._pending = b""
        text = bytearray()
        i = 0
        n = len(buf)
        while i < n:
            b = buf[i]
            if b != 0x1B:
                text.append(b)
                i += 1
                continue
            if i + 1 >= n:
                self._pending = buf[i:]
                break
            k = buf[i + 1]
            if k in (0x5F, 0x50, 0x5D):  # APC _, DCS P, OSC ]: up to ST (or BEL for OSC)
                end = buf.find(ST, i + 2)
                bel = buf.find(b"\x07", i + 2) if k == 0x5D else -1
                if bel != -1 and (end == -1 or bel < end):
                    seq, i2 = buf[i:bel + 1], bel + 1
                elif end != -1:
                    seq, i2 = buf[i:end + 2], end + 2
                else:
                    self._pending = buf[i:]
                    break
                self._flush_text(text)
                text = bytearray()
                self._sequence(bytes(seq))
                i = i2
                continue
            if k == 0x5B:  # CSI: parameters up to a final byte 0x40-0x7E
                j = i + 2
                while j < n and not (0x40 <= buf[j] <= 0x7E):
                    j += 1
                if j >= n:
                    self._pending = buf[i:]
                    break
                seq = bytes(buf[i:j + 1])
                if self._csi_query(seq):
                    self._flush_text(text)
                    text = bytearray()
                else:
                    text += seq
                i = j + 1
                continue
            text += buf[i:i + 2]
            i += 2
        self._flush_text(text)

    def _flush_text(self, text):
        if text:
            self.stream.feed(bytes(text))

    def _csi_query(self, seq):
        """Answers a CSI query; True when `seq` was one (it is not fed to pyte)."""
        p = self.profile
        cw, ch = self.cell or (8, 16)
        if seq in (b"\x1b[c", b"\x1b[0c"):
            self.queries.append("DA1")
            self._answer(p["da1"])
            return True
        if seq in (b"\x1b[>q", b"\x1b[>0q"):
            self.queries.append("XTVERSION")
            if p["version"]:
                self._answer(b"\x1bP>|" + p["version"] + ST)
            return True
        if seq == b"\x1b[16t":
            self.queries.append("CSI16t")
            if p["cell_query"] and self.cell:
                self._answer(b"\x1b[6;%d;%dt" % (ch, cw))
            return True
        if seq == b"\x1b[14t":
            self.queries.append("CSI14t")
            if p["cell_query"] and self.cell:
                self._answer(b"\x1b[4;%d;%dt" % (ch * self.rows, cw * self.cols))
            return True
        m = re.fullmatch(rb"\x1b\[\?([12]);1;0S", seq)
        if m:
            self.queries.append("XTSMGRAPHICS")
            if p["sixel"]:
                regs, w, h = p["sixel"]
                self._answer(b"\x1b[?1;0;%dS" % regs if m.group(1) == b"1" else b"\x1b[?2;0;%d;%dS" % (w, h))
            elif p["da1"] is not None:
                self._answer(b"\x1b[?%s;1;0S" % m.group(1))  # item unsupported
            return True
        return False

    def _sequence(self, seq):
        kind = seq[1:2]
        row, col = self.screen.cursor.y, self.screen.cursor.x
        if kind == b"_" and seq.startswith(b"\x1b_G"):
            body = seq[3:-2]
            control = body.split(b";", 1)[0]
            keys = dict(kv.split(b"=", 1) for kv in control.split(b",") if b"=" in kv)
            if keys.get(b"a") == b"q":
                self.queries.append("kitty-query")
                if self.profile["kitty"]:
                    self._answer(b"\x1b_Gi=" + keys.get(b"i", b"0") + b";OK" + ST)
                return
            self.images.append({"kind": "kitty", "row": row, "col": col, "bytes": seq, "at": time.monotonic(), "keys": keys})
            return
        if kind == b"P" and re.match(rb"\x1bP[0-9;]*q", seq):
            self.images.append({"kind": "sixel", "row": row, "col": col, "bytes": seq, "at": time.monotonic()})
            return
        if kind == b"]":
            if seq.startswith(b"\x1b]11;?"):
                self.queries.append("OSC11")
                if self.background is not None:
                    r, g, b = self.background
                    self._answer(b"\x1b]11;rgb:%04x/%04x/%04x" % (r * 257, g * 257, b * 257) + ST)
                return
            if seq.startswith(b"\x1b]1337;File="):
                self.images.append({"kind": "iterm", "row": row, "col": col, "bytes": seq, "at": time.monotonic()})
                return
        # Anything else (titles, palette changes): pyte may understand it.
        self.stream.feed(seq)
