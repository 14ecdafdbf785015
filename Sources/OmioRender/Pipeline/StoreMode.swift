/// Where the pipeline's pixels come from: `memory` reads the file (through the chunk cache)
/// and writes nothing; `disk` builds (or reuses) the OME-Zarr store beside the file and reads
/// its pyramid. `--store` of `render` and `browse`.
public enum StoreMode: String, CaseIterable, Sendable {
    case memory, disk
}
