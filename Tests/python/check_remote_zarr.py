"""OME-Zarr over HTTP: `omio-tui info`, `slice` and `render` of a URL equal the same commands on
the local store, and slices equal zarr-python's; the server's faults give the answers Zarr and
the issue ask for (a missing chunk is the fill value, 500s are retried, a 404 group / a hang /
a truncated chunk are one line).

Stores are made here with ome-zarr-py and zarr-python 3: OME-NGFF 0.4 on Zarr v2 (blosc lz4)
and 0.5 on Zarr v3 (zstd, sharded). They are served by zarr_http_server.py with 30-100 ms per
request.

Usage: check_remote_zarr.py OMIO_TUI_BINARY   (exit 1 on the first mismatch)
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zarr_http_server  # noqa: E402

try:
    import numcodecs
    import zarr
    from ome_zarr.format import FormatV04
    from ome_zarr.writer import write_image
except ImportError as e:  # the check needs the test venv; say so instead of passing
    sys.exit(f"check_remote_zarr: needs zarr 3, numcodecs and ome-zarr (the .venv): {e}")

NOT_OME = "not an OME-Zarr image (no zarr.json or .zattrs at {url})"


def pixels():
    """C, Z, Y, X uint16 where every pixel differs from its neighbours and planes differ."""
    c, z, y, x = np.meshgrid(np.arange(2), np.arange(3), np.arange(300), np.arange(260), indexing="ij")
    return ((x * 7 + y * 131 + z * 1009 + c * 20011) % 65521).astype(np.uint16)


def make_v04(path):
    """OME-NGFF 0.4, Zarr v2, blosc lz4 + shuffle, 3 levels, 128x128 chunks (edge chunks padded)."""
    group = zarr.open_group(path, mode="w", zarr_format=2)
    write_image(pixels(), group, fmt=FormatV04(), axes="czyx", scale_factors=[2, 4],
                storage_options={"chunks": (1, 1, 128, 128), "compressor": numcodecs.Blosc(cname="lz4", shuffle=1)})


def make_v05_sharded(path):
    """OME-NGFF 0.5, Zarr v3, zstd, 128x128 shards of 64x64 chunks, 3 levels."""
    data = pixels()
    root = zarr.open_group(path, mode="w", zarr_format=3)
    datasets = []
    for i, step in enumerate([1, 2, 4]):
        level = np.ascontiguousarray(data[:, :, ::step, ::step])
        a = root.create_array(str(i), shape=level.shape, dtype=level.dtype, chunks=(1, 1, 64, 64), shards=(1, 1, 128, 128),
                              compressors=zarr.codecs.ZstdCodec(level=3), dimension_names=["c", "z", "y", "x"], fill_value=0)
        a[:] = level
        datasets.append({"path": str(i), "coordinateTransformations": [{"type": "scale", "scale": [1.0, 2.0, 0.5 * step, 0.5 * step]}]})
    axes = [{"name": "c", "type": "channel"}] + [{"name": n, "type": "space", "unit": "micrometer"} for n in "zyx"]
    root.attrs["ome"] = {"version": "0.5", "multiscales": [{"axes": axes, "datasets": datasets, "name": "sharded"}]}


ENV = dict(os.environ)


def level0(store):
    """The path of a store's full-resolution array (ome-zarr-py names them "s0", ours "0")."""
    g = zarr.open_group(store, mode="r")
    attrs = g.attrs.asdict()
    return attrs.get("ome", attrs)["multiscales"][0]["datasets"][0]["path"]


def run(args, timeout=60, env=None):
    start = time.monotonic()
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env or ENV)
    return r, time.monotonic() - start


def run_measured(args, timeout=60):
    """run(), plus the child's peak resident memory in MB: VmHWM of /proc/PID/status, read
    every 20 ms until it ends (wait4's ru_maxrss would count the forked Python's own pages)."""
    start = time.monotonic()
    peak = 0
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, env=ENV)
        while p.poll() is None:
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    peak = max([peak] + [int(line.split()[1]) for line in f if line.startswith("VmHWM:")])
            except (OSError, ValueError):
                pass
            if time.monotonic() - start > timeout:
                p.kill()
                p.wait()
                fail(f"{' '.join(args)} did not end within {timeout} s")
            time.sleep(0.02)
        err.seek(0)
        r = subprocess.CompletedProcess(args, p.returncode, "", err.read().decode("utf-8", "replace"))
    return r, time.monotonic() - start, peak / 1024


def fail(message):
    raise SystemExit(f"check_remote_zarr: FAILED: {message}")


def expect_one_line_error(r, url, contains, what):
    lines = r.stderr.strip().splitlines()
    if r.returncode == 0 or len(lines) != 1 or not lines[0].startswith(f"omio-tui: error: {url}") or contains not in lines[0]:
        fail(f"{what}: want one line 'omio-tui: error: {url}...{contains}...', got exit {r.returncode}: {r.stderr!r}")


