import OmioFormats

/// Auto-contrast for a whole stack rather than the shown plane: Fiji's saturated 0.35% over
/// up to `maxPlanes` planes spread evenly over T and Z, each read at about 256 x 256 (the
/// slicer takes the coarsest pyramid level that covers that, so with a store this reads its
/// small levels only). Limits found this way do not jump from frame to frame.
public enum StackContrast {
    public static let maxPlanes = 16
    static let side = 256

    /// The (t, z) positions sampled: `min(maxPlanes, T*Z)` evenly spaced in T-major order.
    public static func positions(_ shape: Shape) -> [(t: Int, z: Int)] {
        let total = shape.t * shape.z
        let k = min(maxPlanes, total)
        return (0..<k).map { i in
            let n = k > 1 ? i * (total - 1) / (k - 1) : 0
            return (n / shape.z, n % shape.z)
        }
    }

    /// Statistics of `channels` pooled over the sampled planes.
    public static func stats(_ array: LazyArray, channels: [Int]) throws -> PlaneStats {
        let s = array.shape
        let w = min(s.x, side), h = min(s.y, side)
        var values: [Float] = []
        values.reserveCapacity(w * h * channels.count * min(maxPlanes, s.t * s.z))
        for p in positions(s) {
            for c in channels {
                values += try DisplaySlicer.slice2D(array, plane: PlaneIndex(t: p.t, z: p.z, c: c), width: w, height: h).values
            }
        }
        return DisplaySlicer.stats(values, dtype: array.dtype)
    }
}
