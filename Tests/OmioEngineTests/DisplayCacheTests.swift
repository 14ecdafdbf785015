import OmioEngine
import OmioFormats
import Testing

/// Every display read goes through the chunk cache: redrawing a view (new contrast, colours
/// or gamma run slice2D again with the same geometry) must not touch the file.
struct DisplayCacheTests {
    /// A plane far larger than the grid: the slicer reads every k-th pixel (a strided read).
    @Test func stridedViewIsReadOnce() throws {
        let levels = RecordingLevels(width: 4096, height: 4096)
        let array = LazyArray(levels: levels)
        let first = try DisplaySlicer.slice2D(array, plane: PlaneIndex(), width: 100, height: 50)
        #expect(levels.reads.count == 1 && levels.reads[0].region.rowStep > 1 && levels.reads[0].region.colStep > 1)
        let again = try DisplaySlicer.slice2D(array, plane: PlaneIndex(), width: 100, height: 50, reduce: .max)
        #expect(levels.reads.count == 1, "the same view read the file again")
        #expect(again.values != first.values) // the same samples, reduced differently
        #expect(try DisplaySlicer.slice2D(array, plane: PlaneIndex(), width: 100, height: 50).values == first.values)
        #expect(levels.reads.count == 1)
    }

    /// The cached strided read is the view's own: another plane, viewport or grid reads again.
    @Test func stridedEntriesAreKeyedByView() throws {
        let levels = RecordingLevels(width: 4096, height: 4096)
        let array = LazyArray(levels: levels)
        _ = try DisplaySlicer.slice2D(array, plane: PlaneIndex(), width: 100, height: 50)
        _ = try DisplaySlicer.slice2D(array, plane: PlaneIndex(), viewport: Viewport(x: 0, y: 0, width: 2048, height: 2048), width: 100, height: 50)
        _ = try DisplaySlicer.slice2D(array, plane: PlaneIndex(), width: 120, height: 50)
        #expect(levels.reads.count == 3)
        // Values come from the region asked for, not a stale entry: pixel (0, 2048) of the
        // level is 2048 * 1000, the bottom-left block of the lower half-view.
        let lower = try DisplaySlicer.slice2D(array, plane: PlaneIndex(), viewport: Viewport(x: 0, y: 2048, width: 2048, height: 2048),
                                              width: 100, height: 50, reduce: .max)
        #expect(levels.reads.count == 4)
        #expect(lower.values[0] >= 2_048_000)
    }

    /// A view at the data's resolution reads stored chunks, cached as before.
    @Test func fullResolutionViewIsReadOnce() throws {
        let levels = RecordingLevels(width: 64, height: 64)
        let array = LazyArray(levels: levels)
        _ = try DisplaySlicer.slice2D(array, plane: PlaneIndex(), width: 64, height: 64)
        let reads = levels.reads.count
        #expect(reads > 0)
        _ = try DisplaySlicer.slice2D(array, plane: PlaneIndex(), width: 64, height: 64, reduce: .max)
        #expect(levels.reads.count == reads)
    }
}
