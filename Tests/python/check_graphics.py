"""Real pixels in the inspector and in `render` (issue 17), as a terminal receives them.

On a pseudo-terminal (fake_terminal.py) that answers like kitty and like a sixel xterm: the
preview goes out as an image at the preview's top-left, `]` sends a new one in the same place
(kitty: the same image id, so it replaces the old), `?` hides it and it comes back, and after
`q` none is left. A plain terminal and tmux without allow-passthrough draw blocks and say why
in the status line. Then real terminals under Xvfb (xterminals.py): `xterm -ti vt340` (sixel)
and kitty run `render --graphics auto` and the inspector; the image region of a window
screenshot must correlate >= 0.97 with the plane (block characters reach about 0.90).

usage: check_graphics.py OMIO_TUI_BIN
"""
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np
import tifffile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from fake_terminal import FakeTerminal  # noqa: E402
import xterminals  # noqa: E402

STACK = os.path.join(ROOT, "example_data", "hyperstack_T3_Z5_C2.tif")  # Z steps with ]
PLANE = os.path.join(ROOT, "example_data", "multipage_T5.tif")  # one channel: compared by eye
CELL = (10, 20)
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)
    return ok


# -- kitty stream ---------------------------------------------------------------------------
def kitty_events(term):
    """The kitty commands in order: ('T', transmission) with keys, position and payload, or
    ('d', keys) for a delete."""
    events, current = [], None
    for im in term.images:
        if im["kind"] != "kitty":
            continue
        keys = {k.decode(): v.decode() for k, v in im["keys"].items()}
        data = im["bytes"][3:-2].split(b";", 1)
        payload = data[1] if len(data) > 1 else b""
        if keys.get("a") == "T":
            current = {"keys": keys, "row": im["row"], "col": im["col"], "payload": bytearray(payload), "done": keys.get("m") != "1"}
            events.append(("T", current))
        elif keys.get("a") == "d":
            events.append(("d", keys))
        elif current is not None and not current["done"]:
            current["payload"] += payload
            current["done"] = keys.get("m") != "1"
    return events


def kitty_pixels(tr):
    raw = base64.b64decode(bytes(tr["payload"]))
    if tr["keys"].get("o") == "z":
        raw = zlib.decompress(raw)
    w, h = int(tr["keys"]["s"]), int(tr["keys"]["v"])
    return np.frombuffer(raw, dtype=np.uint8).reshape(h, w, 3)


def frames(term):
    return [e[1] for e in kitty_events(term) if e[0] == "T" and e[1]["done"]]


def finish(term):
    """Ends the program if a check left it running (closing twice is harmless)."""
    try:
        term.close(2)
    except OSError:
        pass


def status(term):
    return term.text().splitlines()[-1]


def inspector(binary, profile, env, cols=120, rows=40, args=()):
    return FakeTerminal([binary, *args, STACK], rows=rows, cols=cols, cell=CELL, profile=profile, env=env, cwd=ROOT)


def kitty_session(binary):
    t = inspector(binary, "kitty", {"TERM": "xterm-kitty", "COLORTERM": "truecolor"})
    try:
        check(t.wait_for(lambda t: len(frames(t)) >= 1, 20), "kitty: the preview goes out as a kitty image")
        first = frames(t)[-1]
        k = first["keys"]
        check(k.get("i") == "1" and k.get("p") == "1" and k.get("C") == "1" and k.get("q") == "2",
              f"kitty: fixed image/placement id, cursor kept, replies off ({k})")
        check(first["col"] > 40 and 0 < first["row"] < 5, f"kitty: placed at the preview's top-left (row {first['row']}, col {first['col']})")
        px = kitty_pixels(first)
        check(px.shape[0] > 50 and px.std() > 5, f"kitty: a real picture decoded ({px.shape[1]}x{px.shape[0]} px)")
        check("kitty" in status(t), f"kitty: status line names it ({status(t).strip()[-40:]})")
        n = len(frames(t))
        t.send("]")
        check(t.wait_for(lambda t: len(frames(t)) > n, 10), "kitty: ] sends a new frame")
        second = frames(t)[-1]
        check(second["keys"].get("i") == "1" and (second["row"], second["col"]) == (first["row"], first["col"]),
              "kitty: the new frame has the same id at the same place (replaces the old)")
        check(not np.array_equal(kitty_pixels(second), px), "kitty: the new frame shows another plane")
        check(not any(e[0] == "d" for e in kitty_events(t)), "kitty: stepping deletes nothing (no flicker)")
        n = len(kitty_events(t))
        t.send("?")
        check(t.wait_for(lambda t: any(e[0] == "d" for e in kitty_events(t)[n:]), 5), "kitty: help (?) hides the image")
        n = len(frames(t))
        t.send("?")
        check(t.wait_for(lambda t: len(frames(t)) > n, 5), "kitty: the image comes back when help closes")
        before = frames(t)[-1]["keys"]
        n = len(frames(t))
        t.set_size(30, 100, CELL)
        check(t.wait_for(lambda t: len(frames(t)) > n and frames(t)[-1]["keys"].get("r") != before.get("r"), 10),
              "kitty: a resize re-encodes at the new size")
        t.send("q")
        code = t.close()
        ev = kitty_events(t)
        check(code == 0 and ev and ev[-1][0] == "d", f"kitty: after q the last command deletes the image (exit {code}, last {ev[-1] if ev else None})")
    finally:
        finish(t)


