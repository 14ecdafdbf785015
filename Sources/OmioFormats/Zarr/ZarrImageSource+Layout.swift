/// What a tool that opens the store itself needs (napari opens an OME-Zarr source in place):
/// each level's array path in the store, its shape, and each array dimension's role.
extension ZarrImageSource {
    /// Per level: the array's path below `store.location` and its shape, level 0 first.
    public var levelArrays: [(path: String, shape: [Int])] { levels.map { ($0.path, $0.metadata.shape) } }

    /// Per array dimension: "t", "c", "z", "y" or "x", or nil for a dimension with no role
    /// (read at index 0), as `read` maps them.
    public var dimensionRoles: [String?] {
        (0..<axes.count).map { d in
            d == axes.y ? "y" : d == axes.x ? "x" : d == axes.z ? "z" : d == axes.c ? "c" : d == axes.t ? "t" : nil
        }
    }
}
