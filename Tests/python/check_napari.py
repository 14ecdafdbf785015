"""`omio-tui napari` end to end: the emitted launcher in a real napari (0.9, PyQt6) under Xvfb.

1. `omio-tui napari FILE... --check` on example files, one of them a copy of
   wrong_spacing_Z8.tif after `omio-tui set FILE PhysicalSizeZ=5`, and a file with a pyramid:
   one layer per channel named `<stem> <channel>`, scale Z = 5 (the correction), Y/X = the
   file's values, T = TimeIncrement, axis labels after squeezing, colormaps and contrast
   limits as the launcher embeds them, additive blending, a visible scale bar, every level.
2. A launcher copied away and run on its own (`python launcher.py --check --mode zarr`) after
   the omio-tui binary that wrote it is deleted.
3. Window reuse: a first launcher listens (`--serve-check 1`, over a stale socket it must
   remove); a second one hands its layers over (`--mode numpy`) and exits; the first window
   then holds both files' layers.
4. Real use, a window on its own Xvfb server: a file named with '#', a space, '?', a tab and
   '::' (zarr reads a string with '::' as a URL); `omio-tui napari` with no store yet starts
   the launcher before the store is built (it waits for it, then opens it); the reported pid
   is the long-lived window's, also when a second send is handed over by a short-lived
   launcher; sending again (also after `set PhysicalSizeZ=5`, which rebuilds the store the
   window shows) keeps one set of layers; while the window shows the store, `cache purge`
   skips it as "in use (napari)" and `--force` removes it.
5. Step 1 runs with a venv whose bin/python is an ABSOLUTE symlink to the interpreter
   (a `python -m venv --without-pip` venv pointed at the napari venv's site-packages by a
   .pth file): the venv must not be lost by resolving the link.
6. `--check` on two files named a#b.tif in different folders: both files' layers, the second
   named with its folder in front; an RGB and an RGBA (alpha 0) TIFF: `rgb: true`, shape
   [y, x, 3] (alpha left out, as the TUI and render do). In real use (4.), a file of the
   same name sent to the open window after the first keeps the first one's layers.
7. A region (`--t A:B --z A: --c LIST --y A:B --x A:B:STEP`): napari's layers hold only it
   (shape after dropping length-1 axes, the channels asked for, in that order), the step in
   the scale, `translate` = first index x spacing, on the pyramid file the levels covering the
   window down to 512 px; the launcher's arrays in every mode (dask, zarr views, numpy) hold
   tifffile's pixels of the region (level 0) and the store's (level 1), and are lazy views of
   the store for dask and zarr (no copy). A list for T is refused with exit 64.

napari runs from its own venv (.venv-napari, made by scripts/make-napari-venv.sh; or
$OMIO_NAPARI_PYTHON). Without it (no PyPI) or without xvfb-run the check is skipped with the
reason printed.

Usage: check_napari.py OMIO_TUI_BINARY
"""
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

from tzcyx import tzcyx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(ROOT, "example_data")
VENV = os.path.join(ROOT, ".venv-napari")
FILES = ["wrong_spacing_Z8.tif", "hyperstack_T3_Z5_C2.tif", "ome_T4_Z2_C3.ome.tif", "multipage_T5.tif"]


def skip(reason):
    print(f"check_napari: SKIPPED: {reason}")
    sys.exit(0)


def fail(message):
    print(f"check_napari: FAILED: {message}")
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def napari_python():
    explicit = os.environ.get("OMIO_NAPARI_PYTHON")
    if explicit:
        return explicit
    python = os.path.join(VENV, "bin", "python")
    if os.access(python, os.X_OK):
        return python
    try:
        with open(VENV + ".reason") as f:
            reason = f.read().strip()
    except OSError:
        reason = "scripts/make-napari-venv.sh has not made it (run make venv)"
    skip(f"no napari venv: {reason}")


def run(argv, timeout=300, **kw):
    start = time.monotonic()
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    return r, time.monotonic() - start


