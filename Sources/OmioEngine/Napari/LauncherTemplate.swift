// Generated from launcher.py by scripts/embed-launcher.sh (`make launcher`); do not edit.
// NapariTests.embeddedLauncherIsLauncherPy fails when this differs from launcher.py.
extension NapariScript {
    /// launcher.py, byte for byte, with @@TITLE@@, @@VERSION@@, @@MODE@@ and @@LAYERS@@ for `render`.
    static let template = #"""
#!/usr/bin/env python3
"""Opens @@TITLE@@ in napari. Written by omio-tui @@VERSION@@; regenerated on every send.

Standalone: needs napari (with a Qt binding such as PyQt6), zarr >= 3, dask and numpy, and
nothing of omio-tui. It opens the OME-Zarr store omio-tui built from the file (every pyramid
level; the store's axes are t, c, z, y, x), or an OME-Zarr image in place (its own folder or URL,
its own axes; no copy), drops axes of length 1 (never y and x), and adds one
image layer per channel with the scale (µm, s), axis labels, colours and contrast limits omio-tui
showed, additive blending and a scale bar. The layer description is LAYERS below.

One napari window is reused: the first launcher listens on a local UNIX socket
($OMIO_NAPARI_SOCKET, else $XDG_RUNTIME_DIR/omio-tui/napari.sock, else
/tmp/omio-tui-<uid>/napari.sock, in a folder only you can enter); later launchers hand it
their layer description and exit. A socket nobody listens on is removed. Sending a file again
replaces its layers; another file of the same name gets its folder in front of its layer
names. While the window shows a store omio-tui built it holds a shared lock on the store's
lock file (<store>.lock), so omio-tui's purge knows it is in use.

  python3 THIS_FILE [--mode dask|zarr|numpy]  open, or add to the open omio-tui napari window
                                               dask: dask.array.from_zarr on every level (lazy)
                                               zarr: the zarr arrays themselves (lazy, no dask)
                                               numpy: everything read into memory (small data)
  python3 THIS_FILE --also OTHER.napari.py    also the layers of other omio-tui launchers
  python3 THIS_FILE --new-window              always a new window of its own
  python3 THIS_FILE --check                   build the viewer without showing it, print the
                                               layers as one JSON object, exit 0
  python3 THIS_FILE --serve-check N           (tests) open the window and listen; after N
                                               hand-overs print the layers as JSON and quit
  python3 THIS_FILE --await-pid PID           (omio-tui) the store is still being built: start
                                               napari now, open the store when it is done
  python3 THIS_FILE --report FILE             (omio-tui) write the window's pid and the layers
                                               there once they are shown

Install what it needs:  python3 -m pip install "napari[all]" zarr dask
"""

import argparse
import fcntl
import json
import os
import pathlib
import re
import signal
import socket
import stat
import sys
import time

PROTOCOL = 1
# A listening window may still be starting napari when a second launcher hands over.
HAND_OVER_TIMEOUT = 300.0
NUMPY_WARN_BYTES = 2 << 30


def log(message):
    print(f"omio-napari[{os.getpid()}]: {message}", file=sys.stderr, flush=True)


def process_start():
    """When this process started, on time.monotonic's clock (Linux; else: now)."""
    try:
        with open("/proc/self/stat") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return time.monotonic() - (uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic()


STARTED = process_start()
# Seconds from process start to each phase (imports, window, store, layers): logged, reported.
PHASES = {}


def phase(name):
    PHASES[name] = round(time.monotonic() - STARTED, 3)
    log(f"{name}: {PHASES[name]:.2f} s after the process started")


# ---------------------------------------------------------------------------------------------
# Data


class ZarrView:
    """Part of a zarr array, without copying and without dask: per axis either one fixed index
    (the axis is dropped), a `range` of indices or a list of them (a region; omio-tui's
    `napari --t A:B --c 2,0 ...`).

    Indexing with integers and full slices gives another view (so napari can split channels
    lazily); any other indexing, and conversion to numpy, reads only the view's part of the
    store.
    """

    def __init__(self, array, axes):
        self.array = array
        self.axes = tuple(range(n) if a is None else a for a, n in zip(axes, array.shape))
        self.free = [i for i, a in enumerate(self.axes) if not isinstance(a, int)]
        self.shape = tuple(len(self.axes[i]) for i in self.free)
        self.dtype = array.dtype
        self.ndim = len(self.shape)
        self.size = 1
        for n in self.shape:
            self.size *= n

    def __len__(self):
        return self.shape[0]

    def _full_key(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        if any(k is Ellipsis for k in key):
            i = key.index(Ellipsis)
            key = key[:i] + (slice(None),) * (self.ndim - len(key) + 1) + key[i + 1:]
        key = key + (slice(None),) * (self.ndim - len(key))
        if len(key) != self.ndim:
            raise IndexError(f"too many indices for a {self.ndim}-d view")
        return key

    def __getitem__(self, key):
        import numpy as np

        key = self._full_key(key)
        axes = list(self.axes)
        for axis, k in zip(self.free, key):
            if isinstance(k, (int, np.integer)):
                n = len(axes[axis])
                if not -n <= int(k) < n:
                    raise IndexError(f"index {k} is out of bounds for an axis of size {n}")
                axes[axis] = axes[axis][int(k)]  # a range or list indexed: one store index
            elif isinstance(k, slice):
                axes[axis] = axes[axis][k]  # a range stays a range, a list a list
            else:
                axes[axis] = [axes[axis][int(i)] for i in np.asarray(k).ravel()]
        view = ZarrView(self.array, axes)
        if all(isinstance(k, (int, np.integer)) or (isinstance(k, slice) and k == slice(None)) for k in key):
            return view
        return np.asarray(view)

    def __array__(self, dtype=None, copy=None):
        import numpy as np

        key = tuple(slice(a.start, a.stop, a.step) if isinstance(a, range) else a for a in self.axes)
        if any(isinstance(a, range) and len(a) == 0 for a in self.axes):
            a = np.zeros(self.shape, dtype=self.dtype)
        elif any(isinstance(a, list) for a in self.axes):
            a = np.asarray(self.array.oindex[key])
        else:
            a = np.asarray(self.array[key])
        return a if dtype is None else a.astype(dtype)

    def __repr__(self):
        return f"ZarrView(shape={self.shape}, dtype={self.dtype}, of {self.array})"


def selection(axis):
    """A level's region on one store axis, as written in LAYERS: [start, stop, step] (a range)
    or {"list": [...]} (channels in the order asked)."""
    if isinstance(axis, dict):
        return list(axis["list"])
    return range(*axis)


def open_levels(spec, mode):
    """The pyramid levels of the region omio-tui sends (every level of the whole file unless
    a region was asked for), with the dropped axes removed, as `mode` asks. Only the region is
    ever read: dask and zarr slice the store lazily; numpy reads the region alone."""
    import numpy as np
    import zarr

    index = tuple(spec["index"])
    # The store's axes (t, c, z, y, x for omio-tui's stores; an OME-Zarr image opened in place
    # has its own subset and order, OMIO's cache t, z, c, y, x): the kept ones are put in
    # t, c, z, y, x order, the order omio-tui's axis labels and channel axis are given in.
    store_axes = spec.get("store_axes", ["t", "c", "z", "y", "x"])
    kept = [a for a, i in zip(store_axes, index) if i is None]
    order = sorted(range(len(kept)), key=lambda k: "tczyx".index(kept[k]))
    moved = order != list(range(len(kept)))
    if mode not in ("dask", "zarr", "numpy"):
        raise ValueError(f"unknown mode {mode!r} (dask, zarr or numpy)")
    levels = []
    for level in spec["levels"]:
        array, path = open_array(spec, level)
        if list(array.shape) != list(level["shape"]):
            raise ValueError(f"{path} has shape {list(array.shape)}, the launcher expects {level['shape']}: "
                             "the store was rebuilt; send the file from omio-tui again")
        region = [selection(a) for a in level["region"]] if "region" in level else [range(n) for n in array.shape]
        # Per store axis: the region, then the axes of length 1 dropped at their only index.
        axes = [r if i is None else r[i] for r, i in zip(region, index)]
        view = ZarrView(array, axes)
        if mode == "dask" or (mode == "zarr" and moved):  # a view cannot reorder axes; dask can, lazily
            import dask.array as da

            a = da.from_zarr(array)
            for axis, r in reversed(list(enumerate(axes))):
                a = a[(slice(None),) * axis + ((slice(r.start, r.stop, r.step) if isinstance(r, range) else r),)]
            levels.append(a.transpose(order) if moved else a)
        elif mode == "zarr":
            levels.append(view)
        else:
            levels.append(np.transpose(np.asarray(view), order) if moved else np.asarray(view))
    if mode == "numpy":
        size = sum(a.nbytes for a in levels)
        if size > NUMPY_WARN_BYTES:
            log(f"--mode numpy holds {size / 1e9:.1f} GB of {spec['source']} in memory; --mode dask reads lazily")
    return levels


def open_array(spec, level):
    """One level's zarr array and what messages call it: a folder below the store, or for a
    store omio-tui opened by URL the same path below the URL (read with zarr's fsspec store,
    which needs fsspec and aiohttp)."""
    import zarr

    if spec.get("remote"):
        url = spec["store"].rstrip("/") + ("/" + level["path"] if level["path"] else "")
        try:
            import aiohttp  # noqa: F401  (fsspec's HTTP file system reads through it)
            import fsspec  # noqa: F401
        except ImportError as e:
            raise SystemExit(f"omio-napari: {url} is remote: this Python needs fsspec and aiohttp to read it "
                             f"({e.name} is missing; {sys.executable} -m pip install fsspec aiohttp)")
        return zarr.open_array(zarr.storage.FsspecStore.from_url(url, read_only=True), mode="r"), url
    path = pathlib.Path(spec["store"], level["path"])
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is missing: the store was removed or rebuilt; send the file from omio-tui again")
    # A store object on the path: a string would be parsed as a URL, and a file name with
    # '#', '?', a tab or a newline would then name some other folder.
    return zarr.open_array(zarr.storage.LocalStore(path, read_only=True), mode="r"), path


def colormap(value):
    """A napari colormap name, or "#RRGGBB" made into a black-to-colour ramp."""
    if not value.startswith("#"):
        return value
    from napari.utils.colormaps import Colormap

    rgb = [int(value[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    return Colormap([[0, 0, 0, 1], rgb + [1]], name=f"omio {value.upper()}")


def same_file(layer, spec):
    omio = layer.metadata.get("omio", {})
    return omio.get("source") == spec["source"] and omio.get("series") == spec["series"]


def distinct_names(viewer, spec):
    """The spec's layer names, with the parent folder in front when another file's layer has
    the same name (a/cells.tif and b/cells.tif both stay, as "a/cells" and "b/cells")."""
    names = [spec["name"]] + [c["name"] for c in spec["channels"]]
    taken = {l.name for l in viewer.layers}
    if not taken & set(names):
        return spec
    folder = os.path.basename(os.path.dirname(spec["source"]))
    spec = dict(spec, name=f"{folder}/{spec['name']}")
    spec["channels"] = [dict(c, name=f"{folder}/{c['name']}") for c in spec["channels"]]
    return spec


def add_file(viewer, spec, mode):
    """Adds one file's layers (one per channel, or one RGB layer), replacing the layers the
    same file and series added before (sending a file again updates it; another file of the
    same name is kept); returns them."""
    for layer in [l for l in viewer.layers if same_file(l, spec)]:
        viewer.layers.remove(layer)
    spec = distinct_names(viewer, spec)
    levels = open_levels(spec, mode)
    channels = spec["channels"]
    common = dict(
        scale=spec["scale"],
        translate=spec.get("translate", [0.0] * len(spec["scale"])),
        units=spec["units"],
        axis_labels=spec["axis_labels"],
        blending="additive",
        multiscale=len(levels) > 1,
        metadata={"omio": {"source": spec["source"], "store": spec["store"], "series": spec["series"], "mode": mode}},
    )
    import inspect

    accepted = inspect.signature(viewer.add_image).parameters
    for key in ("units", "axis_labels"):  # napari < 0.6 has neither; its scale bar has a unit
        if key not in accepted:
            del common[key]
            if key == "units":
                scale_bar(viewer).unit = "um"
    if spec.get("rgb") and spec["channel_axis"] is not None:
        # napari wants the samples last; a dask view moves them without reading anything.
        # Only R, G and B: the TUI and render leave alpha out, so napari must not make the
        # image transparent with it.
        import dask.array as da

        axis = spec["channel_axis"]
        levels = [da.moveaxis(a if hasattr(a, "chunks") else da.from_array(a), axis, -1)[..., :3] for a in levels]
        common["scale"] = spec["scale"]
        data = levels if len(levels) > 1 else levels[0]
        layer = viewer.add_image(data, name=spec["name"], rgb=True,
                                 contrast_limits=channels[0]["contrast_limits"], **common)
        scale_bar(viewer).visible = True
        if spec.get("hold", True):
            hold_store(viewer, spec["store"])
        return [layer]
    data = levels if len(levels) > 1 else levels[0]
    if spec["channel_axis"] is None:
        c = channels[0]
        layer = viewer.add_image(data, name=c["name"], colormap=colormap(c["colormap"]),
                                 contrast_limits=c["contrast_limits"], **common)
        layers = [layer]
    else:
        layers = viewer.add_image(
            data,
            channel_axis=spec["channel_axis"],
            name=[c["name"] for c in channels],
            colormap=[colormap(c["colormap"]) for c in channels],
            contrast_limits=[c["contrast_limits"] for c in channels],
            **common,
        )
    scale_bar(viewer).visible = True
    # A user's OME-Zarr opened in place is not omio-tui's to lock (the lock file would be
    # written beside the user's data); only the stores omio-tui built are held.
    if spec.get("hold", True):
        hold_store(viewer, spec["store"])
    return layers


# ---------------------------------------------------------------------------------------------
# Stores in use: a shared flock on <store>.lock while a layer shows the store. omio-tui's
# builder takes it exclusively; its purge sees the shared holder and leaves the store alone.

HELD = {}  # store path -> open lock file descriptor


def hold_store(viewer, store):
    if store in HELD:
        return
    try:
        fd = os.open(store + ".lock", os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as e:
        log(f"cannot lock {store}.lock ({e}); a purge will not see the store as in use")
        return
    deadline = time.monotonic() + 10
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            break
        except BlockingIOError:  # a build holds it: it ends soon
            if time.monotonic() > deadline:
                os.close(fd)
                log(f"{store}.lock stays locked by a build; not holding it")
                return
            time.sleep(0.05)
    HELD[store] = fd
    if not getattr(viewer, "_omio_release_hooked", False) and hasattr(viewer.layers, "events"):
        viewer.layers.events.removed.connect(lambda event: release_unused(viewer))
        viewer._omio_release_hooked = True


def release_unused(viewer):
    """Drops the locks of stores no layer shows any more."""
    shown = {layer.metadata.get("omio", {}).get("store") for layer in viewer.layers}
    for store in [s for s in HELD if s not in shown]:
        os.close(HELD.pop(store))


def release_stores(viewer, stores):
    """Removes the layers of `stores` (omio-tui is about to rebuild them); returns how many."""
    gone = [l for l in viewer.layers if l.metadata.get("omio", {}).get("store") in stores]
    for layer in gone:
        viewer.layers.remove(layer)
    release_unused(viewer)
    return len(gone)


def scale_bar(viewer):
    """The scale bar overlay (napari 0.9 moved it under viewer.canvas)."""
    overlays = getattr(getattr(viewer, "canvas", None), "overlays", None)
    bar = getattr(overlays, "scale_bar", None)
    return bar if bar is not None else viewer.scale_bar


def describe(viewer, mode, **extra):
    """The viewer's layers as JSON: the contract omio-tui's tests read."""
    import napari

    def plain(v):
        return getattr(v, "value", v)

    layers = []
    for layer in viewer.layers:
        levels = list(layer.data) if layer.multiscale else [layer.data]
        colors = layer.colormap.colors
        last = colors[-1]
        layers.append({
            "name": layer.name,
            "shape": [int(n) for n in levels[0].shape],
            "dtype": str(levels[0].dtype),
            "scale": [float(s) for s in layer.scale],
            "translate": [float(t) for t in layer.translate],
            "axis_labels": [str(a) for a in getattr(layer, "axis_labels", ())],
            "units": [str(u) for u in getattr(layer, "units", ())],
            "colormap": layer.colormap.name,
            "color": "#%02X%02X%02X" % tuple(int(round(float(x) * 255)) for x in last[:3]),
            "contrast_limits": [float(x) for x in layer.contrast_limits],
            "blending": str(plain(layer.blending)),
            "multiscale": bool(layer.multiscale),
            "rgb": bool(getattr(layer, "rgb", False)),
            "levels": [[int(n) for n in a.shape] for a in levels],
            "array_type": f"{type(levels[0]).__module__}.{type(levels[0]).__name__}",
            "source": layer.metadata.get("omio", {}).get("source"),
        })
    out = {
        "napari": napari.__version__,
        "viewer": type(viewer).__name__,
        "mode": mode,
        "scale_bar": {"visible": bool(scale_bar(viewer).visible)},
        "dims": {"axis_labels": [str(a) for a in viewer.dims.axis_labels or ()],
                 "units": [str(u) for u in getattr(viewer.dims, "units", None) or ()]},
        "layers": layers,
    }
    out.update(extra)
    return out


# ---------------------------------------------------------------------------------------------
# One window: the listening launcher and the ones that hand over to it


def socket_path():
    """(path, whether its folder is ours to create and keep at mode 0700)."""
    explicit = os.environ.get("OMIO_NAPARI_SOCKET")
    if explicit:
        return os.path.abspath(explicit), False
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        folder = os.path.join(runtime, "omio-tui")
    else:
        folder = f"/tmp/omio-tui-{os.getuid()}"
    return os.path.join(folder, "napari.sock"), True


def private_folder(folder):
    """Makes the socket's folder (mode 0700) and refuses one that is not ours alone."""
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise PermissionError(f"{folder} is not a folder of yours")
    if st.st_mode & 0o077:
        os.chmod(folder, 0o700)


def acquire(path, own_folder):
    """("client", socket) connected to a listening window, or ("server", listening socket).

    A lock file serializes launchers, so two starting at once never both listen.
    """
    if own_folder:
        private_folder(os.path.dirname(path))
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.settimeout(10)
        try:
            client.connect(path)
            return "client", client
        except (FileNotFoundError, ConnectionRefusedError):
            client.close()
        if os.path.lexists(path):
            log(f"removing the stale socket {path} (no napari window listens on it)")
            os.unlink(path)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        os.chmod(path, 0o600)
        server.listen(16)
        return "server", server


def read_line(conn):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8")


def hand_over(conn, layers, mode):
    """Sends the layer description to the listening window; returns its reply."""
    message = {"omio_napari": PROTOCOL, "mode": mode, "layers": layers, "launcher": os.path.abspath(__file__)}
    conn.settimeout(HAND_OVER_TIMEOUT)
    conn.sendall((json.dumps(message) + "\n").encode("utf-8"))
    reply = read_line(conn)
    if not reply:
        raise ConnectionError("the napari window closed the connection without answering")
    return json.loads(reply)


class Listener:
    """Accepts hand-overs on a worker thread; adds their layers on napari's main thread."""

    def __init__(self, server, path, viewer, on_added=None, deadline=None, on_timeout=None):
        self.server = server
        self.path = path
        self.inode = os.stat(path).st_ino
        self.viewer = viewer
        self.on_added = on_added
        self.deadline = deadline
        self.on_timeout = on_timeout
        self.received = 0
        self.worker = None

    def start(self):
        from napari.qt.threading import thread_worker

        server = self.server

        # A generator that yields at least every 0.25 s, so napari can stop it on quit.
        @thread_worker(start_thread=False)
        def accept_loop():
            server.settimeout(0.25)
            while True:
                try:
                    conn, _ = server.accept()
                except socket.timeout:
                    yield None
                    continue
                except OSError:
                    return
                try:
                    conn.settimeout(30)
                    line = read_line(conn)
                except Exception as e:  # a broken client must not stop the window
                    yield conn, e
                    continue
                if not line.strip():  # a probe (omio-tui asking whether a window listens)
                    conn.close()
                    continue
                try:
                    message = json.loads(line)
                except ValueError as e:
                    message = e
                yield conn, message

        self.worker = accept_loop()
        self.worker.yielded.connect(self.handle)
        self.worker.start()

    def handle(self, item):
        if item is None:
            if self.deadline is not None and time.monotonic() > self.deadline and self.on_timeout:
                self.deadline = None
                self.on_timeout()
            return
        conn, message = item
        try:
            if isinstance(message, Exception):
                raise message
            if not isinstance(message, dict) or message.get("omio_napari") != PROTOCOL:
                raise ValueError("not an omio-tui napari hand-over (protocol %r)" % PROTOCOL)
            if message.get("describe"):  # what the window shows (tests, scripts)
                reply = dict(describe(self.viewer, DEFAULT_MODE), ok=True, pid=os.getpid(), held=sorted(HELD))
                conn.sendall((json.dumps(reply) + "\n").encode("utf-8"))
                conn.close()
                return
            if "release" in message:
                count = release_stores(self.viewer, set(message["release"]))
                reply = {"ok": True, "pid": os.getpid(), "released": count}
                log(f"released {', '.join(message['release'])} ({count} layers removed) for a rebuild")
                conn.sendall((json.dumps(reply) + "\n").encode("utf-8"))
                conn.close()
                return
            names = []
            mode = message.get("mode") or DEFAULT_MODE
            for spec in message["layers"]:
                names += [layer.name for layer in add_file(self.viewer, spec, mode)]
            reply = {"ok": True, "pid": os.getpid(), "layers": names}
            log(f"added {', '.join(names)} from {message.get('launcher', 'a launcher')}")
            try:
                self.viewer.window.activate()
            except Exception:
                pass
        except Exception as e:
            reply = {"ok": False, "pid": os.getpid(), "error": f"{type(e).__name__}: {e}"}
            log(f"could not add a hand-over: {reply['error']}")
        try:
            conn.sendall((json.dumps(reply) + "\n").encode("utf-8"))
        except OSError:
            pass
        finally:
            conn.close()
        self.received += 1
        if self.on_added:
            self.on_added(self.received)

    def close(self):
        try:
            self.server.close()
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------
# Modes


def json_stdout():
    """Keeps the real stdout for the JSON answer; anything libraries print goes to stderr."""
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    return out


def has_display():
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def layers_of(path):
    """The LAYERS of another omio-tui launcher (read, not run)."""
    with open(path, encoding="utf-8") as f:
        found = re.search(r"^LAYERS = json\.loads\(r'''\n(.*?)\n'''\)", f.read(), re.S | re.M)
    if not found:
        raise ValueError(f"{path} is not an omio-tui napari launcher")
    return json.loads(found.group(1))


def check(layers, mode):
    """Builds the viewer without showing it (the model alone without a display), prints JSON."""
    out = json_stdout()
    cached_units()
    unchanged_icons()
    import napari

    if has_display():
        viewer = napari.Viewer(show=False)
    else:
        from napari.components import ViewerModel

        log("no DISPLAY or WAYLAND_DISPLAY: checking with napari's ViewerModel (no Qt window)")
        viewer = ViewerModel()
    for spec in layers:
        add_file(viewer, spec, mode)
    out.write(json.dumps(describe(viewer, mode)) + "\n")
    out.flush()
    if hasattr(viewer, "window"):
        viewer.close()
    return 0


class Pending:
    """The layers of this launcher (and its --also launchers), which may still be `pending`:
    omio-tui started it while the stores build and rewrites the files when they are done."""

    def __init__(self, files, layers, await_pid):
        self.files = files
        self.layers = layers
        self.await_pid = await_pid
        self.last_log = 0.0

    def ready(self):
        """True once no layer is pending; re-reads the launcher files while some are."""
        if not any(spec.get("pending") for spec in self.layers):
            return True
        if self.await_pid is None:
            raise SystemExit(f"omio-napari: the store of {self.waiting()} was not finished when this launcher "
                             "was written; send the file from omio-tui again")
        try:
            self.layers = [spec for f in self.files for spec in layers_of(f)]
        except (OSError, ValueError):
            pass  # omio-tui replaces the file atomically; a failed read is retried
        if not any(spec.get("pending") for spec in self.layers):
            phase("store ready")
            return True
        try:
            os.kill(self.await_pid, 0)
        except ProcessLookupError:
            raise SystemExit(f"omio-napari: omio-tui (pid {self.await_pid}) ended before the store of "
                             f"{self.waiting()} was built")
        except PermissionError:
            pass
        now = time.monotonic()
        if now - self.last_log >= 2:
            self.last_log = now
            log(f"waiting for the store of {self.waiting()}: {self.progress()}")
        return False

    def waiting(self):
        return ", ".join(os.path.basename(s["source"]) for s in self.layers if s.get("pending"))

    def progress(self):
        """How far the builds are: bytes in the stores' .partial folders."""
        written = 0
        for spec in self.layers:
            for folder, _, names in os.walk(spec["store"] + ".partial"):
                for name in names:
                    try:
                        written += os.lstat(os.path.join(folder, name)).st_size
                    except OSError:
                        pass
        return f"{written / 1e6:.0f} MB written"

    def wait(self, pump):
        while not self.ready():
            pump()
        return self.layers


def write_report(path, pid, names):
    """Where omio-tui learns which window shows the layers (atomically: temp + rename)."""
    if not path:
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump({"ok": True, "pid": pid, "layers": names, "phases": PHASES}, f)
    os.replace(tmp, path)


def warm_up(mode):
    """What adding the first layer would load (dask and zarr imports, napari's unit registry
    and transforms: seconds on a small machine), done while the store may still be building."""
    import importlib

    import numpy as np
    from napari.layers import Image

    importlib.import_module("zarr")  # imported for the time it takes, used later
    if mode == "dask":
        importlib.import_module("dask.array")

    try:
        Image(np.zeros((2, 2), dtype=np.uint8), scale=[1, 1], units=["micrometer", "micrometer"])
    except TypeError:  # napari < 0.6: no units
        Image(np.zeros((2, 2), dtype=np.uint8), scale=[1, 1])
    phase("warmed up")


def show(viewer, pending, mode, report, pump):
    """Warms up, waits for the stores (pumping the window's events), adds the layers, reports."""
    warm_up(mode)
    layers = pending.wait(pump)
    names = []
    for spec in layers:
        names += [layer.name for layer in add_file(viewer, spec, mode)]
    phase("layers added")
    write_report(report, os.getpid(), names)


def cached_units():
    """Gives napari's units (pint's application registry) pint's on-disk cache of its parsed
    definitions (pint's own cache_folder=":auto:", ~/.cache/pint): building the registry from
    pint's text file costs about half a second on every start, loading it from the cache a
    tenth of that. The registry is the same; without a writable cache folder pint parses as
    before."""
    try:
        import pint

        pint.set_application_registry(pint.UnitRegistry(cache_folder=":auto:"))
    except Exception as e:  # no pint (an old napari), a read-only home: napari builds its own
        log(f"pint's definition cache is not used ({type(e).__name__}: {e})")


def unchanged_icons():
    """napari writes its themed icons (about 300 small SVG files) into its cache folder on every
    start, though they are the same each time (napari.resources._icons.write_colorized_svgs,
    napari 0.5 to 0.9). Each rewrite truncates a file, which waits on the file system's
    journal; while omio-tui's store build writes a gigabyte to the same disk that is seconds.
    Here a file that already holds the same text is left alone; the icons napari reads are the
    same. Any other napari, or any failure, writes them as napari does."""
    try:
        from napari.resources import _icons

        write_all = _icons.write_colorized_svgs
    except Exception:
        return

    def write_changed(*args, **kwargs):
        write_text = pathlib.Path.write_text

        def write_if_changed(path, data, *more, **options):
            try:
                if isinstance(data, str) and not more and not options and path.read_text() == data:
                    return len(data)
            except (OSError, ValueError):
                pass
            return write_text(path, data, *more, **options)

        pathlib.Path.write_text = write_if_changed
        try:
            return write_all(*args, **kwargs)
        finally:
            pathlib.Path.write_text = write_text

    _icons.write_colorized_svgs = write_changed


def make_viewer():
    cached_units()
    unchanged_icons()
    import napari

    phase("imports done")
    viewer = napari.Viewer(title="omio-tui")
    phase("window up")
    return napari, viewer


def exit_on_sigterm(release):
    """SIGTERM (omio-tui's cleanup, `kill`) ends the window at once: `release` gives up the
    socket, then the process exits without napari's and Qt's teardown, which takes seconds and
    writes nothing this launcher needs (the report is written when the layers are added; the
    kernel drops the stores' locks with the process)."""
    global SIGTERM_WAKEUP
    from qtpy.QtCore import QSocketNotifier

    def handler(*_):
        release()
        log("SIGTERM: the window is closed")
        os._exit(0)

    signal.signal(signal.SIGTERM, handler)
    # Python runs a handler only between bytecodes; while Qt's event loop waits in C++ that
    # would be at its next Python callback. The wakeup fd makes the signal wake the loop (napari.run
    # swaps in its own, which does the same, and restores this one after).
    read, write = socket.socketpair()
    read.setblocking(False)
    write.setblocking(False)
    signal.set_wakeup_fd(write.fileno())
    kind = getattr(QSocketNotifier, "Type", QSocketNotifier).Read
    notifier = QSocketNotifier(read.fileno(), kind)
    notifier.activated.connect(lambda *_: read.recv(64))
    SIGTERM_WAKEUP = (read, write, notifier)


SIGTERM_WAKEUP = None  # what exit_on_sigterm keeps alive while the window is open


def qt_pump():
    from napari.qt import get_qapp

    get_qapp().processEvents()
    time.sleep(0.05)


def serve(server, path, pending, mode, expect=None, timeout=None, report=None):
    """Opens the window with this launcher's layers and listens for more until it is closed."""
    out = json_stdout() if expect is not None else None
    listener = None
    status = {"code": 0}

    def release():
        if listener:
            listener.close()
        else:
            unlisten(server, path)

    try:
        napari, viewer = make_viewer()
        exit_on_sigterm(release)

        def finish(timed_out=False):
            extra = {"received": listener.received}
            if timed_out:
                extra["timed_out"] = True
                status["code"] = 1
            out.write(json.dumps(describe(viewer, mode, **extra)) + "\n")
            out.flush()
            viewer.close()

        on_added = (lambda n: finish() if n >= expect else None) if expect is not None else None
        deadline = time.monotonic() + timeout if expect is not None and timeout else None
        listener = Listener(server, path, viewer, on_added=on_added, deadline=deadline,
                            on_timeout=lambda: finish(timed_out=True))
        listener.start()
        log(f"napari window open; listening on {path}")
        show(viewer, pending, mode, report, qt_pump)
        napari.run()
    finally:
        release()
    return status["code"]


def unlisten(server, path):
    server.close()
    try:
        os.unlink(path)
    except OSError:
        pass


def new_window(pending, mode, report=None):
    napari, viewer = make_viewer()
    exit_on_sigterm(lambda: None)
    show(viewer, pending, mode, report, qt_pump)
    napari.run()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=f"Open {TITLE} in napari (written by omio-tui).")
    parser.add_argument("--mode", choices=["dask", "zarr", "numpy"], default=DEFAULT_MODE,
                        help=f"how the store is opened (default: {DEFAULT_MODE})")
    parser.add_argument("--check", action="store_true",
                        help="build the viewer without showing it, print the layers as JSON, exit 0")
    parser.add_argument("--also", action="append", default=[], metavar="LAUNCHER",
                        help="also open the layers of another omio-tui launcher (repeatable)")
    parser.add_argument("--new-window", action="store_true", help="do not reuse an open omio-tui napari window")
    parser.add_argument("--serve-check", type=int, metavar="N",
                        help="(tests) open the window and listen; after N hand-overs print the layers as JSON and quit")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="with --serve-check: give up (exit 1) after this many seconds")
    parser.add_argument("--await-pid", type=int, metavar="PID",
                        help="(omio-tui) the stores are still being built by PID: open them when they are done")
    parser.add_argument("--report", metavar="FILE",
                        help="(omio-tui) write the window's pid and the layer names here once they are shown")
    args = parser.parse_args(argv)

    layers = list(LAYERS)
    for other in args.also:
        layers += layers_of(other)
    pending = Pending([os.path.abspath(__file__)] + args.also, layers, args.await_pid)
    # Until a window's own handler is installed: end cleanly (omio-tui stops a launcher whose
    # store could not be built).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    if args.check:
        return check(pending.wait(lambda: time.sleep(0.05)), args.mode)
    if args.new_window:
        return new_window(pending, args.mode, args.report)
    path, own_folder = socket_path()
    for _ in range(3):
        try:
            role, conn = acquire(path, own_folder)
        except OSError as e:
            if args.serve_check is not None:
                raise
            log(f"cannot share a napari window through {path} ({e}); opening a window of its own")
            return new_window(pending, args.mode, args.report)
        if role == "server":
            return serve(conn, path, pending, args.mode, expect=args.serve_check, timeout=args.timeout,
                         report=args.report)
        if args.serve_check is not None:
            conn.close()
            log(f"--serve-check: another napari window already listens on {path}")
            return 1
        if not pending.ready():
            # A window is open already: nothing to import; wait for the stores without holding
            # the window's connection, then hand over (or open a window, if it was closed).
            conn.close()
            pending.wait(lambda: time.sleep(0.05))
            continue
        try:
            reply = hand_over(conn, pending.layers, args.mode)
        except TimeoutError:
            log(f"the napari window on {path} did not answer within {HAND_OVER_TIMEOUT:.0f} s")
            return 1
        except (OSError, ValueError) as e:
            log(f"hand-over to the napari window on {path} failed ({e}); trying again")
            time.sleep(0.5)
            continue
        finally:
            conn.close()
        if reply.get("ok"):
            phase("layers added")
            log(f"added {', '.join(reply.get('layers', []))} to the napari window of pid {reply.get('pid')}")
            write_report(args.report, reply.get("pid"), reply.get("layers", []))
            return 0
        log(f"the napari window of pid {reply.get('pid')} could not add the layers: {reply.get('error')}")
        return 1
    log("giving up on the shared window; opening a window of its own")
    return new_window(pending, args.mode, args.report)


# omio-tui fills in the values below when it writes a launcher (NapariScript.render replaces each
# @@NAME@@; they sit inside string literals, so this template is valid Python as it is). They come
# last so that a launcher's line numbers, in a traceback, are this file's.
TITLE = "@@TITLE@@"
DEFAULT_MODE = "@@MODE@@"
# What omio-tui showed, per file. "store_axes" names the store's axes (t, c, z, y, x when absent;
# an OME-Zarr image opened in place has its own; "remote": "store" is a URL; "hold": false, the
# store is not omio-tui's to lock). Each of "levels" names a store array ("path", its "shape") and
# the part of it to show ("region": per store axis a range [start, stop, step] or
# {"list": [...]}; all of it unless a region was sent). "index" says, per store axis, whether the
# axis is kept (null) or dropped at that index of the region (0); "channel_axis" is where c sits
# after dropping (null: one channel, dropped too); "scale", "translate" (where the region starts,
# in world units), "units" and "axis_labels" are per layer axis.
LAYERS = json.loads(r'''
@@LAYERS@@
''')


if __name__ == "__main__":
    sys.exit(main())

"""#
}
