"""Samples without a dtype of their own (1-7, 10, 12, 14, 24-bit integers; half floats;
FillOrder 2; Predictor 2): `omio-tui slice` of every channel equals tifffile's values, widened to
uint8 / uint16 / uint32 / float32 (tifffile gives bool for 1-bit, float16 for half floats).

Usage: check_packed.py OMIO_TUI_BINARY FILE...   (exit 1 on the first mismatch)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

from tzcyx import tzcyx


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    if not files:
        sys.exit("check_packed: no files given")
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            ref = tzcyx(path)
            for c in range(ref.shape[2]):
                out = os.path.join(tmp, "plane.npy")
                subprocess.run([binary, "slice", path, "--c", str(c), "-o", out], check=True)
                got, want = np.load(out), ref[0, 0, c]
                if want.dtype == np.float16:
                    widened = np.dtype(np.float32)
                else:
                    widened = np.dtype(np.uint8) if want.dtype.itemsize == 1 else np.dtype(want.dtype).newbyteorder("=")
                if got.dtype != widened or got.shape != want.shape or not np.array_equal(got, want.astype(widened), equal_nan=True):
                    sys.exit(f"MISMATCH {path} C{c}: got {got.dtype}{got.shape}, want {want.dtype}{want.shape}")
                checked += 1
    print(f"check_packed: {checked} planes of {len(files)} packed-sample files equal tifffile's")


if __name__ == "__main__":
    main()
