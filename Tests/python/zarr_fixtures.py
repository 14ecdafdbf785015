"""Writes OME-Zarr test stores with zarr-python 3 and ome-zarr-py, and beside each what
zarr-python reads back, so the Swift reader is compared with the reference implementation.

usage: zarr_fixtures.py OUTDIR

For each store NAME: OUTDIR/NAME (the store) and OUTDIR/NAME.expect/ holding expect.json
({"image": path inside the store, "levels": [{"path", "shape", "dtype"}]}) and level<k>.raw:
every level array as zarr-python reads it, C order, little-endian. Every sample is distinct
(a ramp with a per-store offset) so a swapped axis or a misplaced chunk shows.
"""
import json
import os
import sys

import numpy as np
import zarr
from numcodecs import Blosc
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.writer import write_image, write_labels, write_plate_metadata, write_well_metadata


def ramp(shape, dtype, offset=0):
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) + offset
    if np.issubdtype(np.dtype(dtype), np.integer):
        info = np.iinfo(dtype)
        a = a % (int(info.max) - int(info.min) + 1) + int(info.min)
    else:
        a = a * 0.25 - 3.5
    return a.astype(dtype)


def expect(out, name, image, paths):
    folder = os.path.join(out, name + ".expect")
    os.makedirs(folder, exist_ok=True)
    root = zarr.open_group(os.path.join(out, name), mode="r") if image is not None else None
    levels = []
    for k, p in enumerate(paths):
        full = "/".join(x for x in [image, p] if x)
        arr = zarr.open_array(os.path.join(out, name, full), mode="r") if full else zarr.open_array(os.path.join(out, name), mode="r")
        data = np.ascontiguousarray(arr[...])
        data.astype(data.dtype.newbyteorder("<")).tofile(os.path.join(folder, f"level{k}.raw"))
        levels.append({"path": full, "shape": list(data.shape), "dtype": str(data.dtype.newbyteorder("=").name)})
    with open(os.path.join(folder, "expect.json"), "w") as f:
        json.dump({"image": image or "", "levels": levels}, f)
    del root


def levels_of(group_path):
    g = zarr.open_group(group_path, mode="r")
    attrs = g.attrs.asdict()
    ms = attrs.get("ome", attrs).get("multiscales")
    return [d["path"] for d in ms[0]["datasets"]]


