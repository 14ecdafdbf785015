import Foundation

/// OME-Zarr stores as other tools write them (ome-zarr-py and zarr-python 3 from the repo's
/// `.venv`), made into a test's folder: the user's data that omio-tui opens and must never write
/// into or purge. Nil (with the reason printed) when the venv is missing: callers skip.
public enum UserZarrStores {
    public enum Kind: String, CaseIterable, Sendable {
        /// OME-NGFF 0.5 on Zarr v3: T2 C2 Z3 64×48 uint16, two levels, `omero` DAPI (blue) and
        /// GFP (green); spacing t 2 s, z 2.5 µm, y/x 0.5 µm. Plane (t, c, z) holds
        /// 1000 × ((t·2 + c)·3 + z) + (y + x) % 1000.
        case v3
        /// OME-NGFF 0.4 on Zarr v2: C2 Z3 64×48 (axes c, z, y, x), the same channels and values.
        case v2
        /// An HCS plate (0.4, Zarr v2): wells A/1 and A/2, fields 0 and 1 of Z2 32×32 each.
        case plate
    }

    /// The Python with zarr 3 and ome-zarr: the repository's `.venv`.
    public static var python: String { TestPaths.repoRoot + "/.venv/bin/python" }

    /// Writes `kind` as `<folder>/<name>` and returns its path; nil (reason printed) without the venv.
    public static func make(_ kind: Kind, in folder: String, name: String? = nil) throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("SKIPPED: \(python) is missing (make venv): no OME-Zarr store to test with")
            return nil
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + (name ?? "\(kind.rawValue).ome.zarr")
        let run = try ChildProcess.run(python, ["-W", "ignore", "-c", script, kind.rawValue, path], timeout: 120)
        guard run.status == 0 else {
            throw NSError(domain: "UserZarrStores", code: Int(run.status),
                          userInfo: [NSLocalizedDescriptionKey: "making the \(kind) store failed: \(run.stderr)"])
        }
        return path
    }

    /// The value of pixel (y, x) of plane (t, c, z) of the `.v3` / `.v2` stores.
    public static func value(t: Int = 0, c: Int, z: Int, y: Int, x: Int, sizeC: Int = 2, sizeZ: Int = 3) -> UInt16 {
        UInt16(1000 * ((t * sizeC + c) * sizeZ + z) + (y + x) % 1000)
    }

    static let script = #"""
import sys
import numpy as np
import zarr
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.writer import write_image, write_plate_metadata, write_well_metadata

kind, out = sys.argv[1], sys.argv[2]


def stack(t, c, z, y, x):
    # Every plane distinct: value = 1000 * plane number + (y + x) % 1000.
    planes = np.arange(t * c * z, dtype=np.uint32).reshape(t, c, z, 1, 1) * 1000
    ramp = (np.add.outer(np.arange(y), np.arange(x)) % 1000).astype(np.uint32)
    return (planes + ramp).astype(np.uint16)


SPACING = {"t": 2.0, "c": 1.0, "z": 2.5, "y": 0.5, "x": 0.5}


def image(group, data, axes, fmt, levels=2, **metadata):
    write_image(data, group, axes=axes, fmt=fmt, scale_factors=[2] * (levels - 1),
                scale={a: SPACING[a] for a in axes if a != "c"},
                axes_units={a: ("second" if a == "t" else "micrometer") for a in axes if a != "c"}, **metadata)


omero = {"channels": [{"label": "DAPI", "color": "0000FF", "window": {"start": 0, "end": 4000, "min": 0, "max": 65535}, "active": True},
                      {"label": "GFP", "color": "00FF00", "window": {"start": 0, "end": 9000, "min": 0, "max": 65535}, "active": True}]}

if kind == "v3":  # OME-NGFF 0.5 on Zarr v3, T2 C2 Z3 64x48, two levels
    g = zarr.open_group(out, mode="w", zarr_format=3)
    image(g, stack(2, 2, 3, 64, 48), "tczyx", FormatV05(), omero=omero)
elif kind == "v2":  # OME-NGFF 0.4 on Zarr v2, C2 Z3 64x48
    g = zarr.open_group(out, mode="w", zarr_format=2)
    image(g, stack(1, 2, 3, 64, 48)[0], "czyx", FormatV04(), omero=omero)
elif kind == "plate":  # OME-NGFF 0.4 plate: row A, columns 1 and 2, two fields per well
    g = zarr.open_group(out, mode="w", zarr_format=2)
    write_plate_metadata(g, ["A"], ["1", "2"], ["A/1", "A/2"], fmt=FormatV04(), field_count=2)
    for w, well in enumerate(["A/1", "A/2"]):
        wg = g.require_group(well)
        write_well_metadata(wg, [{"path": "0"}, {"path": "1"}], fmt=FormatV04())
        for f in range(2):
            image(wg.require_group(str(f)), stack(1, 1, 2, 32, 32)[0, 0] + (w * 2 + f) * 100, "zyx", FormatV04(), levels=1)
else:
    raise SystemExit(f"unknown kind {kind}")
print(out)
"""#
}
