"""`omio-tui cache build` stores open in zarr-python 3, dask and ome-zarr-py, and hold
tifffile's pixels (transposed to t,c,z,y,x), the file's physical sizes and, for planes larger
than 512 px, pyramid levels. Every file is built as Zarr v3 (OME-Zarr 0.5) and v2 (0.4), with
each compressor (gzip framing and zstd frames must decode in numcodecs as they do in omio-tui).

Usage: check_store.py OMIO_TUI_BINARY FILE...   (exit 1 on the first mismatch)
"""
import json
import os
import subprocess
import sys
import tempfile

import dask.array as da
import numpy as np
import zarr
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.io import parse_url
from ome_zarr.reader import Reader

from tzcyx import tzcyx


def fail(message):
    print(f"MISMATCH {message}")
    sys.exit(1)


def build(binary, path, cache, zarr_format, compression):
    r = subprocess.run([binary, "cache", "build", path, "--cache-dir", cache, "--zarr-format", str(zarr_format),
                        "--compression", compression], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{path}: cache build --zarr-format {zarr_format} --compression {compression} failed: {r.stderr.strip()}")
    return r.stdout.strip()


def expected_scale(info):
    t = info["TimeIncrement"] if info["TimeIncrement"] is not None else 1.0
    return [t, 1.0, info["PhysicalSizeZ"], info["PhysicalSizeY"], info["PhysicalSizeX"]]


def check(binary, path, zarr_format, compression, cache):
    store = build(binary, path, cache, zarr_format, compression)
    want = np.transpose(tzcyx(path), (0, 2, 1, 3, 4))  # TZCYX -> t,c,z,y,x
    info = json.loads(subprocess.run([binary, "info", path, "--json"], check=True, capture_output=True, text=True).stdout)
    label = f"{os.path.basename(path)} (zarr v{zarr_format}, {compression})"

    group = zarr.open_group(store, mode="r")
    level0 = group["0"]
    if level0.shape != want.shape or level0.dtype != want.dtype.newbyteorder("="):
        fail(f"{label}: zarr sees {level0.dtype}{level0.shape}, tifffile {want.dtype}{want.shape}")
    if not np.array_equal(level0[...], want):
        fail(f"{label}: zarr-python values differ from tifffile's")
    if zarr_format == 3 and list(level0.metadata.dimension_names) != ["t", "c", "z", "y", "x"]:
        fail(f"{label}: dimension_names {level0.metadata.dimension_names}")

    lazy = da.from_zarr(store, component="0")
    if not np.array_equal(lazy.compute(), want):
        fail(f"{label}: dask values differ from tifffile's")

    # OME-Zarr 0.5 on Zarr v3, 0.4 on v2: asking for the version also checks it is detected.
    nodes = list(Reader(parse_url(store, fmt=FormatV05() if zarr_format == 3 else FormatV04()))())
    if not nodes:
        fail(f"{label}: ome-zarr finds no image")
    image = nodes[0]
    axes = [a["name"] for a in image.metadata["axes"]]
    if axes != ["t", "c", "z", "y", "x"]:
        fail(f"{label}: ome-zarr axes {axes}")
    scale = image.metadata["coordinateTransformations"][0][0]["scale"]
    if not np.allclose(scale, expected_scale(info), rtol=1e-9):
        fail(f"{label}: scale {scale}, physical sizes say {expected_scale(info)}")
    levels = image.data
    if not np.array_equal(np.asarray(levels[0]), want):
        fail(f"{label}: ome-zarr level 0 differs from tifffile's")
    largest = max(want.shape[-2:])
    if largest > 512 and (len(levels) < 2 or max(levels[-1].shape[-2:]) > 512):
        fail(f"{label}: a {largest} px plane needs pyramid levels down to 512 px, got {[l.shape for l in levels]}")
    for k in range(1, len(levels)):
        ys, xs = levels[k].shape[-2:]
        py, px = levels[k - 1].shape[-2:]
        if (ys, xs) != ((py + 1) // 2, (px + 1) // 2):
            fail(f"{label}: level {k} shape {levels[k].shape} is not half of {levels[k - 1].shape}")
    return len(levels)


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    pyramids = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            for zarr_format in (3, 2):
                for compression in ("zstd", "gzip", "none"):
                    cache = tempfile.mkdtemp(dir=tmp)
                    if check(binary, path, zarr_format, compression, cache) > 1:
                        pyramids += 1
    print(f"check_store: {len(files)} files x zarr v3/v2 x zstd/gzip/none open in zarr, dask and ome-zarr with "
          f"tifffile's values ({pyramids // 6} with pyramids)")


if __name__ == "__main__":
    main()
