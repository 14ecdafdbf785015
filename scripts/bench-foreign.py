#!/usr/bin/env python3
"""The Python side of `make bench`: the same work as omio-tui's cases, done with tifffile and
OMIO (omio-microscopy), one case per fresh process. `omio-devtool bench` starts this script,
times the whole process and reads its peak RSS from wait4; the script itself prints one JSON
line with the time of the work proper (`seconds`, after imports), the import time and its
own peak RSS.

    bench-foreign.py check
    bench-foreign.py tifffile-open FILE
    bench-foreign.py tifffile-page FILE KEY [NPY_OUT]
    bench-foreign.py omio-memory FILE Z C
    bench-foreign.py omio-disk FILE CACHE_PARENT
    bench-foreign.py tifffile-substack FILE INDEX OUT.npy        (imread, then arr[INDEX])
    bench-foreign.py tifffile-zarr-substack FILE INDEX OUT.npy   (aszarr + zarr, then arr[INDEX])
    bench-foreign.py omio-substack FILE CACHE_PARENT INDEX OUT.npy
    bench-foreign.py omio-seed FILE     (the seed's workflow; needs $DISPLAY, e.g. Xvfb)
    bench-foreign.py remote-store DIR   (writes the remote rows' OME-Zarr 0.5 store; zarr 3)
    bench-foreign.py consolidated-copy SRC DST   (SRC's store with zarr.consolidate_metadata)
    bench-foreign.py remote-first-view URL LEVEL   (`ome_zarr info URL`, then plane 0 of LEVEL with dask)
"""
import json
import os
import resource
import sys
import time

t_start = time.perf_counter()


