"""What a person sees of the cell shape and the colours (issue 19).

1. A square image (equal PhysicalSizeX/Y) is drawn square within 5 % when the terminal's cells
   are 7x17 px, 9x18 px (TIOCGWINSZ ws_xpixel/ws_ypixel) or unknown (the 2:1 assumption, and the
   status line says so): in the TUI (the preview's extent in cells, read off a pyte screen; and
   after a font size change, re-measured on SIGWINCH), in
   `render` on a terminal, and in `render --cell-size` into a pipe.
2. With the terminal answering OSC 11 white and then black (no COLORFGBG, no OMIO_THEME), every
   coloured text cell outside the image (panes, badges, warnings, status line, help overlay)
   has a WCAG contrast ratio of at least 4.5 against its background; bold text in colours 0-7
   is also checked in the bright colour xterm shows it in.
   A key typed while the probe waits for a terminal that answers nothing is not lost, and acts
   once the file is open. Ctrl-C during the probe gives the shell its tty modes back. Replies
   that arrive after the probe gave up are no keys, and `render` leaves none for the shell.
   In 256 colours with the palette redefined as a single channel's ramp, the UI keeps its
   contrast; NO_COLOR / --colors none use no colour codes, --colors 8 no more than 8 colours.
3. In a real xterm (-ti vt340) and kitty under Xvfb with their default fonts, `render` of a red
   square on the terminal: the red area's bounding box is square within 5 % (skipped with the
   reason when Xvfb, xterm or kitty is missing).

Usage: check_cells.py OMIO_TUI_BINARY   (exit 1 on the first failure)
"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import tifffile

from fake_terminal import FakeTerminal, contrast_ratio, rgb_of, PYTE_NAMES
import xterminals

SGR = re.compile(r"\x1b\[[0-9;]*m")
CELLS = [(7, 17), (9, 18), None]
ROWS, COLS = 40, 160
ENV = {"COLORTERM": "truecolor", "COLORFGBG": "", "OMIO_THEME": "", "OMIO_PROBE_TIMEOUT_MS": "3000"}


def fail(message):
    print(f"check_cells: FAIL: {message}")
    sys.exit(1)


def write_square(path, rgb=False):
    """A 240x240 image with 0.5 um square pixels: noise (every preview cell coloured), or a solid
    red RGB square."""
    if rgb:
        data = np.zeros((240, 240, 3), np.uint8)
        data[..., 0] = 255
        tifffile.imwrite(path, data, photometric="rgb", metadata={"axes": "YXS", "PhysicalSizeX": 0.5, "PhysicalSizeY": 0.5})
    else:
        data = np.random.default_rng(19).integers(60, 250, (240, 240), dtype=np.uint8)
        tifffile.imwrite(path, data, metadata={"axes": "YX", "PhysicalSizeX": 0.5, "PhysicalSizeY": 0.5})


def image_box(term, left, top=1):
    """Rows and columns of the cells right of `left` and below `top` (the TUI's pane titles)
    with a coloured background (the image), above the last row (the status line)."""
    rows, cols = [], []
    for y in range(top, term.rows - 1):
        for x in range(left, term.cols):
            if term.char(y, x).bg != "default":
                rows.append(y)
                cols.append(x)
    if not rows:
        return None
    return min(rows), max(rows), min(cols), max(cols)


def check_shape(what, cell, ncols, nrows):
    w, h = cell or (8, 16)
    shape = ncols * w / (nrows * h)
    print(f"check_cells: {what} cell {cell or 'unknown'}: {ncols}x{nrows} cells, width/height {shape:.3f}")
    if abs(shape - 1) > 0.05:
        fail(f"{what} with cells {cell}: a square is drawn {ncols}x{nrows} cells, width/height {shape:.3f}")


def tui_square(binary, square):
    # The cells measured (or not), then forced with --cell-size where nothing is measured.
    for cell, forced in [(c, None) for c in CELLS] + [(None, (7, 17))]:
        argv = [binary, square] + (["--cell-size", "%dx%d" % forced] if forced else [])
        term = FakeTerminal(argv, rows=ROWS, cols=COLS, cell=cell, profile="plain", env=ENV)
        try:
            left = min(max(32, COLS * 36 // 100), 64) + 1
            if not term.wait_for(lambda t: image_box(t, left) is not None and "plane auto" in t.screen.display[-1], 60):
                fail(f"TUI with cells {cell}: no image drawn\n{term.text()}")
            term.pump(0.5)
            y0, y1, x0, x1 = image_box(term, left)
            check_shape("TUI --cell-size" if forced else "TUI", forced or cell, x1 - x0 + 1, y1 - y0 + 1)
            status = term.screen.display[-1]
            if ("cell aspect assumed" in status) != (cell is None and forced is None):
                fail(f"TUI with cells {cell}: status line {status!r}")
            if cell == CELLS[0] and not forced:
                # A font size change: the same window in cells, bigger cells (SIGWINCH).
                before = (x1 - x0 + 1, y1 - y0 + 1)
                term.set_size(ROWS, COLS, (10, 20))
                term.wait_for(lambda t: (lambda b: b and (b[3] - b[2] + 1, b[1] - b[0] + 1) != before)(image_box(t, left)), 30)
                term.pump(0.5)
                y0, y1, x0, x1 = image_box(term, left)
                check_shape("TUI after a font change", (10, 20), x1 - x0 + 1, y1 - y0 + 1)
            term.send("q")
        finally:
            term.close()


def render_square(binary, square):
    for cell in CELLS:
        # On a terminal: the window ioctl's pixels.
        term = FakeTerminal([binary, "render", square, "--height", "30"], rows=ROWS, cols=COLS, cell=cell, profile="plain", env=ENV)
        # Read to the end (the pty reports EIO once the program has gone and all is read).
        term.wait_for(lambda t: False, 60)
        term.close(10)
        box = image_box(term, 0, top=0)
        if box is None:
            fail(f"render on a terminal with cells {cell}: nothing drawn")
        check_shape("render on a terminal", cell, box[3] - box[2] + 1, box[1] - box[0] + 1)
        # Into a pipe: --cell-size (none: 8x16).
        args = [binary, "render", square, "--width", str(COLS), "--height", str(ROWS)]
        if cell:
            args += ["--cell-size", f"{cell[0]}x{cell[1]}"]
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        lines = [SGR.sub("", line) for line in out.splitlines()]
        check_shape("render --cell-size", cell, max(len(line) for line in lines), len(lines))


def typed_during_probe(binary, square):
    """A key typed while the probe waits for a terminal that answers nothing reaches the
    inspector: `q` typed at once quits it."""
    import time
    term = FakeTerminal([binary, square], rows=ROWS, cols=COLS, cell=None, profile="silent",
                        env=dict(ENV, OMIO_PROBE_TIMEOUT_MS="1500"))
    term.send("q")
    start = time.monotonic()
    status = term.close(20)
    took = time.monotonic() - start
    print(f"check_cells: q typed during the probe: exit {status} after {took:.1f} s")
    if status != 0 or took > 15:
        fail(f"q typed during the probe was lost (exit {status} after {took:.1f} s)\n{term.text()}")
    if "DA1" not in term.queries or term.queries[-1] != "DA1":
        fail(f"the probe's queries, DA1 last: {term.queries}")


def typed_during_start(binary, square):
    """`m` (min/max contrast) typed at once, while the probe waits for a silent terminal, acts on
    the file once it is open: not lost, not applied to a viewer that does not exist yet."""
    term = FakeTerminal([binary, square], rows=ROWS, cols=COLS, cell=None, profile="silent",
                        env=dict(ENV, OMIO_PROBE_TIMEOUT_MS="800"))
    try:
        term.send("m")
        if not term.wait_for(lambda t: "plane min/max" in t.screen.display[-1], 30):
            fail(f"m typed during start was lost: {term.screen.display[-1]!r}")
        print("check_cells: m typed during the probe: applied once the file opened")
        term.send("q")
    finally:
        term.close()


def late_replies(binary, square, folder):
    """Replies that arrive after the probe gave up are no keys (`rgb:` has a `g`, gamma) and, after
    `render`, are neither echoed nor left for the shell."""
    env = dict(ENV, OMIO_PROBE_TIMEOUT_MS="300")
    term = FakeTerminal([binary, square], rows=ROWS, cols=COLS, cell=None, profile="kitty", background=(0, 0, 0),
                        env=env, reply_delay=0.45)
    try:
        if not term.wait_for(lambda t: "plane auto" in t.screen.display[-1], 30):
            fail(f"late replies: the file did not open\n{term.text()}")
        term.pump(1.0)
        status = term.screen.display[-1]
        if "plane auto" not in status or "γ" in status or "help" in term.screen.display[0].lower() and "omio-tui keys" in term.text():
            fail(f"late replies were read as keys: {status!r}")
        term.send("q")
    finally:
        term.close()
    # render, then the shell reads what is left in the terminal's input.
    script = f"{binary} render {square} --width 20 --height 5; printf 'LEFT['; stty -icanon -echo min 0 time 5; cat; printf ']END'"
    term = FakeTerminal(["sh", "-c", script], rows=ROWS, cols=COLS, cell=None, profile="kitty", background=(0, 0, 0),
                        env=env, reply_delay=0.4)
    term.wait_for(lambda t: "]END" in t.text(), 30)
    term.close(5)
    text = term.text()
    left = text[text.find("LEFT[") + 5:text.find("]END")] if "LEFT[" in text else None
    if left is None or left.strip() or "rgb:" in text or "kitty(" in text:
        fail(f"render left late replies on the screen or for the shell: {left!r}\n{text}")
    print("check_cells: late replies: no keys in the TUI, nothing left after render")


def interrupted_probe(binary, square):
    """Ctrl-C while the probe waits (raw, no echo) ends the program with the shell's modes back."""
    import time
    for profile, at in [("silent", 0.1), ("plain", 0.02)]:
        # The shell (in the same process group) lives on to report the modes.
        script = f"trap 'echo INT' INT; {binary} {square}; echo RC=$?; stty -a | grep -oE '(-)?(echo|icanon|icrnl|isig) ' | tr -d '\n'; echo MODES"
        term = FakeTerminal(["sh", "-c", script], rows=ROWS, cols=COLS, cell=None, profile=profile,
                            env=dict(ENV, OMIO_PROBE_TIMEOUT_MS="1500"))
        term.pump(at)
        term.send("\x03")
        term.wait_for(lambda t: "MODES" in t.text(), 20)
        term.close(5)
        text = term.text()
        line = next((l for l in text.splitlines() if "MODES" in l), "")
        print(f"check_cells: Ctrl-C at {at} s ({profile}): {' '.join(l.strip() for l in text.splitlines() if 'RC=' in l or 'MODES' in l)}")
        if "RC=130" not in text or "-" in line or "icanon" not in line or "echo" not in line:
            fail(f"Ctrl-C at {at} s during the probe ({profile}): {text!r}")


def ramp_contrast(binary, square):
    """256 colours without truecolor: a single channel redefines palette entries 16-255 as its
    ramp, and the pairs are reset; every UI text keeps its colours (no black on black)."""
    env = {k: v for k, v in ENV.items() if k != "COLORTERM"}
    env.update(COLORTERM="", TERM="xterm-256color")
    term = FakeTerminal([binary, square, "--colors", "256"], rows=ROWS, cols=COLS, cell=(8, 16), profile="plain",
                        background=(0, 0, 0), env=env)
    try:
        left = min(max(32, COLS * 36 // 100), 64) + 1
        if not term.wait_for(lambda t: image_box(t, left) is not None and "plane auto" in t.screen.display[-1], 60):
            fail(f"256-colour ramp: no image\n{term.text()}")
        term.pump(0.5)
        if b"\x1b]4;" not in term.raw:
            fail("256-colour ramp: the palette was not redefined (no OSC 4): the check checks nothing")
        found = colour_cells(term, image_box(term, left))
        for y, x, ch, fg, bg, c in found:
            if contrast_ratio(fg, bg) < 4.5:
                fail(f"256-colour ramp: {ch!r} at row {y} col {x}: {fg} on {bg} ({c.fg}/{c.bg})\n  {term.screen.display[y]}")
        print(f"check_cells: 256-colour ramp: {len(found)} coloured text cells, all >= 4.5")
        term.send("q")
    finally:
        term.close()


def no_colour(binary, square):
    """NO_COLOR and --colors none: the UI uses no colour codes at all; --colors 8 no more than 8."""
    colour = re.compile(rb"\x1b\[([0-9;]*)m")
    for extra, env, allowed in [([], {"NO_COLOR": "1"}, 0), (["--colors", "none"], {}, 0), (["--colors", "8"], {}, 8)]:
        e = dict(ENV, COLORTERM="", TERM="xterm-256color", **env)
        term = FakeTerminal([binary, square] + extra, rows=ROWS, cols=COLS, cell=(8, 16), profile="plain", background=(0, 0, 0), env=e)
        try:
            term.wait_for(lambda t: "µm/px" in t.screen.display[-1], 30)
            term.pump(0.5)
            term.send("q")
        finally:
            term.close()
        used = set()
        for m in colour.finditer(bytes(term.raw)):
            params = [int(p) if p else 0 for p in m.group(1).split(b";")]
            i = 0
            while i < len(params):
                p = params[i]
                if p in (38, 48):
                    used.add(("extended", tuple(params[i:i + 5])))
                    i += 5 if i + 1 < len(params) and params[i + 1] == 2 else 3
                    continue
                if 30 <= p <= 37 or 40 <= p <= 47:
                    used.add(p % 10)
                if 90 <= p <= 97 or 100 <= p <= 107:
                    used.add(8 + p % 10)
                i += 1
        bad = {u for u in used if not (isinstance(u, int) and u < allowed)}
        print(f"check_cells: {' '.join(extra) or 'NO_COLOR=1'}: colours used {sorted(map(str, used))}")
        if bad:
            fail(f"{' '.join(extra) or 'NO_COLOR=1'}: colours past the rung: {sorted(map(str, bad))}")


def theme_warning(binary, square, folder):
    """A misspelt OMIO_THEME is said once on stderr (and the TUI still starts)."""
    err = os.path.join(folder, "theme.err")
    term = FakeTerminal(["sh", "-c", f"{binary} {square} 2>{err}"], rows=ROWS, cols=COLS, cell=(8, 16), profile="plain",
                        env=dict(ENV, OMIO_THEME="bogus"))
    try:
        term.wait_for(lambda t: "µm/px" in t.screen.display[-1], 30)
        term.send("q")
    finally:
        term.close()
    lines = open(err).read().splitlines()
    if lines != ["omio-tui: warning: OMIO_THEME: 'bogus' is not 'dark' or 'light'; ignored"]:
        fail(f"OMIO_THEME=bogus: stderr {lines!r}")
    print("check_cells: OMIO_THEME=bogus: one warning line")


def colour_cells(term, skip):
    """(row, col, char, fg, bg) of every visible character drawn with a colour, outside `skip`."""
    out = []
    for y in range(term.rows):
        for x in range(term.cols):
            c = term.char(y, x)
            if skip and skip[0] <= y <= skip[1] and skip[2] <= x <= skip[3]:
                continue
            if c.data.strip() == "" or (c.fg == "default" and c.bg == "default"):
                continue
            fg, bg = term.colors(y, x)
            out.append((y, x, c.data, fg, bg, c))
    return out


def check_contrast(binary, folder, square):
    nophys = os.path.join(folder, "b_no_pixel_size.tif")
    for name, background, foreground in [("white", (255, 255, 255), (0, 0, 0)), ("black", (0, 0, 0), (229, 229, 229))]:
        term = FakeTerminal([binary, nophys], rows=ROWS, cols=COLS, cell=(8, 16), profile="plain", background=background,
                            foreground=foreground, env=ENV)
        try:
            left = min(max(32, COLS * 36 // 100), 64) + 1
            if not term.wait_for(lambda t: image_box(t, left) is not None and "(default)" in t.text(), 60):
                fail(f"contrast on {name}: the file did not open\n{term.text()}")
            term.pump(0.5)
            screens = [("panes", image_box(term, left))]
            cells = [(label, colour_cells(term, box)) for label, box in screens]
            term.send("?")
            term.wait_for(lambda t: "omio-tui keys" in t.text(), 20)
            term.pump(0.5)
            cells.append(("help", colour_cells(term, None)))
            term.send("q")
            term.pump(0.3)
            term.send("q")
        finally:
            term.close()
        checked, worst = 0, None
        for label, found in cells:
            for y, x, ch, fg, bg, c in found:
                variants = [fg]
                # xterm shows bold text in colours 0-7 in the bright colours 8-15.
                fg_name = c.bg if c.reverse else c.fg
                if c.bold and fg_name in PYTE_NAMES:
                    variants.append(rgb_of("bright" + fg_name, None))
                for f in variants:
                    ratio = contrast_ratio(f, bg)
                    checked += 1
                    if worst is None or ratio < worst[0]:
                        worst = (ratio, label, y, x, ch, f, bg)
                    if ratio < 4.5:
                        row = term.screen.display[y]
                        fail(f"on {name} ({label}): {ch!r} at row {y} col {x}, fg {f} on bg {bg}: {ratio:.2f} < 4.5\n  {row}")
        if checked < 50:
            fail(f"on {name}: only {checked} coloured text cells found")
        print(f"check_cells: on {name}: {checked} coloured text cells, lowest contrast {worst[0]:.2f} ({worst[1]} {worst[4]!r})")


def red_box(shot):
    red = (shot[..., 0] > 180) & (shot[..., 1] < 80) & (shot[..., 2] < 80)
    ys, xs = np.nonzero(red)
    if len(ys) == 0:
        return None
    return xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


def real_terminals(binary, red):
    gone = xterminals.missing()
    if gone:
        print(f"check_cells: real terminals SKIPPED: not installed: {', '.join(gone)}")
        return
    import time
    with xterminals.Display() as display:
        for kind in ("xterm", "kitty"):
            # Block glyphs: the cell geometry this check is about (real pixels have their own checks).
            command = f"COLORTERM=truecolor {binary} render {red} --height 30 --graphics blocks; sleep 60"
            window = display.run(kind, command, geometry=(100, 36))
            box = None
            for _ in range(60):
                time.sleep(0.5)
                box = red_box(window.shot())
                if box and box[0] > 50:
                    time.sleep(0.5)
                    box = red_box(window.shot())
                    break
            window.close()
            if box is None:
                fail(f"{kind}: no red square on screen")
            w, h = box
            print(f"check_cells: {kind} (default font): red square {w}x{h} px, width/height {w / h:.3f}")
            if abs(w / h - 1) > 0.05:
                fail(f"{kind}: the square is drawn {w}x{h} px (width/height {w / h:.3f})")


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as folder:
        square = os.path.join(folder, "a_square.ome.tif")
        write_square(square)
        red = os.path.join(folder, "c_red_square.tif")
        write_square(red, rgb=True)
        # No pixel size: the tree's "(default)" warnings and badges.
        tifffile.imwrite(os.path.join(folder, "b_no_pixel_size.tif"), np.random.default_rng(1).integers(0, 4000, (3, 64, 64), dtype=np.uint16))
        tui_square(binary, square)
        render_square(binary, square)
        typed_during_probe(binary, square)
        typed_during_start(binary, square)
        interrupted_probe(binary, square)
        late_replies(binary, square, folder)
        ramp_contrast(binary, square)
        no_colour(binary, square)
        theme_warning(binary, square, folder)
        check_contrast(binary, folder, square)
        real_terminals(binary, red)
    print("check_cells: ok")


if __name__ == "__main__":
    main()
