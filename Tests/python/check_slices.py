"""`omio-tui slice` of the first, middle and last plane equals tifffile's pixels.

Usage: check_slices.py OMIO_TUI_BINARY FILE...   (exit 1 on the first mismatch)
"""
import sys
import tempfile

from tzcyx import compare_planes, tzcyx


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            checked += compare_planes(binary, path, tzcyx(path), tmp)
    print(f"check_slices: {checked} planes of {len(files)} files equal tifffile's")


if __name__ == "__main__":
    main()
