"""Writes OME-Zarr stores with consolidated metadata (zarr-python 3's consolidate_metadata),
for the tests that open them over HTTP without a request for any level's metadata.

usage: consolidated_fixtures.py OUTDIR

OUTDIR/v3.ome.zarr (0.5, Zarr v3: inline consolidated_metadata in the root zarr.json) and
OUTDIR/v2.ome.zarr (0.4, Zarr v2: .zmetadata), three levels each; and v3_broken.ome.zarr,
v2_broken.ome.zarr: the same with level s1's consolidated entry replaced by garbage (its own
metadata file is intact, which the reader must fall back to); v3_stale.ome.zarr: s1's entry
says 30x25 where its own zarr.json says 35x25 (a level rewritten after consolidating).
"""
import json
import os
import sys
import warnings

import numpy as np
import zarr
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.writer import write_image


def write(path, zarr_format, fmt):
    g = zarr.open_group(path, mode="w", zarr_format=zarr_format)
    data = (np.arange(2 * 70 * 50, dtype=np.uint32) * 7 % 65521).astype(np.uint16).reshape(2, 70, 50)
    write_image(data, g, axes="cyx", scale_factors=[2, 4], fmt=fmt, storage_options={"chunks": (1, 32, 32)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "consolidated metadata is not part of the v3 spec"
        zarr.consolidate_metadata(path)


def edit(path, doc, change):
    with open(os.path.join(path, doc)) as f:
        meta = json.load(f)
    change(meta)
    with open(os.path.join(path, doc), "w") as f:
        json.dump(meta, f)


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, zf, fmt in [("v3", 3, FormatV05()), ("v2", 2, FormatV04())]:
        write(os.path.join(out, name + ".ome.zarr"), zf, fmt)
        broken = os.path.join(out, name + "_broken.ome.zarr")
        write(broken, zf, fmt)
        if zf == 3:
            edit(broken, "zarr.json", lambda m: m["consolidated_metadata"]["metadata"]["s1"].update(shape="garbage"))
        else:
            edit(broken, ".zmetadata", lambda m: m["metadata"].update({"s1/.zarray": "garbage"}))
    stale = os.path.join(out, "v3_stale.ome.zarr")
    write(stale, 3, FormatV05())
    edit(stale, "zarr.json", lambda m: m["consolidated_metadata"]["metadata"]["s1"].update(shape=[2, 30, 25]))


if __name__ == "__main__":
    main(sys.argv[1])
