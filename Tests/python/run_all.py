"""Runs every Python cross-check against the omio-tui binary in $OMIO_TUI_BIN."""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

def find_corpus():
    """The shared corpus, found as the Swift tests find it: $OMIO_CORPUS, ../shared/corpus
    beside the checkout, or /work/shared/corpus. Missing is a failure, not a skip."""
    for base in [os.environ.get("OMIO_CORPUS"), os.path.join(ROOT, "..", "shared", "corpus"), "/work/shared/corpus"]:
        if base and os.path.exists(os.path.join(base, "real", "reference.json")):
            return os.path.join(os.path.abspath(base), "real")
    sys.exit("run_all: the shared corpus was not found (set OMIO_CORPUS)")


def main():
    binary = os.environ["OMIO_TUI_BIN"]
    CORPUS = find_corpus()
    examples = sorted(glob.glob(os.path.join(ROOT, "example_data", "*")))
    corpus = sorted(glob.glob(os.path.join(CORPUS, "*.tif*")) + glob.glob(os.path.join(CORPUS, "*.lsm")))
    # Valid files among the corrupt corpus with samples that have no dtype of their own (libtiff's
    # depth series, image-tiff's 1c, 24-bit and half-float images, Pillow's 2/4-bit hopper incl.
    # FillOrder 2, CCITT G3/G4 bilevel files).
    broken = os.path.join(os.path.dirname(CORPUS), "corrupt")
    packed = sorted(sum((glob.glob(os.path.join(broken, p)) for p in [
        "imagers_tests_libtiffpic_depth_flower-*-0[246].tif", "imagers_tests_libtiffpic_depth_flower-*-1[024].tif",
        "imagers_tests_images_mini*-1c-[1-7]b.tiff", "imagers_tests_images_mini*-1c-1[24]b.tiff",
        "imagers_tests_images_palette-1c-[14]b.tiff", "pillow_hopper[24]*.tif", "imagers_tests_images_hpredict-1c-12b.tiff",
        "imagers_tests_libtiffpic_depth_flower-*-24.tif", "imagers_tests_images_seq_seq-*-24b-*.tiff", "imagers_tests_images_*fp16*.tiff",
        "imagers_tests_images_seq_seq-1c-1b-fax3*.tiff", "pillow_g4*.tif*", "pillow_hopper_g4*.tif"]), []))
    checks = [
        ["check_slices.py", binary] + examples + corpus,
        ["check_regions.py", binary] + examples + corpus,
        ["check_export.py", binary] + examples,
        ["check_packed.py", binary] + packed,
        ["check_czi.py", binary] + sorted(glob.glob(os.path.join(CORPUS, "*.czi"))),
        ["check_launcher.py"],
        ["check_napari.py", binary],
        ["check_store.py", binary] + examples + corpus,
        ["check_graphics.py", binary],
        ["check_cells.py", binary],
        ["check_remote_zarr.py", binary],
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