def kitty_crash(binary):
    """A crash (a Swift runtime trap) still deletes the image: the signal handler writes
    kitty's delete-all with the rest of the terminal reset."""
    t = inspector(binary, "kitty", {"TERM": "xterm-kitty", "OMIO_CRASH_DRILL": "trap", "SWIFT_BACKTRACE": "enable=no"})
    try:
        t.wait_for(lambda t: len(frames(t)) >= 1, 20)
        t.send("!")
        code = t.close()
        ev = kitty_events(t)
        check(code in (-4, -5, 132, 133) and bool(frames(t)) and ev[-1][0] == "d" and ev[-1][1].get("d") == "A",
              f"kitty: after a crash (exit {code}) the last command deletes every image")
    finally:
        finish(t)


def terminal_lost(binary):
    """Closing the terminal window (the pty master goes away) ends the inspector as the
    hang-up it is (SIGHUP, 129), while it draws images or blocks: writes that fail with EIO
    must not trap (Foundation's FileHandle.write did: SIGILL, 132). `render` into a pipe whose
    reader has gone ends quietly by SIGPIPE or with one error line, never a trap."""
    import signal
    for profile, env in (("kitty", {"TERM": "xterm-kitty"}), ("plain", {"TERM": "xterm-256color"})):
        t = inspector(binary, profile, {**env, "SWIFT_BACKTRACE": "enable=no"})
        try:
            t.wait_for(lambda t: "hyperstack" in t.text(), 20)
            t.send("]]]")  # the painter is writing when the window goes
            os.close(t.fd)
            status = None
            for _ in range(100):
                pid, st = os.waitpid(t.pid, os.WNOHANG)
                if pid:
                    status = os.waitstatus_to_exitcode(st)
                    break
                time.sleep(0.1)
            if status is None:
                os.kill(t.pid, signal.SIGKILL)
                os.waitpid(t.pid, 0)
            check(status == -signal.SIGHUP, f"{profile}: closing the terminal ends the inspector by SIGHUP (status {status})")
        finally:
            t.fd = os.open("/dev/null", os.O_RDWR)  # already closed: let finish() close something
    def ignore_sigpipe():
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)

    # With SIGPIPE ignored (inherited from a parent that ignores it) the write fails with EPIPE.
    for mode, pre in (("kitty", None), ("blocks", None), ("kitty", ignore_sigpipe), ("blocks", ignore_sigpipe)):
        args = [binary, "render", "--graphics", mode, "--cell-size", "10x20", "--width", "200", "--height", "100", STACK]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, preexec_fn=pre,
                             env={**os.environ, "SWIFT_BACKTRACE": "enable=no"})
        p.stdout.close()  # the reader is gone before the first byte
        _, err = p.communicate(timeout=60)
        lines = err.decode(errors="replace").strip().splitlines()
        check(p.returncode in (-signal.SIGPIPE, 1) and len(lines) <= 1 and "Fatal error" not in err.decode(errors="replace"),
              f"render --graphics {mode} into a closed pipe{' (SIGPIPE ignored)' if pre else ''} ends quietly (status {p.returncode}, stderr {lines[:2]})")


