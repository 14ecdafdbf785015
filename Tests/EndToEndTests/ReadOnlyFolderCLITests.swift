import Foundation
import OmioFixtures
import Testing

/// A user whose image folder is read-only (run as `nobody` through setpriv: root ignores
/// permission bits): edits go to `$HOME/.local/state`, stores to `$HOME/.cache`, with $HOME from
/// the environment; both can be found and freed; when nothing is writable one plain line names
/// the folders tried. No Foundation error dump, ever.
@Suite(.serialized, .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs root and setpriv"))
struct ReadOnlyFolderCLITests {
    /// `root/data/rgb.tif` in a folder nobody may read but not write, `root/home` nobody owns,
    /// and a copy of the binary nobody can run (the checkout may sit in a folder only root enters).
    struct Scene {
        let root = "/tmp/omio-readonly-\(UUID().uuidString)"
        var data: String { root + "/data" }
        var home: String { root + "/home" }
        var binary: String { root + "/omio-tui" }

        init() throws {
            for dir in [root, data, home] {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                chmod(dir, 0o755)
            }
            chown(home, 65534, 65534)
            try FileManager.default.copyItem(atPath: TestPaths.exampleData + "/rgb.tif", toPath: data + "/rgb.tif")
            chmod(data + "/rgb.tif", 0o644)
            try FileManager.default.copyItem(atPath: BinaryRunner.binary, toPath: binary)
            chmod(binary, 0o755)
        }

        /// The binary as nobody, with only HOME (and `extra`) in its environment.
        func run(_ args: [String], home: String? = nil, extra: [String] = []) throws -> BinaryRunner.Result {
            try BinaryRunner.runTool("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups",
                                                          "/usr/bin/env", "-i", "HOME=\(home ?? self.home)", "SWIFT_BACKTRACE=enable=no"]
                                         + extra + [binary] + args, timeout: 30)
        }
    }

    @Test func editsAndStoresGoToTheEnvironmentsHomeAndCanBeFreed() throws {
        let scene = try Scene()
        defer { try? FileManager.default.removeItem(atPath: scene.root) }
        let file = scene.data + "/rgb.tif"
        let set = try scene.run(["set", file, "PhysicalSizeX=0.5"])
        #expect(set.status == 0, "\(set.stderr)")
        let overlays = scene.home + "/.local/state/omio-tui/overlays"
        #expect(set.stderr.contains("\(scene.data) is not writable; edits saved to \(overlays)/"), "\(set.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: overlays).count == 1)
        // The edit is used: info shows it.
        #expect(try scene.run(["info", file]).stdout.contains("0.5"))

        let build = try scene.run(["cache", "build", file])
        #expect(build.status == 0, "\(build.stderr)")
        let store = build.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(store.hasPrefix(scene.home + "/.cache/omio-tui/rgb.tif."))
        // Listed with the folder it was made for, in the fallback listing, and freed by naming the file.
        let byFolder = try scene.run(["cache", "list", scene.data, "--json"])
        #expect(byFolder.stdout.contains(store) && byFolder.stdout.contains("\"complete\""), "\(byFolder.stdout)\(byFolder.stderr)")
        let fallback = try scene.run(["cache", "list", "--fallback"])
        #expect(fallback.stdout.contains(store), "\(fallback.stdout)\(fallback.stderr)")
        let purge = try scene.run(["cache", "purge", file, "--yes"])
        #expect(purge.status == 0 && purge.stdout.contains(store), "\(purge.stdout)\(purge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store))
        #expect(try FileManager.default.contentsOfDirectory(atPath: overlays).count == 1, "edits are never purged")
        for r in [set, build, byFolder, fallback, purge] { #expect(!(r.stdout + r.stderr).contains("NSCocoaErrorDomain")) }
    }

    /// HOME is a folder nobody can write either: one line each, naming both folders tried.
    @Test func nothingWritableIsOneLineInWords() throws {
        let scene = try Scene()
        defer { try? FileManager.default.removeItem(atPath: scene.root) }
        let file = scene.data + "/rgb.tif"
        let set = try scene.run(["set", file, "PhysicalSizeX=0.5"], home: scene.data)
        #expect(set.status == 1)
        #expect(set.stderr == "omio-tui: error: \(file): cannot save the edits: neither \(scene.data) nor "
            + "\(scene.data)/.local/state/omio-tui/overlays is writable (permission denied)\n", "\(set.stderr)")
        let build = try scene.run(["cache", "build", file], home: scene.data)
        #expect(build.status == 1)
        #expect(build.stderr == "omio-tui: error: \(file): cannot build its store: neither \(scene.data)/.omio_cache nor "
            + "\(scene.data)/.cache/omio-tui is writable\n", "\(build.stderr)")
        // XDG_STATE_HOME wins over HOME when set.
        let state = scene.home + "/state"
        let xdg = try scene.run(["set", file, "PhysicalSizeX=0.5"], home: scene.data, extra: ["XDG_STATE_HOME=\(state)"])
        #expect(xdg.status == 0 && xdg.stderr.contains("edits saved to \(state)/omio-tui/overlays/"), "\(xdg.stderr)")
    }

    /// A sidecar beside the file that nobody may rewrite would hide an edit saved in the state
    /// folder (loading prefers it): refuse in one line rather than report a save that is ignored.
    @Test func unwritableSidecarBesideTheFileRefusesTheEdit() throws {
        let scene = try Scene()
        defer { try? FileManager.default.removeItem(atPath: scene.root) }
        let file = scene.data + "/rgb.tif"
        let asRoot = try BinaryRunner.run(["set", file, "PhysicalSizeZ=9"])
        #expect(asRoot.status == 0, "\(asRoot.stderr)")
        let set = try scene.run(["set", file, "PhysicalSizeZ=3"])
        #expect(set.status == 1)
        #expect(set.stderr == "omio-tui: error: \(file).omio.json: exists and cannot be written (\(scene.data) is not writable), "
            + "so an edit saved elsewhere would be hidden by it\n", "\(set.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scene.home + "/.local/state/omio-tui/overlays"))
    }

    /// A folder nobody may read (or only its `.omio_cache`, or the fallback cache) is not an
    /// empty one: list and purge name the folder in one line and fail, instead of an empty table
    /// or "nothing to purge".
    @Test func unreadableCacheFoldersAreAnErrorNotEmpty() throws {
        let scene = try Scene()
        defer { try? FileManager.default.removeItem(atPath: scene.root) }
        let priv = scene.root + "/priv"
        try FileManager.default.createDirectory(atPath: priv, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: scene.data + "/rgb.tif", toPath: priv + "/a.tif")
        #expect(try BinaryRunner.run(["cache", "build", priv + "/a.tif"]).status == 0)
        let cache = priv + "/.omio_cache"
        for (locked, named) in [(priv, priv), (cache, cache)] {
            chmod(locked, 0o700)
            defer { chmod(locked, 0o755) }
            for args in [["cache", "list", priv], ["cache", "list", priv, "--json"], ["cache", "purge", priv + "/a.tif", "--yes"],
                         ["cache", "purge", priv, "--all", "--yes"]] {
                let r = try scene.run(args)
                #expect(r.status == 1 && r.stderr == "omio-tui: error: \(named): permission denied\n", "\(args): \(r.stdout)\(r.stderr)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: cache + "/a.tif.ome.zarr"), "nothing was purged")
        let xdg = scene.root + "/xdgcache"
        try FileManager.default.createDirectory(atPath: xdg + "/omio-tui", withIntermediateDirectories: true)
        chmod(xdg, 0o700)
        let fallback = try scene.run(["cache", "list", "--fallback"], extra: ["XDG_CACHE_HOME=\(xdg)"])
        #expect(fallback.status == 1 && fallback.stderr == "omio-tui: error: \(xdg)/omio-tui: permission denied\n", "\(fallback.stderr)")
    }

    /// Permission problems read the same in the inspector as in `info`: "permission denied",
    /// never Foundation's locale-dependent sentence ("You don t have permission." under LANG=C)
    /// nor "no such file" for a file inside a folder nobody may enter.
    @Test func permissionWordsInTheInspectorAreTheCLIs() throws {
        let scene = try Scene()
        defer { try? FileManager.default.removeItem(atPath: scene.root) }
        let priv = scene.root + "/priv"
        try FileManager.default.createDirectory(atPath: priv, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: scene.data + "/rgb.tif", toPath: priv + "/a.tif")
        chmod(priv, 0o700)
        let info = try scene.run(["info", priv + "/a.tif"])
        #expect(info.stderr == "omio-tui: error: \(priv)/a.tif: permission denied\n", "\(info.stderr)")
        let browse = try scene.run([priv + "/a.tif"])
        #expect(browse.status == 1 && browse.stderr == info.stderr, "\(browse.stderr)")
        let tmux = try TmuxSession(command: "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/env -i HOME=\(scene.home) "
                                   + "LANG=C TERM=$TERM \(scene.binary) \(priv)", in: scene.root)
        let screen = tmux.wait(for: "permission denied")
        #expect(screen.contains("permission denied") && !screen.contains("You don"), "\(screen)")
        try tmux.send("q")
    }

    /// HOME set to a file is "not a folder", not "cannot be written"; an output in a folder
    /// nobody may enter is "permission denied" in the one wording, not strerror's capitalised one.
    @Test func blockedPathsAreNamedInPlainWords() throws {
        let scene = try Scene()
        defer { try? FileManager.default.removeItem(atPath: scene.root) }
        let file = scene.data + "/rgb.tif"
        let homeFile = scene.root + "/homefile"
        FileManager.default.createFile(atPath: homeFile, contents: Data("x".utf8))
        let set = try scene.run(["set", file, "PhysicalSizeX=0.5"], home: homeFile)
        #expect(set.status == 1)
        #expect(set.stderr == "omio-tui: error: \(file): cannot save the edits: neither \(scene.data) nor "
            + "\(homeFile)/.local/state/omio-tui/overlays is writable (\(homeFile) is a file, not a folder)\n", "\(set.stderr)")
        let priv = scene.root + "/priv"
        try FileManager.default.createDirectory(atPath: priv, withIntermediateDirectories: true)
        chmod(priv, 0o700)
        let slice = try scene.run(["slice", file, "-o", priv + "/x.npy"])
        #expect(slice.status == 1)
        #expect(slice.stderr == "omio-tui: error: \(priv)/x.npy: permission denied\n", "\(slice.stderr)")
    }
}
