"""`omio-tui slice` of the first, middle and last plane of CZI files equals czifile's pixels.

czifile returns axes such as "HTCZYX0" (the trailing 0 is the sample axis, already RGB for
BGR pixels): axes outside TZCYX are indexed at 0 as OMIO does, and samples become C, as
omio-tui reads them. Single-scene files only: czifile lays all scenes into one bounding box.

Usage: check_czi.py OMIO_TUI_BINARY FILE...   (exit 1 on the first mismatch)
"""
import sys
import tempfile

import numpy as np

from tzcyx import compare_planes

try:
    import czifile
except ImportError:
    czifile = None


def czi_tzcyx(path):
    """czifile's reading of a CZI as TZCYX (first index of every other axis)."""
    with czifile.CziFile(path) as czi:
        data = czi.asarray()
        axes = czi.axes
    data = data[tuple(slice(None) if a in "TZCYX0" else 0 for a in axes)]
    axes = "".join(a for a in axes if a in "TZCYX0")
    for a in "TZCYX0":
        if a not in axes:
            data = data[np.newaxis]
            axes = a + axes
    data = np.transpose(data, [axes.index(a) for a in "TZCYX0"])
    T, Z, C, Y, X, S = data.shape
    # Samples -> channels: czifile already turns BGR into RGB, and C becomes C * 3.
    return np.moveaxis(data, -1, 3).reshape(T, Z, C * S, Y, X)


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    if czifile is None:
        print("check_czi: SKIPPED: czifile is not installed in this venv (pip install czifile)")
        return
    if not files:
        sys.exit("check_czi: no CZI files given (is the corpus missing?)")
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            checked += compare_planes(binary, path, czi_tzcyx(path), tmp)
    print(f"check_czi: {checked} planes of {len(files)} files equal czifile's")


if __name__ == "__main__":
    main()