def write_pyramid_file(path):
    """A 2-channel Z stack of 600 x 1100 planes (the store gets 3 levels), via tifffile."""
    import tifffile

    z, c, y, x = 3, 2, 600, 1100
    data = (np.arange(z * c * y * x, dtype=np.uint32) % 4000).astype(np.uint16).reshape(z, c, y, x)
    tifffile.imwrite(path, data, imagej=True, resolution=(1 / 0.4, 1 / 0.4),
                     metadata={"axes": "ZCYX", "spacing": 1.5, "unit": "um"})


def info(binary, path):
    r, _ = run([binary, "info", path, "--json"])
    expect(r.returncode == 0, f"info {path}: {r.stderr}")
    return json.loads(r.stdout)


def embedded_layers(launcher):
    """The layer description a launcher embeds (its top level needs only the standard library)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("omio_launcher", launcher)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LAYERS


def close(a, b, what):
    expect(len(a) == len(b) and np.allclose(a, b, rtol=1e-6), f"{what}: got {a}, want {b}")


def check_file_layers(layers, meta, embedded, what):
    """The napari layers of one file against `info --json` and the launcher's description."""
    T, Z, C, Y, X = meta["shape"]
    stem = os.path.basename(meta["path"]).split(".")[0]
    expect(len(layers) == C, f"{what}: {len(layers)} layers for {C} channels")
    labels = (["t"] if T > 1 else []) + (["z"] if Z > 1 else []) + ["y", "x"]
    sizes = {"t": T, "z": Z, "y": Y, "x": X}
    want_scale = {"t": meta["TimeIncrement"] or 1.0, "z": meta["PhysicalSizeZ"],
                  "y": meta["PhysicalSizeY"], "x": meta["PhysicalSizeX"]}
    for k, layer in enumerate(layers):
        channel = embedded["channels"][k]
        name = meta["Channels"][k]["Name"] or (f"C{k}" if C > 1 else None)
        expect(layer["name"] == (f"{stem} {name}" if name else stem), f"{what}: layer name {layer['name']!r}")
        expect(layer["axis_labels"] == labels, f"{what}: axis labels {layer['axis_labels']} != {labels}")
        expect(layer["shape"] == [sizes[a] for a in labels], f"{what}: shape {layer['shape']}")
        close(layer["scale"], [want_scale[a] for a in labels], f"{what} scale")
        expect(layer["units"] == ["second" if a == "t" else "micrometer" for a in labels], f"{what}: units {layer['units']}")
        expect(layer["colormap"] == channel["colormap"] or layer["color"] == channel["colormap"],
               f"{what}: colormap {layer['colormap']} / {layer['color']} != {channel['colormap']}")
        close(layer["contrast_limits"], channel["contrast_limits"], f"{what} contrast limits")
        expect(layer["blending"] == "additive", f"{what}: blending {layer['blending']}")
        expect(len(layer["levels"]) == len(embedded["levels"]), f"{what}: {len(layer['levels'])} levels")
        expect(layer["multiscale"] == (len(embedded["levels"]) > 1), f"{what}: multiscale {layer['multiscale']}")
        for level, want in zip(layer["levels"], embedded["levels"]):
            t, c, z, y, x = want["shape"]
            full = {"t": t, "z": z, "y": y, "x": x}
            expect(level == [full[a] for a in labels], f"{what}: level shape {level}")


def absolute_symlink_venv(python, folder):
    """A venv whose bin/python is an absolute symlink to the real interpreter, seeing the
    napari venv's packages through a .pth file (how pyenv-, uv- and conda-made venvs look)."""
    r, _ = run([python, "-c", "import sys, site, json; print(json.dumps([sys._base_executable, site.getsitepackages()]))"])
    expect(r.returncode == 0, f"cannot ask {python} for its base interpreter: {r.stderr}")
    base, site_packages = json.loads(r.stdout)
    base = os.path.realpath(base)
    r, _ = run([base, "-m", "venv", "--without-pip", folder])
    expect(r.returncode == 0, f"venv --without-pip failed: {r.stderr}")
    link = os.path.join(folder, "bin", "python")
    os.remove(link)
    os.symlink(base, link)
    r, _ = run([link, "-c", "import site; print(site.getsitepackages()[0])"])
    expect(r.returncode == 0, f"the new venv's python does not run: {r.stderr}")
    with open(os.path.join(r.stdout.strip(), "napari-venv.pth"), "w") as f:
        f.write("\n".join(site_packages) + "\n")
    expect(os.readlink(link) == base and os.path.isabs(base), "bin/python is not an absolute link")
    return link