def render_to_file(binary):
    """`render --graphics` into a file: shown later with `cat`, the shell's prompt must land
    below the image. kitty's image leaves the cursor where it was (C=1): each frame is followed
    by its rows of newlines; sixel and iTerm2 end with a newline. The frames of a range follow
    one another, each its own kitty image (one id would keep only the last)."""
    for proto in ("kitty", "sixel", "iterm"):
        args = [binary, "render", "--graphics", proto, "--cell-size", "10x20", "--width", "40", "--height", "12", "--z", "0:3", STACK]
        p = subprocess.run(args, capture_output=True, cwd=ROOT, timeout=60)
        out = p.stdout
        ok = p.returncode == 0 and out.endswith(b"\n")
        if proto == "kitty":
            starts = [m for m in range(len(out)) if out.startswith(b"\x1b_Ga=T", m)]
            ids, gaps = [], []
            for n, m in enumerate(starts):
                keys = dict(kv.split(b"=", 1) for kv in out[m + 3:out.index(b";", m)].split(b","))
                ids.append(keys.get(b"i"))
                end = starts[n + 1] if n + 1 < len(starts) else len(out)
                tail = out[out.rindex(b"\x1b\\", m, end) + 2:end]
                gaps.append((tail.count(b"\n"), int(keys[b"r"])))
            ok = ok and len(starts) == 3 and len(set(ids)) == 3 and all(n >= r for n, r in gaps)
            check(ok, f"render --graphics kitty > file: 3 frames with their own ids {ids}, each followed by its rows (newlines, rows: {gaps})")
        else:
            ends = out.count(b"\x1b\\\n") if proto == "sixel" else out.count(b"\x07\n")
            check(ok and ends == 3, f"render --graphics {proto} > file: exit {p.returncode}, each of 3 frames followed by a newline ({ends})")


def sixel_session(binary):
    t = inspector(binary, "xterm-sixel", {"TERM": "xterm-256color", "COLORTERM": "truecolor"})

    def sixels(t):
        return [im for im in t.images if im["kind"] == "sixel"]
    try:
        check(t.wait_for(lambda t: len(sixels(t)) >= 1, 20), "sixel xterm: the preview goes out as sixel")
        if not sixels(t):
            return
        first = sixels(t)[-1]
        check(first["col"] > 40 and 0 < first["row"] < 5, f"sixel: placed at the preview's top-left (row {first['row']}, col {first['col']})")
        check("sixel" in status(t), f"sixel: status line names it ({status(t).strip()[-40:]})")
        n = len(sixels(t))
        t.send("]")
        check(t.wait_for(lambda t: len(sixels(t)) > n, 10), "sixel: ] sends a new image")
        second = sixels(t)[-1]
        check((second["row"], second["col"]) == (first["row"], first["col"]) and second["bytes"] != first["bytes"],
              "sixel: a new DCS at the same place")
        t.send("q")
        t.close()
        last = bytes(t.raw).rfind(second["bytes"][-64:])
        check(last >= 0 and b"\x1b[2J" in bytes(t.raw)[last:], "sixel: the screen is cleared after the last image (none left after q)")
    finally:
        finish(t)


def plain_session(binary):
    # 150 columns: the reason stays with the renderer's name, which a 150-column line keeps.
    t = inspector(binary, "plain", {"TERM": "xterm-256color"}, cols=150)
    try:
        t.wait_for(lambda t: "no image protocol" in t.text(), 20)
        check(not t.images, "plain terminal: no image sequences")
        check("(no image protocol)" in status(t), f"plain terminal: the status line says why blocks ({status(t).strip()[-50:]})")
        t.send("q")
    finally:
        finish(t)


def tmux_session(binary):
    if shutil.which("tmux") is None:
        print("skip: tmux is not installed (apt-get install tmux)")
        return
    sock = f"omio-graphics-{os.getpid()}"
    base = ["tmux", "-L", sock, "-f", "/dev/null"]
    try:
        subprocess.run(base + ["new-session", "-d", "-x", "150", "-y", "45", "sleep 120"], check=True)
        for n, (passthrough, want) in enumerate([("off", "(tmux: no passthrough)"), ("on", "kitty via tmux")], 1):
            subprocess.run(base + ["set", "-g", "allow-passthrough", passthrough], check=True)
            # The outer terminal is kitty (its variable reaches the pane); tmux decides.
            subprocess.run(base + ["new-window", "-d", "-t", f"0:{n}", f"KITTY_WINDOW_ID=1 {binary} {STACK}"], check=True)
            text = ""
            for _ in range(100):
                text = subprocess.run(base + ["capture-pane", "-p", "-t", f"0:{n}"], capture_output=True, text=True).stdout
                if want in text:
                    break
                time.sleep(0.1)
            check(want in text, f"tmux allow-passthrough {passthrough}: status line says '{want}'")
            subprocess.run(base + ["send-keys", "-t", f"0:{n}", "q"])
    finally:
        subprocess.run(base + ["kill-server"], stderr=subprocess.DEVNULL)


