import Foundation
import OmioFixtures
import OmioFormats
import Testing

/// Zarr stores written by zarr-python 3 (the project's .venv) into a temporary folder once per
/// test run, with every region of each dumped as numpy reads it (C order, little-endian), so the
/// reader is compared with the reference implementation and not with itself.
enum ZarrTestStores {
    static let python = TestPaths.repoRoot + "/.venv/bin/python"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: python) }
    static let skipReason: Comment = "needs .venv/bin/python with zarr 3 and numcodecs (ln -s /work/main/.venv .venv)"

    struct Case: Decodable {
        struct Region: Decodable {
            let region: [[Int]]
            let file: String
        }
        let store: String
        let path: String
        let dtype: String
        let shape: [Int]
        let regions: [Region]
    }

    nonisolated(unsafe) private static var generated: String?

    /// The folder with the stores and `cases.json`; generated on first use.
    static let folder: Result<String, Error> = {
        let dir = TestPaths.tempDir() + "/zarr"
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let script = dir + "/make_stores.py"
            try Data(ZarrTestStores.generator.utf8).write(to: URL(fileURLWithPath: script))
            let r = try ChildProcess.run(ZarrTestStores.python, [script, dir], timeout: 600)
            guard r.status == 0 else { throw FormatError("make_stores.py failed: \(r.stderr.suffix(2000))") }
            ZarrTestStores.generated = dir
            atexit { if let dir = ZarrTestStores.generated { try? FileManager.default.removeItem(atPath: dir) } }
            return .success(dir)
        } catch {
            return .failure(error)
        }
    }()

    static func cases() throws -> (String, [Case]) {
        let dir = try folder.get()
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/cases.json"))
        return (dir, try JSONDecoder().decode([Case].self, from: data))
    }

    /// A copy of one generated store that a test may damage.
    static func copy(_ name: String) throws -> String {
        let dir = try folder.get()
        let target = TestPaths.tempDir() + "/" + name
        try FileManager.default.copyItem(atPath: dir + "/" + name, toPath: target)
        return target
    }

    static let generator = #"""
import json, os, sys
import numpy as np
import zarr, numcodecs
from zarr.codecs import (BloscCodec, BytesCodec, Crc32cCodec, GzipCodec, ShardingCodec,
                         TransposeCodec, ZstdCodec)

out = sys.argv[1]
cases = []

