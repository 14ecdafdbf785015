import Foundation
@testable import OmioEngine
import OmioFormats
import Testing

struct StoreLocationTests {
    @Test func besideTheFile() {
        let l = StoreLocation.resolve(source: "/data/exp1/ca.tif", isWritable: { _ in true })
        #expect(l.storePath == "/data/exp1/.omio_cache/ca.tif.ome.zarr")
        #expect(l.partialPath == "/data/exp1/.omio_cache/ca.tif.ome.zarr.partial")
        #expect(l.lockPath == "/data/exp1/.omio_cache/ca.tif.ome.zarr.lock")
        #expect(l.notice == nil)
    }

    @Test func laterSeriesAreNamedApart() {
        let l = StoreLocation.resolve(source: "/data/exp1/scenes.czi", series: 2, isWritable: { _ in true })
        #expect(l.storePath == "/data/exp1/.omio_cache/scenes.czi.series-2.ome.zarr")
        #expect(l.lockPath == "/data/exp1/.omio_cache/scenes.czi.series-2.ome.zarr.lock")
        #expect(StoreLocation.resolve(source: "/d/s.czi", series: 1, cacheDir: "/c").storePath == "/c/s.czi.series-1.ome.zarr")
    }

    @Test func explicitCacheDir() {
        let l = StoreLocation.resolve(source: "/data/exp1/ca.tif", cacheDir: "/scratch/c", isWritable: { _ in false })
        #expect(l.storePath == "/scratch/c/ca.tif.ome.zarr")
        #expect(l.notice == nil)
    }

    /// A read-only folder: the user's cache dir, a name unique to the folder, and a notice.
    @Test func readOnlyFolderFallsBackToTheUserCache() {
        var asked: [String] = []
        let env = ["XDG_CACHE_HOME": "/home/u/.xdg", "HOME": "/home/u"]
        let a = StoreLocation.resolve(source: "/data/exp1/ca.tif", environment: env, isWritable: { asked.append($0); return false })
        let b = StoreLocation.resolve(source: "/data/exp2/ca.tif", environment: env, isWritable: { _ in false })
        #expect(asked == ["/data/exp1/.omio_cache"])
        #expect(a.storePath.hasPrefix("/home/u/.xdg/omio-tui/ca.tif."))
        #expect(a.storePath.hasSuffix(".ome.zarr"))
        #expect(a.storePath != b.storePath)
        #expect(a.notice?.contains("/data/exp1 is not writable") == true)
        #expect(a.notice?.contains(a.storePath) == true)
        // Same folder, same name: stable across calls.
        #expect(a == StoreLocation.resolve(source: "/data/exp1/ca.tif", environment: env, isWritable: { _ in false }))
        // No (or a relative) XDG_CACHE_HOME: ~/.cache.
        let c = StoreLocation.resolve(source: "/data/exp1/ca.tif", environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "rel"],
                                      isWritable: { _ in false })
        #expect(c.storePath.hasPrefix("/home/u/.cache/omio-tui/ca.tif."))
    }

    @Test func relativePathsBecomeAbsolute() {
        let l = StoreLocation.resolve(source: "ca.tif", isWritable: { _ in true })
        #expect(l.storePath == FileManager.default.currentDirectoryPath + "/.omio_cache/ca.tif.ome.zarr")
    }
}