def done(**values):
    values["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(values, sort_keys=True), flush=True)


def main(argv):
    case = argv[1]
    if case == "check":
        import numpy
        import tifffile
        from importlib.metadata import version
        try:
            napari = version("napari")
        except Exception:
            napari = "not installed"
        done(tifffile=tifffile.__version__, numpy=numpy.__version__,
             omio=version("omio-microscopy"), zarr=version("zarr"),
             napari=napari, python=sys.version.split()[0])
        # omio itself must import too (it pulls in zarr, dask ...).
        import omio  # noqa: F401
        return
    if case == "tifffile-open":
        import tifffile
        t0 = time.perf_counter()
        with tifffile.TiffFile(argv[2]) as tf:
            s = tf.series[0]
            shape, dtype, axes = s.shape, str(s.dtype), s.axes
            _ = tf.imagej_metadata
        done(seconds=time.perf_counter() - t0, import_seconds=t0 - t_start,
             shape=list(shape), dtype=dtype, axes=axes)
    elif case == "tifffile-page":
        import numpy as np
        import tifffile
        t0 = time.perf_counter()
        plane = tifffile.imread(argv[2], key=int(argv[3]))
        t1 = time.perf_counter()
        if len(argv) > 4:
            np.save(argv[4], plane)
        done(seconds=t1 - t0, save_seconds=time.perf_counter() - t1,
             import_seconds=t0 - t_start, shape=list(plane.shape))
    elif case == "omio-memory":
        import numpy as np
        import omio
        z, c = int(argv[3]), int(argv[4])
        t0 = time.perf_counter()
        arr, _ = omio.imread(argv[2], zarr_store="memory", verbose=False)
        t1 = time.perf_counter()
        plane = np.asarray(arr[0, z, c])
        done(seconds=time.perf_counter() - t0, imread_seconds=t1 - t0,
             import_seconds=t0 - t_start, shape=list(plane.shape))
    elif case == "omio-disk":
        import omio
        t0 = time.perf_counter()
        arr, _ = omio.imread(argv[2], zarr_store="disk", zarr_store_path=argv[3], verbose=False)
        done(seconds=time.perf_counter() - t0, import_seconds=t0 - t_start,
             shape=list(arr.shape))
    elif case in ("tifffile-substack", "tifffile-zarr-substack", "omio-substack"):
        # A sub-stack to .npy: argv = FILE [CACHE_PARENT] INDEX OUT, INDEX as inside numpy's [].
        import numpy as np
        t0 = time.perf_counter()
        if case == "omio-substack":
            import omio
            arr, _ = omio.imread(argv[2], zarr_store="disk", zarr_store_path=argv[3], verbose=False)
            index, out = argv[4], argv[5]
        elif case == "tifffile-substack":
            import tifffile
            arr = tifffile.imread(argv[2])
            index, out = argv[3], argv[4]
        else:
            import tifffile
            import zarr
            arr = zarr.open(tifffile.imread(argv[2], aszarr=True), mode="r")
            index, out = argv[3], argv[4]
        sub = np.asarray(eval(f"arr[{index}]"))  # the index text is the bench's own, not input
        np.save(out, sub)
        done(seconds=time.perf_counter() - t0, import_seconds=t0 - t_start, shape=list(sub.shape))
    elif case == "omio-seed":
        # The seed's workflow: read into OMIO's disk cache, correct PhysicalSizeZ, open in
        # napari with dask layers (napari-ready: the viewer holds the layers), full cleanup.
        import omio
        fname = argv[2]
        t0 = time.perf_counter()
        arr, md = omio.imread(fname, zarr_store="disk", verbose=False)
        t1 = time.perf_counter()
        md["PhysicalSizeZ"] = 5
        viewer, layers, _, _ = omio.open_in_napari(arr, md, zarr_mode="zarr_dask", fname=fname,
                                                   returns=True, verbose=False)
        t2 = time.perf_counter()
        layer = layers[0] if isinstance(layers, list) else layers
        layer = layer[0] if isinstance(layer, list) else layer
        data = layer.data[0] if layer.multiscale else layer.data
        array_type = f"{type(data).__module__}.{type(data).__name__}"
        scale = [float(s) for s in layer.scale]
        viewer.close()
        omio.cleanup_omio_cache(fname, full_cleanup=True, verbose=False)
        t3 = time.perf_counter()
        done(seconds=t3 - t0, import_seconds=t0 - t_start, imread_seconds=t1 - t0,
             napari_seconds=t2 - t1, cleanup_seconds=t3 - t2, array_type=array_type, scale=scale)
    elif case == "remote-store":
        remote_store(argv[2])
    elif case == "consolidated-copy":
        consolidated_copy(argv[2], argv[3])
    elif case == "remote-first-view":
        import dask.array as da
        import ome_zarr.utils
        import zarr  # noqa: F401 (dask's from_zarr opens the URL through zarr + fsspec/aiohttp)
        t0 = time.perf_counter()
        nodes = list(ome_zarr.utils.info(argv[2]))  # what `ome_zarr info URL` does: prints the nodes
        t1 = time.perf_counter()
        level = da.from_zarr(argv[2] + "/" + argv[3])
        plane = level[(0,) * (level.ndim - 2)].compute()
        t2 = time.perf_counter()
        done(seconds=t2 - t0, import_seconds=t0 - t_start, info_seconds=t1 - t0, read_seconds=t2 - t1,
             nodes=len(nodes), shape=list(plane.shape), sum=int(plane.sum(dtype="uint64")))
    else:
        sys.exit(f"bench-foreign.py: unknown case {case}")


def remote_store(path):
    """OME-NGFF 0.5 on Zarr v3: 8 x 4096 x 4096 uint16 (z, y, x), 3 levels (each half the last),
    512 x 512 chunks of one plane, zstd. A smooth pattern plus noise: compresses to about half,
    as camera data does."""
    import numpy as np
    import zarr
    t0 = time.perf_counter()
    rng = np.random.default_rng(18)
    y, x = np.mgrid[0:4096, 0:4096]
    base = ((np.sin(x / 300.0) + np.cos(y / 170.0)) * 8000 + 20000).astype(np.uint16)
    root = zarr.open_group(path, mode="w", zarr_format=3)
    datasets = []
    for level in range(3):
        step = 2 ** level
        n = 4096 // step
        a = root.create_array(str(level), shape=(8, n, n), dtype="uint16", chunks=(1, 512, 512),
                              compressors=zarr.codecs.ZstdCodec(level=3), dimension_names=["z", "y", "x"], fill_value=0)
        for z in range(8):
            noise = rng.integers(0, 512, size=(n, n), dtype=np.uint16)
            a[z] = base[::step, ::step] + noise + np.uint16(z * 500)
        datasets.append({"path": str(level), "coordinateTransformations": [{"type": "scale", "scale": [2.0, 0.25 * step, 0.25 * step]}]})
    axes = [{"name": n, "type": "space", "unit": "micrometer"} for n in "zyx"]
    root.attrs["ome"] = {"version": "0.5", "multiscales": [{"axes": axes, "datasets": datasets, "name": "remote bench"}]}
    done(seconds=time.perf_counter() - t0)


def consolidated_copy(src, dst):
    """SRC's store at DST with consolidated metadata (zarr-python 3's consolidate_metadata: the
    levels' zarr.json inline in the root's). Chunks are hard links (nothing rewrites them);
    metadata files are copies, so consolidating never touches SRC's root zarr.json."""
    import shutil
    import warnings
    import zarr
    t0 = time.perf_counter()
    shutil.rmtree(dst, ignore_errors=True)

    def place(a, b):
        if os.path.basename(a) == "zarr.json":
            return shutil.copy2(a, b)
        os.link(a, b)
        return b
    shutil.copytree(src, dst, copy_function=place)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "consolidated metadata is not part of the v3 spec"
        zarr.consolidate_metadata(dst)
    done(seconds=time.perf_counter() - t0)


if __name__ == "__main__":
    main(sys.argv)