def same_without_location(a, b, local, url):
    return a.replace(local, "LOCATION") == b.replace(url, "LOCATION")


def main():
    binary = sys.argv[1]
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        make_v04(os.path.join(tmp, "v04.ome.zarr"))
        make_v05_sharded(os.path.join(tmp, "v05.ome.zarr"))
        os.makedirs(os.path.join(tmp, "empty.zarr"))
        # Every run gets a disk cache of its own (never the user's), off unless a check wants it.
        ENV.update(XDG_CACHE_HOME=os.path.join(tmp, "no-cache"), OMIO_HTTP_CACHE_MB="0")
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "xdg-cache"))
        server, port, stats = zarr_http_server.serve(tmp, ["--latency", "30-100"])
        base = f"http://127.0.0.1:{port}"

        for name in ["v04.ome.zarr", "v05.ome.zarr"]:
            local, url = os.path.join(tmp, name), f"{base}/{name}"
            want = zarr.open_array(os.path.join(local, level0(local)), mode="r")[:]  # c, z, y, x
            for c, z in [(0, 0), (1, 2)]:
                out = os.path.join(tmp, "plane.npy")
                r, _ = run([binary, "slice", url, "--c", str(c), "--z", str(z), "-o", out])
                if r.returncode != 0:
                    fail(f"slice {url}: {r.stderr.strip()}")
                got = np.load(out)
                if got.dtype != want.dtype or not np.array_equal(got, want[c, z]):
                    fail(f"slice {url} C{c} Z{z}: got {got.dtype}{got.shape}, want {want.dtype}{want[c, z].shape}")
                checked += 1
            for args in [["info"], ["render", "--width", "60", "--height", "20", "--z", "1"]]:
                remote, _ = run([binary] + args[:1] + [url] + args[1:], 120)
                plain, _ = run([binary] + args[:1] + [local] + args[1:], 120)
                if remote.returncode != 0 or not same_without_location(plain.stdout, remote.stdout, local, url):
                    fail(f"{args[0]} {url} differs from {args[0]} {local}: {remote.stderr.strip()}")
                checked += 1
        # The HTTP cache under $XDG_CACHE_HOME: a cold render fetches, a warm one requests nothing.
        url = f"{base}/v05.ome.zarr"
        before = stats.requests
        cold, _ = run([binary, "render", url, "--width", "60", "--height", "20"], 120, env)
        cold_requests = stats.requests - before
        before = stats.requests
        warm, _ = run([binary, "render", url, "--width", "60", "--height", "20"], 120, env)
        warm_requests = stats.requests - before
        if cold.returncode != 0 or warm.stdout != cold.stdout or not (0 < cold_requests and warm_requests == 0):
            fail(f"disk cache: cold {cold_requests} requests, warm {warm_requests} (want 0); {warm.stderr.strip()}")
        listing, _ = run([binary, "cache", "list", "--http"], 60, env)
        if os.path.join(tmp, "xdg-cache", "omio-tui", "http") not in listing.stdout:
            fail(f"cache list --http names the folder: {listing.stdout!r}")
        purge, _ = run([binary, "cache", "purge", "--http", "--yes"], 60, env)
        rest = [f for _, _, fs in os.walk(os.path.join(tmp, "xdg-cache", "omio-tui", "http")) for f in fs]
        if purge.returncode != 0 or rest:
            fail(f"cache purge --http left {len(rest)} files: {purge.stdout!r} {purge.stderr!r}")
        checked += 1

        # s3://bucket/key with --endpoint: the bucket is the server's first path segment.
        r, _ = run([binary, "info", "s3://v05.ome.zarr", "--endpoint", base])
        plain, _ = run([binary, "info", os.path.join(tmp, "v05.ome.zarr")])
        if r.returncode != 0 or not same_without_location(plain.stdout, r.stdout, os.path.join(tmp, "v05.ome.zarr"), "s3://v05.ome.zarr"):
            fail(f"info s3:// --endpoint: {r.returncode} {r.stderr.strip()}")
        checked += 1

        # No metadata at the URL: the exact sentence.
        for url in [f"{base}/empty.zarr", f"{base}/nothing-here.zarr"]:
            r, _ = run([binary, "info", url])
            expect_one_line_error(r, url, NOT_OME.format(url=url), "404 group")
            checked += 1
        server.shutdown()

        # A missing chunk is the fill value (0): the server 404s one chunk of level 0.
        local = os.path.join(tmp, "v04.ome.zarr")
        want = zarr.open_array(os.path.join(local, level0(local)), mode="r")[0, 0].copy()
        want[128:256, 0:128] = 0  # the chunk at row 1, column 0 of plane c 0, z 0 (dimension separator "/")
        server, port, _ = zarr_http_server.serve(tmp, ["--latency", "30-100", "--missing", f"v04.ome.zarr/{level0(local)}/0/0/1/0"])
        out = os.path.join(tmp, "fill.npy")
        r, _ = run([binary, "slice", f"http://127.0.0.1:{port}/v04.ome.zarr", "-o", out])
        if r.returncode != 0 or not np.array_equal(np.load(out), want):
            fail(f"missing chunk is not the fill value: {r.stderr.strip()}")
        server.shutdown()
        checked += 1

        # Every key's first two answers are 500: retried, and the slice is right.
        server, port, st = zarr_http_server.serve(tmp, ["--fail500", "*:2"])
        r, _ = run([binary, "slice", f"http://127.0.0.1:{port}/v05.ome.zarr", "--z", "2", "-o", out])
        if r.returncode != 0 or not np.array_equal(np.load(out), zarr.open_array(os.path.join(tmp, "v05.ome.zarr", "0"), mode="r")[0, 2]):
            fail(f"500s then OK: {r.stderr.strip()}")
        server.shutdown()
        checked += 1

        # A truncated chunk: one line, naming it.
        server, port, _ = zarr_http_server.serve(tmp, ["--truncate", "v05.ome.zarr/*/c/*"])
        url = f"http://127.0.0.1:{port}/v05.ome.zarr"
        r, _ = run([binary, "slice", url, "-o", out], 120)
        expect_one_line_error(r, url, "truncated", "truncated chunk")
        server.shutdown()
        checked += 1

        # A server that accepts and never answers: an error within 25 s, not a hang.
        server, port, _ = zarr_http_server.serve(tmp, ["--hang", "*"])
        url = f"http://127.0.0.1:{port}/v05.ome.zarr"
        r, seconds = run([binary, "info", url], 60)
        expect_one_line_error(r, url, "timed out after 20 s", "never-answering server")
        if seconds > 25:
            fail(f"never-answering server: the error took {seconds:.1f} s")
        server.shutdown()
        checked += 1
        # Hostile bodies: endless (announced, unannounced) or dripping, on every key and on
        # chunks only. One line within 25 s, memory bounded by the limits (64 MB a metadata
        # document, 4x a chunk), never by what the server sends: these once grew to 24 GB.
        # Big shards (8192² uint16, 256² inner chunks, index at the end), metadata only: every
        # chunk key answers an endless body without a length. 12 GETs in flight each grew to
        # the shard's limit together (10.9 GB); the process-wide budget of 256 MB lets one body
        # as large as a shard's limit (576 MB: 4x its 128 MB + 64 KiB per inner chunk) come alone.
        big = zarr.create_array(os.path.join(tmp, "bigshards.zarr"), shape=(32768, 32768), dtype="uint16",
                                chunks=(256, 256), shards=(8192, 8192), fill_value=0, compressors=None)
        del big
        cases = [("--endless-unsized", "bigshards.zarr/c/*", "render", "the server sent more than 576 MB"),
                 ("--endless", "*", "info", "announced"), ("--endless-unsized", "*", "info", "the server sent more than"),
                 ("--drip", "*", "info", "timed out after 20 s"),
                 ("--endless-unsized", "v04.ome.zarr/s*/*/*", "slice", "the server sent more than"),
                 ("--endless", "v04.ome.zarr/s*/*/*", "slice", "announced"),
                 ("--endless-unsized", "v05.ome.zarr/*/c/*", "slice", "more than 384 KB")]
        for mode, glob, command, contains in cases:
            server, port, _ = zarr_http_server.serve(tmp, [mode, glob])
            name = next((n for n in ["v05.ome.zarr", "bigshards.zarr"] if n in glob), "v04.ome.zarr")
            url = f"http://127.0.0.1:{port}/{name}"
            args = {"info": [binary, "info", url], "slice": [binary, "slice", url, "-o", out],
                    "render": [binary, "render", url, "--width", "200", "--height", "60", "--colors", "none"]}[command]
            r, seconds, mb = run_measured(args, 90)
            what = f"{mode} {glob} ({command})"
            # (A shard's index is its last bytes: an endless whole object instead is refused
            # at the shard's plausible size, 4x 128x128 uint16 + 64 KiB per inner chunk.)
            expect_one_line_error(r, url, contains, what)
            if seconds > 25 or mb > 700:
                fail(f"{what}: {seconds:.1f} s, {mb:.0f} MB peak (want under 25 s and 700 MB: one shard's 576 MB limit, or the 256 MB budget)")
            print(f"check_remote_zarr: {what}: {seconds:.1f} s, {mb:.0f} MB peak")
            server.shutdown()
            checked += 1
    print(f"check_remote_zarr: {checked} remote reads and failures as expected")


if __name__ == "__main__":
    main()