class Xvfb:
    """An Xvfb server of our own: a window must outlive the command that opened it."""

    def __init__(self):
        read, write = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "1280x1024x24"],
                                     pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as f:
            self.display = ":" + f.readline().strip()

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


def window_request(sock_path, message, timeout=60):
    """One JSON line to the open window and its answer."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout)
    conn.connect(sock_path)
    conn.sendall((json.dumps(dict(message, omio_napari=1)) + "\n").encode())
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    conn.close()
    return json.loads(data)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def check_real_use(binary, python, tmp, timings):
    """Item 4 of the docstring."""
    if not shutil.which("Xvfb"):
        fail("Xvfb is not installed (xvfb-run is)")
    folder = os.path.join(tmp, "real use")
    os.mkdir(folder)
    awkward = os.path.join(folder, "a#b ?c\td::e.tif")
    shutil.copy(os.path.join(EXAMPLES, "hyperstack_T3_Z5_C2.tif"), awkward)
    store = os.path.join(folder, ".omio_cache", os.path.basename(awkward) + ".ome.zarr")
    sock_path = os.path.join(tmp, "real-use.sock")
    xvfb = Xvfb()
    env = dict(os.environ, DISPLAY=xvfb.display, OMIO_NAPARI_SOCKET=sock_path)
    window = None
    twin = os.path.join(tmp, "real use 2", os.path.basename(awkward))
    os.mkdir(os.path.dirname(twin))
    shutil.copy(os.path.join(EXAMPLES, "hyperstack_T3_Z5_C2.tif"), twin)
    try:
        def send(what, path=awkward):
            r, secs = run([binary, "napari", path, "--python", python, "--wait", "300"], env=env, timeout=400)
            expect(r.returncode == 0, f"{what}: omio-tui napari failed: {r.stderr.strip()}")
            found = re.search(r"to the napari window \(pid (\d+)\)", r.stdout)
            expect(found, f"{what}: no window pid in {r.stdout!r}")
            timings[what] = secs
            return int(found.group(1)), r

        expect(not os.path.exists(store), "the store exists before the first send")
        window, r = send("first send (store built meanwhile)")
        log = open(os.path.join(folder, ".omio_cache", os.path.basename(awkward) + ".napari.log")).read()
        expect("--await-pid" in log and "store ready" in log,
               f"the launcher did not start before the store was built:\n{log}")
        expect(alive(window), f"pid {window} is not a running window")
        shown = window_request(sock_path, {"describe": True})
        expect(shown["pid"] == window, f"the socket's window is {shown['pid']}, omio-tui said {window}")
        names = [l["name"] for l in shown["layers"]]
        stem = "a#b ?c\td::e"
        expect(names == [f"{stem} C0", f"{stem} C1"], f"first send shows {names}")
        expect(shown["held"] == [store], f"the window holds {shown['held']}, not {store}")

        again, r = send("second send (handed over)")
        expect(again == window, f"the second send reported pid {again}, the window is {window}")
        shown = window_request(sock_path, {"describe": True})
        names = [l["name"] for l in shown["layers"]]
        expect(names == [f"{stem} C0", f"{stem} C1"], f"after sending twice the window shows {names}")

        r, _ = run([binary, "set", awkward, "PhysicalSizeZ=5"])
        expect(r.returncode == 0, f"set: {r.stderr}")
        third, r = send("third send (store rebuilt while shown)")
        expect(third == window, f"the third send reported pid {third}")
        shown = window_request(sock_path, {"describe": True})
        expect([l["name"] for l in shown["layers"]] == [f"{stem} C0", f"{stem} C1"], f"after a rebuild: {shown['layers']}")
        expect(all(l["scale"][1] == 5 for l in shown["layers"]), f"Z scale after the edit: {[l['scale'] for l in shown['layers']]}")

        # Another file of the same name: added beside, not in place of, the first one's layers;
        # sending it again replaces only its own layer.
        for what in ("same name, other folder", "same name, other folder, again"):
            twin_window, r = send(what, twin)
            expect(twin_window == window, f"{what}: reported pid {twin_window}")
            shown = window_request(sock_path, {"describe": True})
            names = [l["name"] for l in shown["layers"]]
            expect(names == [f"{stem} C0", f"{stem} C1", f"real use 2/{stem} C0", f"real use 2/{stem} C1"],
                   f"{what}: the window shows {names}")

        r, _ = run([binary, "cache", "purge", awkward, "--yes"])
        expect(r.returncode == 0 and "in use (napari)" in r.stdout, f"purge did not skip the shown store: {r.stdout} {r.stderr}")
        expect(os.path.isdir(store), "purge removed a store the window shows")
        r, _ = run([binary, "cache", "purge", awkward, "--yes", "--force"])
        expect(r.returncode == 0 and not os.path.exists(store), f"purge --force left the store: {r.stdout} {r.stderr}")

        # SIGTERM ends the window without Qt's teardown: it must still give up its socket.
        os.kill(window, signal.SIGTERM)
        for _ in range(200):
            if not alive(window):
                break
            time.sleep(0.05)
        expect(not alive(window), f"the window (pid {window}) is still running 10 s after SIGTERM")
        expect(not os.path.lexists(sock_path), f"the window left its socket {sock_path} behind after SIGTERM")
    finally:
        if window and alive(window):
            os.kill(window, signal.SIGTERM)
            for _ in range(200):
                if not alive(window):
                    break
                time.sleep(0.05)
        xvfb.close()


def check_names_and_rgb(binary, python, xvfb, tmp, timings):
    """Item 6 of the docstring."""
    import tifffile

    folder = os.path.join(tmp, "same names")
    twins = [os.path.join(folder, sub, "a#b.tif") for sub in ("nap", "nap2")]
    for twin in twins:
        os.makedirs(os.path.dirname(twin))
        shutil.copy(os.path.join(EXAMPLES, "wrong_spacing_Z8.tif"), twin)
    rgb = os.path.join(folder, "rgb.tif")
    shutil.copy(os.path.join(EXAMPLES, "rgb.tif"), rgb)
    rgba = os.path.join(folder, "rgba.tif")
    pixels = np.zeros((32, 32, 4), dtype=np.uint8)
    pixels[..., 0] = 200
    pixels[16:, :, 1] = 90
    tifffile.imwrite(rgba, pixels, photometric="rgb", extrasamples=["unassalpha"])  # alpha 0: invisible if used
    r, secs = run([xvfb, "-a", binary, "napari", *twins, rgb, rgba, "--check", "--python", python], timeout=600)
    timings["--check: same names, RGB, RGBA"] = secs
    expect(r.returncode == 0, f"napari --check (same names, RGB) failed: {r.stderr.strip()}")
    layers = json.loads(r.stdout)["layers"]
    names = [l["name"] for l in layers]
    expect(names[:2] == ["a#b", "nap2/a#b"], f"two files named a#b.tif: layers {names}")
    expect([l["source"] for l in layers[:2]] == twins, f"same-name sources {[l['source'] for l in layers[:2]]}")
    for layer, path in zip(layers[2:], (rgb, rgba)):
        what = os.path.basename(path)
        expect(layer["source"] == path and layer.get("rgb") is True, f"{what}: rgb {layer.get('rgb')} from {layer['source']}")
        expect(layer["shape"][-1] == 3 and layer["axis_labels"] == ["y", "x"],
               f"{what}: shape {layer['shape']}, axis labels {layer['axis_labels']} (alpha must be left out)")
    expect(all(l.get("rgb") is False for l in layers[:2]), "a grey file's layer says rgb")


def load_launcher(path):
    """The launcher as a module (its functions, not main): open_levels is what napari gets."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"omio_launcher_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_region(binary, python, xvfb, hyper, pyramid, timings):
    """Item 7 of the docstring."""
    import tifffile
    import zarr

    cases = [
        # T3 Z5 C2 112x144, 0.2 um, 1 um spacing, 2.5 s: one channel (dropped), every 2nd column.
        (hyper, ["--t", "1:3", "--z", "1:4", "--c", "1", "--y", "10:60", "--x", "20:100:2"],
         (slice(1, 3), slice(1, 4), 1, slice(10, 60), slice(20, 100, 2)),
         dict(names=["hyperstack_T3_Z5_C2 C1"], shape=[2, 3, 50, 40], scale=[2.5, 1.0, 0.2, 0.4],
              translate=[2.5, 1.0, 2.0, 4.0], levels=[[2, 3, 50, 40]])),
        # Z3 C2 600x1100, 0.4 um, 1.5 um spacing: channels swapped, a window over 512 px wide.
        (pyramid, ["--z", "1:", "--c", "1,0", "--y", "100:500", "--x", "-1050:"],
         (0, slice(1, 3), [1, 0], slice(100, 500), slice(50, 1100)),
         dict(names=["pyramid_Z3_C2 C1", "pyramid_Z3_C2 C0"], shape=[2, 400, 1050], scale=[1.5, 0.4, 0.4],
              translate=[1.5, 40.0, 20.0], levels=[[2, 400, 1050], [2, 200, 525], [2, 100, 263]])),
    ]
    for path, options, key, want in cases:
        what = f"napari {os.path.basename(path)} {' '.join(options)}"
        r, secs = run([xvfb, "-a", binary, "napari", path, *options, "--check", "--python", python], timeout=600)
        timings[f"--check a region of {os.path.basename(path)}"] = secs
        expect(r.returncode == 0, f"{what} --check failed: {r.stderr.strip()}")
        layers = json.loads(r.stdout)["layers"]
        expect([l["name"] for l in layers] == want["names"], f"{what}: layers {[l['name'] for l in layers]}")
        for layer in layers:
            expect(layer["shape"] == want["shape"], f"{what}: shape {layer['shape']}, want {want['shape']}")
            close(layer["scale"], want["scale"], f"{what} scale")
            close(layer["translate"], want["translate"], f"{what} translate")
            expect(layer["levels"] == want["levels"], f"{what}: levels {layer['levels']}, want {want['levels']}")
            expect(layer["multiscale"] == (len(want["levels"]) > 1), f"{what}: multiscale {layer['multiscale']}")

        # What the launcher hands napari, in every mode: the region's pixels, lazily.
        launcher = os.path.join(os.path.dirname(path), ".omio_cache", os.path.basename(path) + ".napari.py")
        module = load_launcher(launcher)
        spec = module.LAYERS[0]
        ref = tzcyx(path)
        channels = key[2] if isinstance(key[2], list) else [key[2]]
        store = zarr.open_group(zarr.storage.LocalStore(spec["store"], read_only=True), mode="r")
        # Level 1 of the store, read whole (small), cut with numpy: rows 50:250, columns 25:550
        # cover level 0's 100:500 and 50:1100.
        level1 = np.asarray(store["1"][...])[0][channels][:, key[1], 50:250, 25:550] if len(want["levels"]) > 1 else None
        for mode, kind in (("dask", "dask.array.core.Array"), ("zarr", "ZarrView"), ("numpy", "numpy.ndarray")):
            levels = module.open_levels(spec, mode)
            expect(len(levels) == len(want["levels"]), f"{what} --mode {mode}: {len(levels)} levels")
            got_type = f"{type(levels[0]).__module__}.{type(levels[0]).__name__}"
            expect(got_type.endswith(kind), f"{what} --mode {mode}: {got_type}")
            axis = spec["channel_axis"]
            for k, c in enumerate(channels):
                sub = ref[key[0], key[1], c][..., key[3], key[4]]
                got = np.asarray(levels[0]) if axis is None else np.take(np.asarray(levels[0]), k, axis=axis)
                expect(got.shape == sub.shape and np.array_equal(got, sub),
                       f"{what} --mode {mode}: level 0 channel {c} is {got.shape}, tifffile's region {sub.shape} (or values differ)")
            if level1 is not None:
                got1 = np.moveaxis(np.asarray(levels[1]), axis, 0)
                expect(np.array_equal(got1, level1), f"{what} --mode {mode}: level 1 is {got1.shape}, not the store's "
                                                     f"rows 50:250, columns 25:550 {level1.shape}")
    r, _ = run([binary, "napari", hyper, "--t", "0,2", "--no-launch"])
    expect(r.returncode == 64 and "--t" in r.stderr and len(r.stderr.strip().splitlines()) <= 2,
           f"a list for --t: exit {r.returncode}, {r.stderr.strip()}")


