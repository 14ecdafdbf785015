"""Shared helpers for the Python cross-checks: tifffile's reading of a file as TZCYX."""
import numpy as np
import tifffile

# tifffile axis letters -> omio-tui's TZCYX. I and Q (pages with no meaning) become T
# (OMIO's I->T rule); S (samples, e.g. RGB) becomes C.
AXIS_MAP = {"T": "T", "I": "T", "Q": "T", "Z": "Z", "C": "C", "S": "C", "Y": "Y", "X": "X"}


def tzcyx(path, series=0):
    """Return (array in TZCYX, tifffile series) for a TIFF-family file."""
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