# -- real terminals ---------------------------------------------------------------------------
def plane_grey():
    with tifffile.TiffFile(PLANE) as f:
        return f.pages[0].asarray().astype(np.float64)


def region_correlation(shot, top, left, height, width, plane, slack=12):
    """Correlation of every screen pixel of the region with the plane enlarged to it by
    nearest neighbour, the best of the two ways terminals round (pixel i shows source pixel
    i*n/out, or the one under its centre) and of offsets of up to `slack` px (window borders
    and padding). Real pixels reach about 0.99, block characters about 0.9."""
    grey = shot.astype(np.float64).mean(axis=2)
    if os.environ.get("OMIO_GRAPHICS_SHOTS"):
        np.save(os.path.join(os.environ["OMIO_GRAPHICS_SHOTS"], f"shot-{top}-{left}-{height}-{width}.npy"), shot)
    refs = []
    for index in (lambda n, out: np.arange(out) * n // out, lambda n, out: ((np.arange(out) + 0.5) * n / out).astype(int)):
        refs.append(plane[index(plane.shape[0], height)][:, index(plane.shape[1], width)])
    # The offset and rounding found on every third pixel, then measured on all of them.
    scored = []
    for dy in range(0, slack + 1):
        for dx in range(0, slack + 1):
            y0, x0 = top + dy, left + dx
            if y0 + height > grey.shape[0] or x0 + width > grey.shape[1]:
                continue
            for k, ref in enumerate(refs):
                scored.append((xterminals.correlation(grey[y0:y0 + height:3, x0:x0 + width:3], ref[::3, ::3]), y0, x0, k))
    if not scored:
        return -1.0
    _, y0, x0, k = max(scored)
    return xterminals.correlation(grey[y0:y0 + height, x0:x0 + width], refs[k])


def picture_region(kind, frame, top, left, cw, ch, plane):
    """Where the plane's picture lies on screen when the image of a kitty frame's cells is
    drawn at (top, left) px: the image is padded with black to its cells' shape and the
    picture keeps the plane's. (top, left, height, width) in screen pixels, to the pixel: one
    pixel of scale error on this noisy plane costs more correlation than the threshold allows.
    Sixel (xterm) is drawn pixel for pixel where SliceRequest.pictureRect puts it; kitty
    stretches the padded raster it was sent (decoded here) to the cells."""
    bw, bh = int(frame["keys"]["c"]) * cw, int(frame["keys"]["r"]) * ch
    if kind == "kitty":
        px = kitty_pixels(frame)
        ys, xs = np.nonzero(px.max(axis=2) > 0)
        sx, sy = bw / px.shape[1], bh / px.shape[0]
        return (top + round(ys.min() * sy), left + round(xs.min() * sx),
                round((ys.max() + 1 - ys.min()) * sy), round((xs.max() + 1 - xs.min()) * sx))
    ph, pw = plane.shape[:2]
    scale = min(bw / pw, bh / ph)
    w, h = max(1, min(bw, round(pw * scale))), max(1, min(bh, round(ph * scale)))
    return top + (bh - h) // 2, left + (bw - w) // 2, h, w


def press(display, window, key):
    """A key through XTEST into the focused window: xterm ignores the synthetic events of
    `xdotool key --window` (allowSendEvents is off by default)."""
    subprocess.run(["xdotool", "windowfocus", "--sync", window.wid], env=display.env, stderr=subprocess.DEVNULL, timeout=10)
    subprocess.run(["xdotool", "key", key], env=display.env, check=True, timeout=10)


def real_terminals(binary):
    gone = xterminals.missing()
    if gone:
        print(f"skip: real terminals need {', '.join(gone)} (apt-get install {' '.join(gone)})")
        return
    plane = plane_grey()
    tmp = tempfile.mkdtemp()
    try:
        with xterminals.Display() as d:
            for kind in ["kitty", "xterm"]:
                size = os.path.join(tmp, f"{kind}.size")
                # The window's cells and pixels as the program sees them, then the image.
                probe = (f"{sys.executable} -c \"import fcntl,termios,struct,sys; "
                         f"r,c,x,y=struct.unpack('HHHH',fcntl.ioctl(1,termios.TIOCGWINSZ,b'0'*8)); "
                         f"open('{size}','w').write(f'{{r}} {{c}} {{x}} {{y}}')\"")
                w = d.run(kind, f"{probe}; {binary} render --graphics auto --c 0 {PLANE}; sleep 60", geometry=(100, 36))
                for _ in range(100):
                    if os.path.exists(size) and open(size).read():
                        break
                    time.sleep(0.1)
                rows, cols, xp, yp = map(int, open(size).read().split())
                cw, ch = (xp // cols, yp // rows) if xp and yp else (0, 0)
                if not check(cw > 0 and ch > 0, f"{kind}: the window reports its pixels ({xp}x{yp} for {cols}x{rows})"):
                    continue
                time.sleep(3)
                shot = w.shot()
                # Where render puts the image at this size: the same command on a fake terminal
                # with these cells and pixels.
                t = FakeTerminal([binary, "render", "--graphics", "kitty", "--c", "0", PLANE], rows=rows, cols=cols,
                                 cell=(cw, ch), profile="kitty", env={"TERM": "xterm-kitty"}, cwd=ROOT)
                t.wait_for(lambda t: bool(frames(t)) and frames(t)[-1]["done"], 20)
                t.close()
                keys = frames(t)[-1]["keys"]
                ic, ir = int(keys["c"]), int(keys["r"])
                r = region_correlation(shot, *picture_region(kind, frames(t)[-1], 0, 0, cw, ch, plane), plane)
                check(r >= 0.97, f"{kind}: render --graphics auto correlates {r:.3f} with the plane (>= 0.97)")
                w.close()
                if kind == "kitty":
                    # The measure tells pixels from characters: blocks of the same size stay below.
                    w = d.run(kind, f"{binary} render --graphics blocks --c 0 {PLANE}; sleep 60", geometry=(100, 36))
                    time.sleep(3)
                    r = region_correlation(w.shot(), 0, 0, ir * ch, ic * cw, plane)
                    check(r < 0.97, f"{kind}: render --graphics blocks correlates only {r:.3f} (< 0.97)")
                    w.close()
                # The inspector: where the preview goes is what the fake terminal saw at the
                # same size (kitty profile: the same geometry whatever the protocol).
                w = d.run(kind, f"{binary} {PLANE}; sleep 60", geometry=(cols, rows))
                t = FakeTerminal([binary, PLANE], rows=rows, cols=cols, cell=(cw, ch), profile="kitty",
                                 env={"TERM": "xterm-kitty"}, cwd=ROOT)
                t.wait_for(lambda t: len(frames(t)) >= 1, 20)
                t.send("q")
                t.close()
                if not check(bool(frames(t)), f"{kind}: the preview's place found on a fake terminal of the same size"):
                    continue
                f = frames(t)[-1]
                time.sleep(4)
                shot = w.shot()
                r = region_correlation(shot, *picture_region(kind, f, f["row"] * ch, f["col"] * cw, cw, ch, plane), plane)
                check(r >= 0.97, f"{kind}: the inspector's preview correlates {r:.3f} with the plane (>= 0.97)")
                press(d, w, "q")
                time.sleep(2)
                after = w.shot()
                r = region_correlation(after, f["row"] * ch, f["col"] * cw, int(f["keys"]["r"]) * ch, int(f["keys"]["c"]) * cw, plane)
                check(r < 0.5, f"{kind}: no image left after q (correlation {r:.3f})")
                w.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    binary = os.path.abspath(sys.argv[1])
    kitty_session(binary)
    kitty_crash(binary)
    terminal_lost(binary)
    render_to_file(binary)
    sixel_session(binary)
    plain_session(binary)
    tmux_session(binary)
    real_terminals(binary)
    if failures:
        print(f"check_graphics: {len(failures)} failed")
        sys.exit(1)
    print("check_graphics: all passed")


if __name__ == "__main__":
    main()