def main(out):
    os.makedirs(out, exist_ok=True)

    # OME-NGFF 0.5 on Zarr v3 (zstd, ome-zarr-py's default), all five axes, two levels, edge
    # chunks on both Y and X, units to convert: t ms, z µm, y/x nm.
    name = "tczyx_v05.ome.zarr"
    g = zarr.open_group(os.path.join(out, name), mode="w", zarr_format=3)
    write_image(ramp((2, 3, 4, 70, 50), "uint16"), g, axes="tczyx", scale_factors=[2], fmt=FormatV05(),
                scale={"t": 250.0, "z": 2.0, "y": 500.0, "x": 500.0},
                axes_units={"t": "millisecond", "z": "micrometer", "y": "nanometer", "x": "nanometer"},
                storage_options={"chunks": (1, 1, 1, 32, 32)})
    expect(out, name, "", levels_of(os.path.join(out, name)))

    # OME-NGFF 0.4 on Zarr v2 with blosc (lz4, shuffle): C, Z, Y, X; int16; mm units.
    name = "czyx_v04_blosc.ome.zarr"
    g = zarr.open_group(os.path.join(out, name), mode="w", zarr_format=2)
    write_image(ramp((2, 3, 40, 36), "int16", offset=-30000), g, axes="czyx", scale_factors=[2], fmt=FormatV04(),
                scale={"z": 0.003, "y": 0.0004, "x": 0.0004}, axes_units={"z": "millimeter", "y": "millimeter", "x": "millimeter"},
                storage_options={"chunks": (1, 1, 16, 16), "compressor": Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE)})
    expect(out, name, "", levels_of(os.path.join(out, name)))

    # Z, Y, X only, uint8, one level, angstrom spacing.
    name = "zyx.ome.zarr"
    g = zarr.open_group(os.path.join(out, name), mode="w", zarr_format=3)
    write_image(ramp((5, 33, 31), "uint8"), g, axes="zyx", scale_factors=[], fmt=FormatV05(),
                scale={"z": 20000.0, "y": 1000.0, "x": 1000.0}, axes_units={"z": "angstrom", "y": "angstrom", "x": "angstrom"},
                storage_options={"chunks": (2, 16, 16)})
    write_labels((ramp((5, 33, 31), "uint8") % 3).astype("uint8"), g, name="cells", axes="zyx", scale_factors=[], fmt=FormatV05())
    expect(out, name, "", levels_of(os.path.join(out, name)))

    # 2-D float32 with omero channel metadata (name, colour, contrast window).
    name = "yx_float_omero.ome.zarr"
    g = zarr.open_group(os.path.join(out, name), mode="w", zarr_format=3)
    write_image(ramp((48, 40), "float32"), g, axes="yx", scale_factors=[], fmt=FormatV05(),
                scale={"y": 0.65, "x": 0.65}, axes_units={"y": "micrometer", "x": "micrometer"},
                storage_options={"chunks": (20, 20)},
                omero={"channels": [{"label": "DAPI", "color": "0000FF", "window": {"start": -2.0, "end": 300.0, "min": -3.5, "max": 476.0}, "active": True}]})
    expect(out, name, "", levels_of(os.path.join(out, name)))

    # T, Y, X: a time series in minutes, float64.
    name = "tyx.ome.zarr"
    g = zarr.open_group(os.path.join(out, name), mode="w", zarr_format=3)
    write_image(ramp((4, 24, 20), "float64"), g, axes="tyx", scale_factors=[], fmt=FormatV05(),
                scale={"t": 1.5, "y": 2.0, "x": 2.0}, axes_units={"t": "minute", "y": "micrometer", "x": "micrometer"},
                storage_options={"chunks": (1, 10, 10)})
    expect(out, name, "", levels_of(os.path.join(out, name)))

    # Sharded Zarr v3 (inner chunks 8x8 in shards 16x16; gzip inside), written by hand: custom
    # axis names mapped by type (channel, then three space axes), and a level-wide transform.
    name = "sharded_custom_axes.ome.zarr"
    path = os.path.join(out, name)
    root = zarr.open_group(path, mode="w", zarr_format=3)
    data = ramp((2, 3, 40, 36), "uint16", offset=7)
    root.create_array("0", data=data, chunks=(1, 1, 8, 8), shards=(1, 1, 16, 16), compressors=[zarr.codecs.GzipCodec(level=5)],
                      dimension_names=["ch", "depth", "row", "col"])
    half = data[:, :, ::2, ::2]
    root.create_array("1", data=np.ascontiguousarray(half), chunks=(1, 1, 8, 8), shards=(1, 1, 16, 16),
                      dimension_names=["ch", "depth", "row", "col"])
    root.attrs["ome"] = {"version": "0.5", "multiscales": [{
        "name": "custom",
        "axes": [{"name": "ch", "type": "channel"}, {"name": "depth", "type": "space", "unit": "micrometer"},
                 {"name": "row", "type": "space", "unit": "micrometer"}, {"name": "col", "type": "space", "unit": "micrometer"}],
        "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 1.5, 0.2, 0.2]}]},
                     {"path": "1", "coordinateTransformations": [{"type": "scale", "scale": [1, 1.5, 0.4, 0.4]}]}],
        "coordinateTransformations": [{"type": "scale", "scale": [1, 2, 2, 2]}]}]}
    expect(out, name, "", ["0", "1"])

    # An HCS plate: 2 wells (A/1, B/2), 2 fields each, 0.5.
    name = "plate.ome.zarr"
    path = os.path.join(out, name)
    root = zarr.open_group(path, mode="w", zarr_format=3)
    write_plate_metadata(root, ["A", "B"], ["1", "2"], ["A/1", "B/2"], fmt=FormatV05(), field_count=2, name="test plate")
    k = 0
    for w in ["A/1", "B/2"]:
        row, col = w.split("/")
        well = root.require_group(row).require_group(col)
        write_well_metadata(well, ["0", "1"], fmt=FormatV05())
        for f in ["0", "1"]:
            field = well.require_group(f)
            write_image(ramp((2, 30, 26), "uint16", offset=1000 * k), field, axes="cyx", scale_factors=[], fmt=FormatV05(),
                        storage_options={"chunks": (1, 16, 16)})
            k += 1
    expect(out, name, "A/1/0", levels_of(os.path.join(path, "A/1/0")))

    # A pyramid downsampled along Z too (8 -> 4 planes): level 1's planes are indexed in
    # proportion to level 0's.
    name = "zyx_z_pyramid.ome.zarr"
    g = zarr.open_group(os.path.join(out, name), mode="w", zarr_format=3)
    write_image(ramp((8, 32, 30), "uint16"), g, axes="zyx", scale_factors=[{"z": 2, "y": 2, "x": 2}], fmt=FormatV05(),
                method="nearest", storage_options={"chunks": (2, 16, 16)})
    expect(out, name, "", levels_of(os.path.join(out, name)))

    # bioformats2raw's layout (0.4, Zarr v2): series 0 and 1 below a root that is no image,
    # listed in OME/.zattrs.
    name = "b2r.ome.zarr"
    path = os.path.join(out, name)
    root = zarr.open_group(path, mode="w", zarr_format=2)
    root.attrs["bioformats2raw.layout"] = 3
    for k in ["0", "1"]:
        write_image(ramp((2, 20, 18), "uint16", offset=500 * int(k)), root.require_group(k), axes="cyx", scale_factors=[], fmt=FormatV04())
    ome = root.require_group("OME")
    ome.attrs["series"] = ["0", "1"]
    expect(out, name, "0", levels_of(os.path.join(path, "0")))


if __name__ == "__main__":
    main(sys.argv[1])