def by_file(result):
    out = {}
    for layer in result["layers"]:
        out.setdefault(os.path.basename(layer["source"]), []).append(layer)
    return out


def main():
    binary = sys.argv[1]
    python = napari_python()
    xvfb = shutil.which("xvfb-run")
    if not xvfb:
        skip("xvfb-run is not installed (Debian's xvfb; make test installs it)")
    r, secs = run([xvfb, "-a", python, "-c", "from PyQt6.QtWidgets import QApplication; QApplication([]); import napari, zarr, dask"])
    if r.returncode != 0:
        tail = " | ".join(r.stderr.strip().splitlines()[-2:])
        skip(f"Qt or napari does not start under Xvfb (missing Debian packages?): {tail}")
    timings = {"preflight": secs}

    with tempfile.TemporaryDirectory(prefix="omio-napari-") as tmp:
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        for name in FILES:
            shutil.copy(os.path.join(EXAMPLES, name), data)
        paths = [os.path.join(data, name) for name in FILES]
        big = os.path.join(data, "pyramid_Z3_C2.tif")
        write_pyramid_file(big)
        paths.append(big)
        wrong = paths[0]
        r, _ = run([binary, "set", wrong, "PhysicalSizeZ=5"])
        expect(r.returncode == 0, f"set PhysicalSizeZ=5: {r.stderr}")
        metas = {os.path.basename(p): info(binary, p) for p in paths}
        expect(metas[os.path.basename(wrong)]["PhysicalSizeZ"] == 5, "the overlay did not apply")

        # 1. omio-tui napari --check on all the files (one napari start), with the napari venv
        # reached through a venv whose bin/python is an absolute symlink (5.).
        linked = absolute_symlink_venv(python, os.path.join(tmp, "abs-link venv"))
        r, secs = run([xvfb, "-a", binary, "napari", *paths, "--check", "--python", linked], timeout=600)
        timings["omio-tui napari --check (5 files)"] = secs
        expect(r.returncode == 0, f"napari --check failed ({r.returncode}): {r.stderr.strip()}")
        result = json.loads(r.stdout)
        expect(result["viewer"] == "Viewer", f"the check used {result['viewer']}, not napari's Qt Viewer")
        expect(result["mode"] == "dask" and result["scale_bar"]["visible"], f"mode/scale bar: {result['mode']} {result['scale_bar']}")
        layers = by_file(result)
        launchers = {}
        for path in paths:
            real = os.path.basename(path)
            launcher = os.path.join(data, ".omio_cache", os.path.basename(path) + ".napari.py")
            expect(os.path.exists(launcher), f"no launcher {launcher}")
            launchers[path] = launcher
            embedded = embedded_layers(launcher)[0]
            expect(real in layers, f"no layers from {path}: {sorted(layers)}")
            check_file_layers(layers[real], metas[real], embedded, os.path.basename(path))
            for layer in layers[real]:
                expect(layer["array_type"] == "dask.array.core.Array", f"{path}: --mode dask gave {layer['array_type']}")
        wrong_layer = layers[os.path.basename(wrong)][0]
        expect(wrong_layer["scale"][0] == 5, f"wrong_spacing Z scale {wrong_layer['scale']}")
        expect(len(layers[os.path.basename(big)][0]["levels"]) == 3, "the pyramid file has 3 levels")
        hyper = [l["colormap"] for l in layers[os.path.basename(paths[1])]]
        expect(hyper == ["magenta", "green"], f"hyperstack colormaps {hyper}")
        ome = [l["name"] for l in layers[os.path.basename(paths[2])]]
        expect(ome == ["ome_T4_Z2_C3 DAPI", "ome_T4_Z2_C3 GFP", "ome_T4_Z2_C3 mCherry"], f"OME names {ome}")

        # 2. A launcher on its own: written by a copy of the binary, which is then deleted.
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        copy = os.path.join(bindir, "omio-tui")
        shutil.copy(binary, copy)
        r, _ = run([copy, "napari", wrong, "--no-launch"])
        expect(r.returncode == 0 and r.stdout.strip() == launchers[wrong], f"--no-launch: {r.stdout!r} {r.stderr!r}")
        os.remove(copy)
        alone = os.path.join(tmp, "elsewhere", "launcher.py")
        os.makedirs(os.path.dirname(alone))
        shutil.copy(launchers[wrong], alone)
        env = {k: v for k, v in os.environ.items() if k != "OMIO_TUI_BIN"}
        env["PATH"] = os.path.dirname(python) + ":/usr/bin:/bin"
        r, secs = run([xvfb, "-a", python, alone, "--check", "--mode", "zarr"], env=env, cwd=os.path.dirname(alone))
        timings["launcher.py --check --mode zarr"] = secs
        expect(r.returncode == 0, f"the launcher alone failed: {r.stderr.strip()}")
        own = json.loads(r.stdout)
        expect(own["mode"] == "zarr" and len(own["layers"]) == 1, f"launcher alone: {own['mode']} {len(own['layers'])} layers")
        expect(own["layers"][0]["array_type"].endswith("ZarrView"), f"--mode zarr gave {own['layers'][0]['array_type']}")
        close(own["layers"][0]["scale"], wrong_layer["scale"], "launcher alone scale")

        # 3. One window: a stale socket is replaced; the second launcher hands over and exits.
        sockdir = os.path.join(tmp, "sock")
        os.mkdir(sockdir, 0o700)
        sock_path = os.path.join(sockdir, "napari.sock")
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(sock_path)
        stale.close()  # the file stays; nobody listens
        env = dict(os.environ, OMIO_NAPARI_SOCKET=sock_path)
        start = time.monotonic()
        server = subprocess.Popen([xvfb, "-a", python, launchers[paths[1]], "--serve-check", "1", "--timeout", "150"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        server_err = []
        ready = threading.Event()

        def read_stderr():
            for line in server.stderr:
                server_err.append(line)
                if "napari window open" in line:
                    ready.set()

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        if not ready.wait(180):
            server.kill()
            fail(f"the first launcher did not open its window: {''.join(server_err[-5:])}")
        # The second launcher needs no display: it only hands over.
        client_env = {k: v for k, v in env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        r, client_secs = run([python, launchers[paths[3]], "--mode", "numpy"], env=client_env, timeout=200)
        expect(r.returncode == 0 and "to the napari window of pid" in r.stderr, f"the second launcher: {r.returncode} {r.stderr.strip()}")
        try:
            out, _ = server.communicate(timeout=200)
        except subprocess.TimeoutExpired:
            server.kill()
            fail("the listening window did not finish")
        reader.join(5)
        timings["two launchers, one window"] = time.monotonic() - start
        timings["hand-over (second launcher)"] = client_secs
        expect(server.returncode == 0, f"the listening launcher exited {server.returncode}: {''.join(server_err[-5:])}")
        shared = json.loads(out)
        names = [l["name"] for l in shared["layers"]]
        expect(shared["received"] == 1, f"received {shared['received']}")
        expect(names == ["hyperstack_T3_Z5_C2 C0", "hyperstack_T3_Z5_C2 C1", "multipage_T5"], f"one window holds {names}")
        expect(shared["layers"][2]["array_type"] == "numpy.ndarray", f"--mode numpy hand-over: {shared['layers'][2]['array_type']}")
        expect(any("removing the stale socket" in line for line in server_err), "the stale socket was not reported")
        expect(not os.path.exists(sock_path), "the socket outlived its window")
        mode = stat.S_IMODE(os.stat(sockdir).st_mode)
        expect(mode == 0o700, f"socket folder mode {oct(mode)}")

        # 7. A region: only its part, in place, lazily.
        check_region(binary, python, xvfb, paths[1], big, timings)

        # 6. Files with the same name in two folders both stay; RGB(A) layers: rgb, no alpha.
        check_names_and_rgb(binary, python, xvfb, tmp, timings)

        # 4. Real use: awkward names, the overlap, the window's pid, sending again, purge.
        check_real_use(binary, python, tmp, timings)

    summary = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    print(f"check_napari: {len(paths)} files in napari {result['napari']}: layers, scales, colormaps, limits, levels as "
          f"written; the launcher runs alone; a second launcher adds to the open window; a file named "
          f"with '#', ' ', '?', TAB and '::' opens while its store builds, sending again replaces its layers, "
          f"purge skips it while shown; a region's layers hold only it, in place, lazily in every mode ({summary})")


if __name__ == "__main__":
    main()
