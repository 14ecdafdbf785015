"""`omio-tui slice` of the first, middle and last plane equals tifffile's pixels.

Usage: check_slices.py OMIO_TUI_BINARY FILE...   (exit 1 on the first mismatch)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

from tzcyx import tzcyx


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            ref = tzcyx(path)
            T, Z, C = ref.shape[:3]
            n = T * Z * C
            for k in sorted({0, n // 2, n - 1}):
                t, z, c = k // (Z * C), (k // C) % Z, k % C
                out = os.path.join(tmp, "plane.npy")
                subprocess.run([binary, "slice", path, "--t", str(t), "--z", str(z), "--c", str(c), "-o", out],
                               check=True)
                got = np.load(out)
                want = ref[t, z, c]
                if got.dtype != want.dtype.newbyteorder("=") or got.shape != want.shape or not np.array_equal(got, want):
                    print(f"MISMATCH {path} T{t} Z{z} C{c}: got {got.dtype}{got.shape}, want {want.dtype}{want.shape}")
                    sys.exit(1)
                checked += 1
    print(f"check_slices: {checked} planes of {len(files)} files equal tifffile's")


if __name__ == "__main__":
    main()
