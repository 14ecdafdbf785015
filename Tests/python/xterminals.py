"""Real terminals under Xvfb for the checks that compare a screenshot with the image.

`Display()` starts Xvfb on a free display number; `Display.run(kind, shell_command)` opens a
sixel xterm (`xterm -ti vt340`, 256 colour registers) or kitty (Mesa's software OpenGL) running
the command, and returns a `Window` whose `shot()` is the window's pixels as a numpy array
(H x W x 3, uint8) through imagemagick's `import`. `missing()` names what is not installed, for
the caller's printed skip reason.
"""
import os
import shutil
import subprocess
import tempfile
import time

import numpy as np

TOOLS = {"Xvfb": "xvfb", "xterm": "xterm", "kitty": "kitty", "import": "imagemagick", "xdotool": "xdotool"}


def missing(kinds=("xterm", "kitty")):
    """Debian packages missing for the given terminals (empty when everything is there)."""
    need = ["Xvfb", "import", "xdotool"] + list(kinds)
    return sorted({TOOLS[t] for t in need if shutil.which(t) is None})


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    # P6\n<w> <h>\n<max>\n<bytes>, comments not written by imagemagick.
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P6", parts[0]
    w, h, mx = int(parts[1]), int(parts[2]), int(parts[3])
    assert mx == 255
    pixels = np.frombuffer(parts[4][: w * h * 3], dtype=np.uint8)
    return pixels.reshape(h, w, 3)


class Window:
    def __init__(self, display, proc, wid):
        self.display, self.proc, self.wid = display, proc, wid

    def shot(self):
        """The window's pixels now."""
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "shot.ppm")
            subprocess.run(["import", "-window", self.wid, "-depth", "8", path], env=self.display.env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
            return read_ppm(path)

    def keys(self, *names):
        """Sends key names (xdotool syntax: 'q', 'bracketright', 'Return') to the window."""
        for n in names:
            subprocess.run(["xdotool", "key", "--window", self.wid, n], env=self.display.env, check=True, timeout=10)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Display:
    """An Xvfb server (1400x1000x24) for the duration of a `with` block."""

    def __init__(self, width=1400, height=1000):
        self.size = (width, height)
        self.windows = []

    def __enter__(self):
        for n in range(77, 120):
            if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
                break
        self.name = f":{n}"
        self.proc = subprocess.Popen(["Xvfb", self.name, "-screen", "0", f"{self.size[0]}x{self.size[1]}x24", "-nolisten", "tcp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.env = dict(os.environ, DISPLAY=self.name)
        for _ in range(100):
            if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                break
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        for w in self.windows:
            w.close()
        self.proc.terminate()
        self.proc.wait()

    def run(self, kind, command, env=None, geometry=(120, 40)):
        """Opens terminal `kind` ('xterm' or 'kitty') running `command` (a shell string) with a
        window of `geometry` (cols, rows) in its default font; returns the Window once mapped."""
        e = dict(self.env)
        e.update(env or {})
        cols, rows = geometry
        if kind == "xterm":
            klass = "XTerm"
            argv = ["xterm", "-ti", "vt340", "-xrm", "XTerm*numColorRegisters: 256", "-xrm", "XTerm*decTerminalID: vt340",
                    "-geometry", f"{cols}x{rows}+0+0", "-class", klass, "-e", "sh", "-c", command]
        elif kind == "kitty":
            klass = "omio-kitty"
            e["LIBGL_ALWAYS_SOFTWARE"] = "1"
            argv = ["kitty", "--class", klass, "-o", f"initial_window_width={cols}c", "-o", f"initial_window_height={rows}c",
                    "-o", "remember_window_size=no", "-o", "enable_audio_bell=no", "sh", "-c", command]
        else:
            raise ValueError(kind)
        proc = subprocess.Popen(argv, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wid = None
        end = time.monotonic() + 30
        while time.monotonic() < end and wid is None:
            r = subprocess.run(["xdotool", "search", "--onlyvisible", "--class", klass], env=self.env,
                               capture_output=True, text=True)
            ids = r.stdout.split()
            if ids:
                wid = ids[-1]
            else:
                time.sleep(0.2)
        if wid is None:
            proc.kill()
            raise RuntimeError(f"{kind} window did not appear")
        w = Window(self, proc, wid)
        self.windows.append(w)
        return w


def correlation(a, b):
    """Pearson correlation of two equally sized grey images (float arrays)."""
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    a -= a.mean()
    b -= b.mean()
    d = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / d) if d > 0 else 0.0