def data(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        a = rng.normal(100, 30, size=shape)
    else:
        info = np.iinfo(dt)
        a = rng.integers(max(info.min, -3000), min(info.max, 60000), size=shape, endpoint=True)
    # smooth-ish structure so compressors have something to do, plus noise
    grid = np.indices(shape).sum(axis=0)
    return (a + (grid % 97)).astype(dt) if dt.kind != "f" else (a + grid).astype(dt)

def regions(shape):
    full = [[0, n, 1] for n in shape]
    inner = [[min(1, n), max(min(1, n), n - 3), 1] for n in shape]
    stepped = [[0, n, 3 if i == len(shape) - 1 else 2] for i, n in enumerate(shape)]
    edge = [[max(0, n - 5), n, 1] for n in shape]
    odd = [[n // 3, n, 7] for n in shape]
    one = [[n // 2, n // 2 + 1, 1] for n in shape]
    empty = [[0, 0, 1]] + [[0, n, 1] for n in shape[1:]]
    return [full, inner, stepped, edge, odd, one, empty]

def add(name, arr, path="", partial=None):
    """Dump every region as numpy reads it through zarr (C order, little-endian)."""
    a = arr
    entry = {"store": name, "path": path, "dtype": a.dtype.name, "shape": list(a.shape), "regions": []}
    for i, r in enumerate(regions(a.shape)):
        sel = tuple(slice(lo, hi, st) for lo, hi, st in r)
        v = np.asarray(a[sel])
        v = v.astype(v.dtype.newbyteorder("<"), copy=False)
        fname = f"{name.replace('/', '_')}.{i}.bin"
        with open(os.path.join(out, fname), "wb") as f:
            f.write(np.ascontiguousarray(v).tobytes())
        entry["regions"].append({"region": r, "file": fname})
    cases.append(entry)

def store(name):
    return os.path.join(out, name)

shape3 = (3, 100, 130)
# --- Zarr v2 ---
for cname, shuffle, dtype in [("lz4", numcodecs.Blosc.SHUFFLE, "uint16"), ("zstd", numcodecs.Blosc.BITSHUFFLE, "int16"),
                              ("lz4hc", numcodecs.Blosc.NOSHUFFLE, "uint8"), ("zlib", numcodecs.Blosc.SHUFFLE, "float32"),
                              ("blosclz", numcodecs.Blosc.SHUFFLE, "int32")]:
    n = f"v2_blosc_{cname}.zarr"
    a = zarr.create_array(store(n), shape=shape3, chunks=(1, 32, 48), dtype=dtype, zarr_format=2,
                          compressors=numcodecs.Blosc(cname=cname, clevel=5, shuffle=shuffle))
    a[:] = data(shape3, dtype, 1)
    add(n, a)
n = "v2_slash.zarr"
a = zarr.create_array(store(n), shape=(70, 90), chunks=(32, 32), dtype="uint16", zarr_format=2,
                      chunk_key_encoding={"name": "v2", "separator": "/"}, compressors=numcodecs.Zstd(level=3))
a[:] = data((70, 90), "uint16", 2)
add(n, a)
for dtype, comp in [(">u2", numcodecs.GZip(level=4)), (">f4", numcodecs.Zstd(level=1)), (">i4", numcodecs.Zlib(level=2)), (">f8", None)]:
    n = f"v2_be_{dtype[1:]}.zarr"
    a = zarr.create_array(store(n), shape=(2, 50, 61), chunks=(1, 20, 25), dtype=np.dtype(dtype), zarr_format=2, compressors=comp)
    a[:] = data((2, 50, 61), dtype, 3)
    add(n, a)
n = "v2_forder.zarr"
a = zarr.create_array(store(n), shape=(40, 33, 5), chunks=(16, 16, 3), dtype="uint16", zarr_format=2, order="F",
                      compressors=numcodecs.Zlib(level=1))
a[:] = data((40, 33, 5), "uint16", 4)
add(n, a)
n = "v2_fill.zarr"
a = zarr.create_array(store(n), shape=(60, 70), chunks=(16, 16), dtype="uint16", zarr_format=2, fill_value=7,
                      compressors=numcodecs.Blosc(cname="lz4"))
a[20:40, 10:30] = data((20, 20), "uint16", 5)
add(n, a)
n = "v2_nan.zarr"
a = zarr.create_array(store(n), shape=(50, 40), chunks=(16, 16), dtype="float64", zarr_format=2, fill_value=np.nan)
a[0:10, 0:10] = data((10, 10), "float64", 6)
add(n, a)
n = "v2_nullfill.zarr"
a = zarr.create_array(store(n), shape=(40, 40), chunks=(16, 16), dtype="int16", zarr_format=2, fill_value=None)
a[0:16, 0:16] = data((16, 16), "int16", 18)
add(n, a)
# --- Zarr v3 ---
for comp, tag, dtype in [(ZstdCodec(level=3), "zstd", "uint16"), (GzipCodec(level=5), "gzip", "int16"),
                         (BloscCodec(cname="lz4", shuffle="bitshuffle", typesize=4), "blosc", "float32"),
                         (BloscCodec(cname="zstd", shuffle="shuffle"), "blosc_zstd", "uint32"),
                         ([ZstdCodec(level=1), Crc32cCodec()], "zstd_crc", "int8"),
                         ([Crc32cCodec(), GzipCodec(level=1)], "crc_gzip", "int32")]:
    n = f"v3_{tag}.zarr"
    a = zarr.create_array(store(n), shape=shape3, chunks=(1, 32, 48), dtype=dtype, compressors=comp,
                          dimension_names=["c", "y", "x"])
    a[:] = data(shape3, dtype, 7)
    add(n, a)
n = "v3_dot.zarr"
a = zarr.create_array(store(n), shape=(70, 90), chunks=(32, 32), dtype="uint8",
                      chunk_key_encoding={"name": "default", "separator": "."}, compressors=None)
a[:] = data((70, 90), "uint8", 8)
add(n, a)
n = "v3_v2keys.zarr"
a = zarr.create_array(store(n), shape=(70, 90), chunks=(32, 32), dtype="uint8",
                      chunk_key_encoding={"name": "v2", "separator": "."}, compressors=None)
a[:] = data((70, 90), "uint8", 9)
add(n, a)
n = "v3_transpose.zarr"
a = zarr.create_array(store(n), shape=(2, 50, 61), chunks=(1, 20, 25), dtype="uint16",
                      filters=[TransposeCodec(order=(2, 0, 1))], compressors=ZstdCodec())
a[:] = data((2, 50, 61), "uint16", 10)
add(n, a)
n = "v3_bigendian.zarr"
a = zarr.create_array(store(n), shape=(50, 61), chunks=(20, 25), dtype="float64",
                      serializer=BytesCodec(endian="big"), compressors=GzipCodec())
a[:] = data((50, 61), "float64", 11)
add(n, a)
n = "v3_sharded.zarr"
a = zarr.create_array(store(n), shape=(2, 150, 170), shards=(1, 64, 128), chunks=(1, 16, 32), dtype="uint16",
                      compressors=ZstdCodec())
a[:] = data((2, 150, 170), "uint16", 12)
add(n, a)
for loc in ["start", "end"]:
    n = f"v3_sharded_{loc}.zarr"
    a = zarr.create_array(store(n), shape=(150, 170), chunks=(64, 64), dtype="int16",
                          serializer=ShardingCodec(chunk_shape=(16, 32), codecs=[BytesCodec(), BloscCodec(cname="lz4")],
                                                   index_codecs=[BytesCodec(), Crc32cCodec()], index_location=loc),
                          compressors=None, fill_value=-5)
    # leave some inner chunks (and a whole shard) unwritten
    a[0:100, 0:150] = data((100, 150), "int16", 13)
    add(n, a)
n = "v3_fill.zarr"
a = zarr.create_array(store(n), shape=(60, 70), chunks=(16, 16), dtype="uint16", fill_value=7)
a[20:40, 10:30] = data((20, 20), "uint16", 14)
add(n, a)
n = "v3_nan.zarr"
a = zarr.create_array(store(n), shape=(50, 40), chunks=(16, 16), dtype="float64", fill_value=np.nan, compressors=ZstdCodec())
a[0:10, 0:10] = data((10, 10), "float64", 15)
add(n, a)
# A group holding an array, for path handling.
g = zarr.open_group(store("v3_group.zarr"), mode="w")
g.attrs["note"] = "group"
a = g.create_array("level/0", shape=(30, 40), chunks=(16, 16), dtype="uint16")
a[:] = data((30, 40), "uint16", 16)
add("v3_group.zarr", a, path="level/0")
g2 = zarr.open_group(store("v2_group.zarr"), mode="w", zarr_format=2)
g2.attrs["note"] = "group"
a = g2.create_array("0", shape=(30, 40), chunks=(16, 16), dtype="uint16")
a[:] = data((30, 40), "uint16", 17)
add("v2_group.zarr", a, path="0")

with open(os.path.join(out, "cases.json"), "w") as f:
    json.dump(cases, f, indent=1)
print(len(cases))
"""#
}
