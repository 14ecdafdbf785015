"""Runs every Python cross-check against the omio-tui binary in $OMIO_TUI_BIN."""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus", "real")


def main():
    binary = os.environ["OMIO_TUI_BIN"]
    examples = sorted(glob.glob(os.path.join(ROOT, "example_data", "*")))
    corpus = sorted(glob.glob(os.path.join(CORPUS, "*.tif*")) + glob.glob(os.path.join(CORPUS, "*.lsm")))
    checks = [
        ["check_slices.py", binary] + examples + corpus,
        ["check_czi.py", binary] + sorted(glob.glob(os.path.join(CORPUS, "*.czi"))),
        ["check_napari.py", binary],
        ["check_store.py", binary] + examples + corpus,
    ]
    failed = 0
    for args in checks:
        r = subprocess.run([sys.executable, os.path.join(HERE, args[0])] + args[1:], cwd=HERE)
        if r.returncode != 0:
            failed += 1
            print(f"FAILED: {args[0]}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
