"""Shared helpers for the Python cross-checks: tifffile's reading of a file as TZCYX, and the
comparison of `omio-tui slice` planes with a reference array."""
import os
import subprocess

import numpy as np
import tifffile

# tifffile axis letters -> omio-tui's TZCYX. I and Q (pages with no meaning) become T
# (OMIO's I->T rule); S (samples, e.g. RGB) becomes C.
AXIS_MAP = {"T": "T", "I": "T", "Q": "T", "Z": "Z", "C": "C", "S": "C", "Y": "Y", "X": "X"}


def tzcyx(path, series=0):
    """Return tifffile's reading of a TIFF-family file as a TZCYX array."""
    with tifffile.TiffFile(path) as tif:
        s = tif.series[series]
        data = s.asarray()
        axes = s.axes
    mapped = [AXIS_MAP.get(a, a) for a in axes]
    if len(set(mapped)) != len(mapped):
        raise ValueError(f"{path}: cannot map axes {axes} to TZCYX")
    for a in "TZCYX":
        if a not in mapped:
            data = data[np.newaxis]
            mapped.insert(0, a)
    extra = [a for a in mapped if a not in "TZCYX"]
    if extra:
        raise ValueError(f"{path}: unexpected axes {extra}")
    return np.transpose(data, [mapped.index(a) for a in "TZCYX"])


def compare_planes(binary, path, ref, tmp):
    """`omio-tui slice` of the first, middle and last plane of `path` against the TZCYX `ref`.
    Returns the number of planes checked; raises SystemExit on the first mismatch."""
    T, Z, C = ref.shape[:3]
    n = T * Z * C
    checked = 0
    for k in sorted({0, n // 2, n - 1}):
        t, z, c = k // (Z * C), (k // C) % Z, k % C
        out = os.path.join(tmp, "plane.npy")
        subprocess.run([binary, "slice", path, "--t", str(t), "--z", str(z), "--c", str(c), "-o", out], check=True)
        got = np.load(out)
        want = ref[t, z, c]
        if got.dtype != want.dtype.newbyteorder("=") or got.shape != want.shape or not np.array_equal(got, want):
            raise SystemExit(f"MISMATCH {path} T{t} Z{z} C{c}: got {got.dtype}{got.shape}, want {want.dtype}{want.shape}")
        checked += 1
    return checked
