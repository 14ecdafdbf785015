import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

struct StoreLocationTests {
    @Test func besideTheFile() throws {
        let l = try StoreLocation.resolve(source: "/data/exp1/ca.tif", isWritable: { _ in true })
        #expect(l.storePath == "/data/exp1/.omio_cache/ca.tif.ome.zarr")
        #expect(l.partialPath == "/data/exp1/.omio_cache/ca.tif.ome.zarr.partial")
        #expect(l.lockPath == "/data/exp1/.omio_cache/ca.tif.ome.zarr.lock")
        #expect(l.notice == nil)
    }

    @Test func laterSeriesAreNamedApart() throws {
        let l = try StoreLocation.resolve(source: "/data/exp1/scenes.czi", series: 2, isWritable: { _ in true })
        #expect(l.storePath == "/data/exp1/.omio_cache/scenes.czi.series-2.ome.zarr")
        #expect(l.lockPath == "/data/exp1/.omio_cache/scenes.czi.series-2.ome.zarr.lock")
        #expect(try StoreLocation.resolve(source: "/d/s.czi", series: 1, cacheDir: "/c").storePath == "/c/s.czi.series-1.ome.zarr")
    }

    @Test func explicitCacheDir() throws {
        let l = try StoreLocation.resolve(source: "/data/exp1/ca.tif", cacheDir: "/scratch/c", isWritable: { _ in false })
        #expect(l.storePath == "/scratch/c/ca.tif.ome.zarr")
        #expect(l.notice == nil)
    }

    /// A read-only folder: the user's cache dir, a name unique to the folder, and a notice.
    @Test func readOnlyFolderFallsBackToTheUserCache() throws {
        var asked: [String] = []
        let env = ["XDG_CACHE_HOME": "/home/u/.xdg", "HOME": "/home/u"]
        let onlyFallback: (String) -> Bool = { !$0.hasSuffix(StoreLocation.cacheFolderName) }
        let a = try StoreLocation.resolve(source: "/data/exp1/ca.tif", environment: env, isWritable: { asked.append($0); return onlyFallback($0) })
        let b = try StoreLocation.resolve(source: "/data/exp2/ca.tif", environment: env, isWritable: onlyFallback)
        #expect(asked == ["/data/exp1/.omio_cache", "/home/u/.xdg/omio-tui"])
        #expect(a.storePath.hasPrefix("/home/u/.xdg/omio-tui/ca.tif."))
        #expect(a.storePath.hasSuffix(".ome.zarr"))
        #expect(a.storePath == StoreLocation.fallbackPath(source: "/data/exp1/ca.tif", environment: env))
        #expect(a.storePath != b.storePath)
        #expect(a.notice?.contains("/data/exp1 is not writable") == true)
        #expect(a.notice?.contains(a.storePath) == true)
        // Same folder, same name: stable across calls.
        #expect(a == (try StoreLocation.resolve(source: "/data/exp1/ca.tif", environment: env, isWritable: onlyFallback)))
        // No (or a relative) XDG_CACHE_HOME: $HOME/.cache, HOME from the environment.
        let c = try StoreLocation.resolve(source: "/data/exp1/ca.tif", environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "rel"],
                                          isWritable: onlyFallback)
        #expect(c.storePath.hasPrefix("/home/u/.cache/omio-tui/ca.tif."))
    }

    /// Nothing writable: one line naming both folders tried.
    @Test func nothingWritableNamesTheFoldersTried() {
        let env = ["HOME": "/home/u"]
        #expect {
            try StoreLocation.resolve(source: "/data/exp1/ca.tif", environment: env, isWritable: { _ in false })
        } throws: { e in
            (e as? OmioError)?.reason == "cannot build its store: neither /data/exp1/.omio_cache nor /home/u/.cache/omio-tui is writable"
        }
    }

    @Test func relativePathsBecomeAbsolute() throws {
        let l = try StoreLocation.resolve(source: "ca.tif", isWritable: { _ in true })
        #expect(l.storePath == FileManager.default.currentDirectoryPath + "/.omio_cache/ca.tif.ome.zarr")
    }

    /// The path as given, tidied by its text: `.`, `..` and double slashes; never a link target.
    @Test func placementIsLexical() throws {
        #expect(LexicalPath.absolute("/a//b/./c/../d.tif") == "/a/b/d.tif")
        #expect(LexicalPath.absolute("/../x") == "/x")
        #expect(LexicalPath.absolute("x/./y", cwd: "/w/") == "/w/x/y")
        #expect(LexicalPath.absolute("") == FileManager.default.currentDirectoryPath)
        #expect(LexicalPath.folder(of: "/top.tif") == "/")
        // A real absolute symlink: the store goes beside the link.
        let dir = try StoreTestSupport.scratch("lexical")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/some", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/data/target.tif", contents: Data([1]))
        try FileManager.default.createSymbolicLink(atPath: dir + "/some/link.tif", withDestinationPath: dir + "/data/target.tif")
        let l = try StoreLocation.resolve(source: dir + "/some//./link.tif")
        #expect(l.storePath == dir + "/some/.omio_cache/link.tif.ome.zarr")
        #expect(OverlayStore.sidecarPath(for: dir + "/some/link.tif") == dir + "/some/link.tif.omio.json")
    }

    /// `$HOME` from the environment, `$XDG_*` only when absolute.
    @Test func userFoldersFollowTheEnvironment() {
        #expect(UserFolders.stateHome(["HOME": "/h"]) == "/h/.local/state")
        #expect(UserFolders.stateHome(["HOME": "/h", "XDG_STATE_HOME": "/s/"]) == "/s")
        #expect(UserFolders.stateHome(["HOME": "/h", "XDG_STATE_HOME": "s"]) == "/h/.local/state")
        #expect(UserFolders.cacheHome(["HOME": "/h"]) == "/h/.cache")
        #expect(OverlayStore.statePath(for: "/d/x.tif", environment: ["HOME": "/h"]).hasPrefix("/h/.local/state/omio-tui/overlays/"))
    }

    /// A relative HOME is ignored like a relative XDG_* (it is not "/relhome"): the passwd home.
    @Test func relativeHomeIsIgnored() throws {
        let home = String(cString: try #require(getpwuid(getuid())?.pointee.pw_dir))
        #expect(UserFolders.stateHome(["HOME": "relhome"]) == LexicalPath.absolute(".local/state", cwd: home))
        #expect(UserFolders.cacheHome(["HOME": "relhome"]) == LexicalPath.absolute(".cache", cwd: home))
    }

    /// A `.omio_cache` that is a file sends the store to the user cache, and the notice says
    /// so, instead of calling the (writable) folder read-only.
    @Test func omioCacheThatIsAFileIsNamed() throws {
        let dir = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/data/.omio_cache", contents: Data("x".utf8))
        let l = try StoreLocation.resolve(source: dir + "/data/a.tif", environment: ["XDG_CACHE_HOME": dir + "/cache"])
        #expect(l.notice == "\(dir)/data/.omio_cache is a file, not a folder; the store goes to \(l.storePath)")
        // With the user cache blocked by a file too, the refusal names both.
        FileManager.default.createFile(atPath: dir + "/cache", contents: Data("x".utf8))
        #expect(throws: OmioError(dir + "/data/a.tif", "cannot build its store: neither \(dir)/data/.omio_cache nor \(dir)/cache/omio-tui is writable "
            + "(\(dir)/data/.omio_cache is a file, not a folder; \(dir)/cache is a file, not a folder)")) {
            try StoreLocation.resolve(source: dir + "/data/a.tif", environment: ["XDG_CACHE_HOME": dir + "/cache"])
        }
    }
}
