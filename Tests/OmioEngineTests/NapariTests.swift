import Foundation
@testable import OmioEngine
import OmioFixtures
import OmioFormats
import Testing

/// The napari launcher generator and runner, without napari: the script's text, the layer
/// description it embeds (read back with plain python3, which imports nothing of napari at
/// module level), and the runner's failure paths with a fake Python. napari itself is
/// exercised by Tests/python/check_napari.py.
struct NapariTests {
    /// A scratch folder holding a copy of one example file.
    static func copyExample(_ name: String, label: String) throws -> String {
        let folder = try StoreTestSupport.scratch("napari-\(label)")
        let path = (folder as NSString).appendingPathComponent(name)
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath(name), toPath: path)
        return path
    }

    static func metadata(_ shape: Shape, t: Double? = nil, names: [String?] = [], colors: [RGBColor?] = []) -> ImageMetadata {
        let channels = (0..<shape.c).map { i in
            ChannelInfo(name: i < names.count ? names[i] : nil, color: i < colors.count ? colors[i] : nil)
        }
        return ImageMetadata(path: "/data/cells.ome.tif", format: .omeTiff, shape: shape, dtype: .uint16,
                             physicalSizeX: 0.25, physicalSizeY: 0.5, physicalSizeZ: 2, timeIncrement: t, channels: channels)
    }

    static func spec(_ m: ImageMetadata) -> NapariLayerSpec {
        NapariLayerSpec(metadata: m, sourcePath: "/data/cells.ome.tif", storePath: "/data/.omio_cache/cells.ome.tif.ome.zarr",
                        levels: [m.shape], contrastLimits: Array(repeating: ContrastLimits(10, 200), count: m.shape.c))
    }

    /// Runs a command; (status, stdout, stderr).
    static func run(_ argv: [String], environment: [String: String]? = nil) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        if let environment { p.environment = environment }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// The LAYERS a launcher embeds, as python3 reads them (the module's top level needs only
    /// the standard library, so no napari is needed).
    static func embeddedLayers(_ script: String) throws -> JSONValue {
        let code = """
            import importlib.util, json, sys
            spec = importlib.util.spec_from_file_location("launcher", sys.argv[1])
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            print(json.dumps({"layers": module.LAYERS, "mode": module.DEFAULT_MODE}))
            """
        let (status, out, err) = try run(["python3", "-c", code, script])
        #expect(status == 0, "python3 could not load \(script): \(err)")
        return try JSONValue.parse(Data(out.utf8))
    }

    /// A fake Python: answers the module probe with `probe` and otherwise logs how it was run.
    static func fakePython(in folder: String, probe: String, exitStatus: Int = 3) throws -> String {
        let path = (folder as NSString).appendingPathComponent("fake-python")
        let script = """
            #!/bin/sh
            if [ "$1" = "-c" ]; then echo '\(NapariLauncher.probeMarker)\(probe)'; exit 0; fi
            echo "fake launcher args: $*"
            echo "stdin: $(readlink /proc/$$/fd/0)"
            echo "session: $(cut -d' ' -f6 /proc/$$/stat) pid: $$"
            echo "to stderr" >&2
            exit \(exitStatus)
            """
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
        return path
    }

    // MARK: the layer description

    @Test func squeezeRulesKeepYAndXAndSplitChannels() {
        let single = Self.spec(Self.metadata(Shape(y: 8, x: 9)))
        #expect(single.axisLabels == ["y", "x"])
        #expect(single.storeIndex == [0, 0, 0, nil, nil])
        #expect(single.channelAxis == nil)
        #expect(single.scale == [0.5, 0.25])

        let movie = Self.spec(Self.metadata(Shape(t: 4, c: 2, y: 8, x: 9), t: 0.5))
        #expect(movie.axisLabels == ["t", "y", "x"])
        #expect(movie.storeIndex == [nil, nil, 0, nil, nil])
        #expect(movie.channelAxis == 1)
        #expect(movie.scale == [0.5, 0.5, 0.25])
        #expect(movie.units == ["second", "micrometer", "micrometer"])

        let stack = Self.spec(Self.metadata(Shape(z: 5, c: 3, y: 8, x: 9)))
        #expect(stack.axisLabels == ["z", "y", "x"])
        #expect(stack.storeIndex == [0, nil, nil, nil, nil])
        #expect(stack.channelAxis == 0)
        #expect(stack.scale == [2, 0.5, 0.25])

        // Without a time increment T is scaled by 1 (nothing better is known), but it is kept.
        let hyper = Self.spec(Self.metadata(Shape(t: 3, z: 5, c: 1, y: 8, x: 9)))
        #expect(hyper.axisLabels == ["t", "z", "y", "x"])
        #expect(hyper.scale == [1, 2, 0.5, 0.25])
        #expect(hyper.channelAxis == nil)
    }

    /// 1e308 µm or 5e-324 µm (finite, so a sidecar may hold them) would overflow napari's
    /// float32 scene: such an axis is scaled 1, and the metadata says the value is implausible.
    @Test(arguments: [1e308, Double.leastNonzeroMagnitude, 1e200])
    func implausibleSizesAreScaledOne(size: Double) {
        var m = NapariTests.metadata(Shape(t: 3, z: 4, c: 1, y: 8, x: 8), t: 1e300)
        m.physicalSizeZ = size
        m.physicalSizeY = size
        #expect(NapariTests.spec(m).scale == [1, 1, 1, 0.25])
        #expect(m.plausibilityWarnings.count == 3, "\(m.plausibilityWarnings)")
        m.physicalSizeZ = 2
        m.physicalSizeY = 0.5
        m.timeIncrement = 0.1
        #expect(NapariTests.spec(m).scale == [0.1, 2, 0.5, 0.25] && m.plausibilityWarnings.isEmpty)
    }

    @Test func namesAndColormaps() {
        let named = Self.spec(Self.metadata(Shape(c: 3, y: 8, x: 9), names: ["DAPI", "GFP", nil],
                                            colors: [RGBColor(0, 0, 255), RGBColor(0, 255, 0), RGBColor(255, 128, 0)]))
        #expect(named.name == "cells")
        #expect(named.channels.map(\.name) == ["cells DAPI", "cells GFP", "cells C2"])
        #expect(named.channels.map(\.colormap) == ["blue", "green", "#FF8000"])
        #expect(named.channels[0].contrastLimits == ContrastLimits(10, 200))

        // No colours in the file: napari's defaults (what the TUI shows too).
        let two = Self.spec(Self.metadata(Shape(c: 2, y: 8, x: 9)))
        #expect(two.channels.map(\.colormap) == ["magenta", "green"])
        let one = Self.spec(Self.metadata(Shape(y: 8, x: 9)))
        #expect(one.channels.map(\.name) == ["cells"])
        #expect(one.channels.map(\.colormap) == ["gray"])

        #expect(NapariLayerSpec.stem(of: "/a/b/stack.tif") == "stack")
        #expect(NapariLayerSpec.stem(of: "/a/b/cells.ome.tiff") == "cells")
        #expect(NapariLayerSpec.stem(of: "/a/b/.hidden") == ".hidden")
    }

    @Test func scriptPathsSitBesideTheStore() {
        #expect(NapariScript.scriptPath(storePath: "/d/.omio_cache/a.tif.ome.zarr") == "/d/.omio_cache/a.tif.napari.py")
        #expect(NapariScript.logPath(storePath: "/d/.omio_cache/a.tif.ome.zarr") == "/d/.omio_cache/a.tif.napari.log")
        // The read-only fallback names stores `<name>.<folder hash>.ome.zarr`.
        #expect(NapariScript.scriptPath(storePath: "/c/omio-tui/a.tif.0123456789abcdef.ome.zarr") == "/c/omio-tui/a.tif.0123456789abcdef.napari.py")
    }

    // MARK: the generator on real files

    /// The seed case: after `set PhysicalSizeZ=5`, the launcher scales Z by 5 µm, keeps the
    /// file's X/Y, drops T and C, and is valid Python that needs no project code.
    @Test func launcherCarriesTheCorrectedScale() throws {
        let path = try Self.copyExample("wrong_spacing_Z8.tif", label: "scale")
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let source = try ImageOpener.open(path: path)
        let file = source.metadata(series: 0)
        var overlay = OverlayStore.load(for: path)
        overlay.set(.physicalSize(axis: "Z"), .number(5, unit: "µm"), series: 0, file: file)
        try OverlayStore.save(overlay)

        let input = try NapariInput.open(path: path)
        #expect(input.overlayHash != nil)
        let (spec, store) = try NapariLauncher.prepare(input)
        #expect(store.path.hasSuffix("/.omio_cache/wrong_spacing_Z8.tif.ome.zarr"))
        #expect(StoreManifest.read(storePath: store.path)?.overlayHash == input.overlayHash)
        #expect(spec.axisLabels == ["z", "y", "x"])
        #expect(spec.scale == [5, file.physicalSizeY, file.physicalSizeX])
        #expect(spec.channels.map(\.name) == ["wrong_spacing_Z8"])
        #expect(spec.levels == [Shape(z: 8, y: 128, x: 128)])
        let limits = spec.channels[0].contrastLimits
        #expect(limits.low < limits.high)

        let sent = try NapariLauncher.send(specs: [spec], mode: .zarr, launch: false)
        #expect(sent.process == nil)
        #expect(sent.scripts == [(path as NSString).deletingLastPathComponent + "/.omio_cache/wrong_spacing_Z8.tif.napari.py"])
        #expect(sent.command == "python3 \(sent.scripts[0])")
        let text = try String(contentsOfFile: sent.scripts[0], encoding: .utf8)
        #expect(text.hasPrefix("#!/usr/bin/env python3\n"))
        #expect(text.contains(#""scale": [5, \#(JSONValue.number(file.physicalSizeY).serialized()), \#(JSONValue.number(file.physicalSizeX).serialized())]"#))
        #expect(text.contains(#""axis_labels": ["z", "y", "x"]"#))
        // Only napari, zarr, dask, numpy and the standard library.
        let imports = Set(text.split(separator: "\n").compactMap { line -> String? in
            let l = line.trimmingCharacters(in: .whitespaces)
            guard l.hasPrefix("import ") || l.hasPrefix("from ") else { return nil }
            return l.split(separator: " ")[1].split(separator: ".")[0].trimmingCharacters(in: CharacterSet(charactersIn: ","))
        })
        // qtpy: napari's own Qt shim (the SIGTERM wakeup's QSocketNotifier), installed with napari;
        // pint: napari's units (its definition cache), installed with napari 0.6+, optional.
        let allowed: Set<String> = ["napari", "qtpy", "pint", "zarr", "dask", "numpy", "argparse", "fcntl", "json", "os", "re", "signal",
                                    "socket", "stat", "sys", "time", "inspect", "importlib", "pathlib"]
        #expect(imports.isSubset(of: allowed), "unexpected imports: \(imports.subtracting(allowed))")

        var st = stat()
        #expect(stat(sent.scripts[0], &st) == 0 && st.st_mode & 0o111 != 0, "the launcher is executable")
        let (status, _, err) = try Self.run(["python3", "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", sent.scripts[0]])
        #expect(status == 0, "not valid Python: \(err)")
        let embedded = try Self.embeddedLayers(sent.scripts[0])
        #expect(embedded["mode"]?.stringValue == "zarr")
        let layer = embedded["layers"]?.arrayValue?.first
        #expect(layer?["scale"] == .array(spec.scale.map { .number($0) }))
        #expect(layer?["store"]?.stringValue == store.path)
        #expect(layer?["index"] == .array([.int(0), .int(0), .null, .null, .null]))
        #expect(layer?["channel_axis"] == .null)
    }

    @Test func multichannelFileAndTheTUIsDisplay() throws {
        let path = try Self.copyExample("hyperstack_T3_Z5_C2.tif", label: "hyper")
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        var input = try NapariInput.open(path: path)
        // What the TUI passes: the limits it showed (channel 1 was not drawn) and its colours.
        input.contrastLimits = [0: ContrastLimits(100, 4000)]
        input.colors = [RGBColor(255, 0, 255), RGBColor(255, 128, 0)]
        let (spec, _) = try NapariLauncher.prepare(input)
        #expect(spec.axisLabels == ["t", "z", "y", "x"])
        #expect(spec.scale == [2.5, 1, 0.2, 0.2])
        #expect(spec.channelAxis == 1)
        #expect(spec.channels.map(\.name) == ["hyperstack_T3_Z5_C2 C0", "hyperstack_T3_Z5_C2 C1"])
        #expect(spec.channels.map(\.colormap) == ["magenta", "#FF8000"])
        #expect(spec.channels[0].contrastLimits == ContrastLimits(100, 4000))
        #expect(spec.channels[1].contrastLimits.high > spec.channels[1].contrastLimits.low) // auto from the store
    }

    /// A plane over 512 pixels gets a pyramid; every level is described.
    @Test func multiscaleLevelsAreListed() throws {
        let folder = try StoreTestSupport.scratch("napari-pyramid")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = (folder as NSString).appendingPathComponent("big.tif")
        try StoreTestSupport.writeImageJ(path, shape: Shape(z: 2, c: 1, y: 600, x: 1100))
        let (spec, store) = try NapariLauncher.prepare(try NapariInput.open(path: path))
        let reader = try StoreReader(path: store.path)
        #expect(spec.levels.count == reader.levelSizes.count)
        #expect(spec.levels.count == 3)
        #expect(spec.levels.map(\.x) == [1100, 550, 275])
        #expect(spec.levels.allSatisfy { $0.z == 2 && $0.c == 1 && $0.t == 1 })
        let script = try NapariLauncher.send(specs: [spec], launch: false).scripts[0]
        let levels = try Self.embeddedLayers(script)["layers"]?.arrayValue?.first?["levels"]?.arrayValue ?? []
        #expect(levels.compactMap { $0["path"]?.stringValue } == ["0", "1", "2"])
        #expect(levels.last?["shape"] == .array([1, 1, 2, 150, 275].map { .int($0) }))
    }

    // MARK: regions (`omio-tui napari FILE --t A:B --y A:B --x A:B`)

    static func regionSpec(_ region: SubStack, rgb: Bool = false) -> NapariLayerSpec {
        var m = Self.metadata(Shape(t: 10, z: 5, c: 3, y: 2000, x: 1500), t: 0.5, names: ["DAPI", nil, "RFP"])
        m.isRGB = rgb
        let levels = [2000, 1000, 500, 250].map { Shape(t: 10, z: 5, c: 3, y: $0, x: $0 * 3 / 4) }
        return NapariLayerSpec(metadata: m, sourcePath: "/data/cells.ome.tif", storePath: "/data/.omio_cache/cells.ome.tif.ome.zarr",
                               levels: levels, contrastLimits: [ContrastLimits(1, 2), ContrastLimits(3, 4), ContrastLimits(5, 6)],
                               region: region)
    }

    /// Only the region: its shape after dropping length-1 axes, the channels asked for under
    /// their own names and limits, the step in the scale, the origin in `translate` (world
    /// units), and per level the store's rows and columns covering the window, down to the
    /// first level that fits 512 px; the launcher reads all of it back.
    @Test func regionSendsItsPartAndSitsWhereItLies() throws {
        let region = SubStack(t: .range(start: 2, stop: 8, step: 2), z: .range(start: 3, stop: 4, step: 1), c: .list([2, 0]),
                              y: .range(start: 101, stop: 1301, step: 1), x: .range(start: 0, stop: 1500, step: 1))
        let spec = Self.regionSpec(region)
        #expect(spec.shape == Shape(t: 3, z: 1, c: 2, y: 1200, x: 1500))
        #expect(spec.axisLabels == ["t", "y", "x"])
        #expect(spec.storeIndex == [nil, nil, 0, nil, nil])
        #expect(spec.channelAxis == 1)
        #expect(spec.channels.map(\.name) == ["cells RFP", "cells DAPI"])
        #expect(spec.channels.map(\.contrastLimits) == [ContrastLimits(5, 6), ContrastLimits(1, 2)])
        #expect(spec.scale == [1, 0.5, 0.25], "0.5 s x step 2; y and x unstrided")
        #expect(spec.translate == [1, 50.5, 0], "t 2 x 0.5 s, y 101 x 0.5 µm, x 0")
        let shown = spec.shownLevels
        #expect(shown.map(\.level) == [0, 1, 2], "level 1's window is 750 px wide, level 2's 375 px: the last")
        #expect(shown[1].y == .range(start: 50, stop: 651, step: 1) && shown[1].x == .range(start: 0, stop: 750, step: 1))
        #expect(shown[2].y == .range(start: 25, stop: 326, step: 1) && shown[2].x == .range(start: 0, stop: 375, step: 1))
        #expect(shown.allSatisfy { $0.t == region.t && $0.z == region.z && $0.c == region.c })

        let folder = try StoreTestSupport.scratch("napari-region-json")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let script = (folder as NSString).appendingPathComponent("cells.napari.py")
        try Data(NapariScript.render(specs: [spec], mode: .dask).utf8).write(to: URL(fileURLWithPath: script))
        let layer = try #require(try Self.embeddedLayers(script)["layers"]?.arrayValue?.first)
        #expect(layer["translate"] == .array([1, 50.5, 0].map { .number($0) }))
        let levels = layer["levels"]?.arrayValue ?? []
        #expect(levels.compactMap { $0["path"]?.stringValue } == ["0", "1", "2"])
        #expect(levels[1]["shape"] == .array([10, 3, 5, 1000, 750].map { .int($0) }), "the store's own shape, checked on open")
        let regionJSON: JSONValue = .array([.array([2, 8, 2].map { .int($0) }), .object([("list", .array([.int(2), .int(0)]))]),
                                            .array([3, 4, 1].map { .int($0) }), .array([50, 651, 1].map { .int($0) }),
                                            .array([0, 750, 1].map { .int($0) })])
        #expect(levels[1]["region"] == regionJSON)
    }

    /// A strided window has no exact match on a halved level: level 0 alone, the stride in the
    /// scale. A colour image stays one only with all its samples.
    @Test func stridedRegionIsOneLevelAndOneSampleIsGrey() {
        let strided = SubStack(t: .all(10), z: .all(5), c: .all(3), y: .range(start: 10, stop: 2000, step: 3), x: .range(start: 4, stop: 1500, step: 2))
        let spec = Self.regionSpec(strided, rgb: true)
        #expect(spec.shownLevels.map(\.level) == [0])
        #expect(spec.scale == [0.5, 2, 1.5, 0.5])
        #expect(spec.translate == [0, 0, 5, 1])
        #expect(spec.rgb, "all three samples: still a colour image")
        let one = SubStack(t: .all(10), z: .all(5), c: .range(start: 1, stop: 2, step: 1), y: .all(2000), x: .all(1500))
        let grey = Self.regionSpec(one, rgb: true)
        #expect(!grey.rgb && grey.channelAxis == nil && grey.channels.map(\.name) == ["cells C1"])
        #expect(grey.shownLevels.map(\.level) == [0, 1, 2], "2000 -> 1000 -> 500 px: stops at the first level within 512")
    }

    /// Without a region nothing changes: every level, all of each, no translation.
    @Test func wholeFileIsEveryLevelUntranslated() {
        let spec = NapariTests.regionSpec(SubStack(t: .all(10), z: .all(5), c: .all(3), y: .all(2000), x: .all(1500)))
        var whole = spec
        whole.region = nil
        #expect(NapariLayerSpec(metadata: NapariTests.metadata(Shape(t: 10, z: 5, c: 3, y: 2000, x: 1500), t: 0.5),
                                sourcePath: "/a.tif", storePath: "/s", levels: spec.levels, contrastLimits: []).translate == [0, 0, 0, 0])
        #expect(whole.shownLevels.map(\.level) == [0, 1, 2, 3])
        #expect(whole.shownLevels[3] == SubStack.whole(shape: spec.levels[3], height: 250, width: 187, level: 3))
    }

    /// Paths with quotes and backslashes survive the embedding, and the title cannot break the
    /// docstring or argparse.
    @Test func awkwardPathsStayValidPython() throws {
        let folder = try StoreTestSupport.scratch("napari-quotes")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let odd = (folder as NSString).appendingPathComponent(#"it's '''a "test" \ 100%.tif"#)
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath("multipage_T5.tif"), toPath: odd)
        let (spec, _) = try NapariLauncher.prepare(try NapariInput.open(path: odd))
        let script = try NapariLauncher.send(specs: [spec], launch: false).scripts[0]
        let layers = try Self.embeddedLayers(script)["layers"]?.arrayValue ?? []
        #expect(layers.first?["source"]?.stringValue == odd)
        #expect(layers.first?["channels"]?.arrayValue?.first?["name"]?.stringValue == #"it's '''a "test" \ 100%"#)
        let (status, out, err) = try Self.run(["python3", script, "--help"])
        #expect(status == 0, "--help failed: \(err)")
        #expect(out.contains("--check"))
    }

    @Test func severalFilesRunAsOneLauncherWithAlso() throws {
        let a = try Self.copyExample("multipage_T5.tif", label: "also")
        let folder = (a as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let b = (folder as NSString).appendingPathComponent("rgb.tif")
        try FileManager.default.copyItem(atPath: StoreTestSupport.examplePath("rgb.tif"), toPath: b)
        let specs = try [a, b].map { try NapariLauncher.prepare(try NapariInput.open(path: $0)).spec }
        #expect(specs[1].channels.map(\.colormap) == ["red", "green", "blue"])
        #expect(specs[1].channelAxis == 0)
        let sent = try NapariLauncher.send(specs: specs, launch: false)
        #expect(sent.scripts.count == 2)
        #expect(sent.command == "python3 \(sent.scripts[0]) --also \(sent.scripts[1])")
    }

    // MARK: the runner's failure paths (nothing fails silently)

    @Test func missingNapariNamesTheCommandAndTheInstallHint() throws {
        let path = try Self.copyExample("multipage_T5.tif", label: "missing")
        let folder = (path as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (spec, _) = try NapariLauncher.prepare(try NapariInput.open(path: path))
        let fake = try Self.fakePython(in: folder, probe: #"["napari", "a Qt binding (PyQt6)"]"#)
        var env = ProcessInfo.processInfo.environment
        env["OMIO_PYTHON"] = fake
        do {
            _ = try NapariLauncher.send(specs: [spec], environment: env)
            Issue.record("a Python without napari must fail")
        } catch let e as NapariLaunchError {
            #expect(e.kind == .modulesMissing(["napari", "a Qt binding (PyQt6)"]))
            #expect(e.installHint == "\(fake) -m pip install \"napari[all]\" zarr dask")
            #expect(e.command == "\(fake) \(e.scripts[0])")
            #expect(FileManager.default.fileExists(atPath: e.scripts[0]), "the launcher is written anyway")
            #expect(e.description.contains(e.command) && e.description.contains("pip install"))
            #expect(!e.description.contains("\n"))
        }
        // With python3 by name, the hint is exactly the documented one.
        env["OMIO_PYTHON"] = nil
        env["PATH"] = folder
        try FileManager.default.moveItem(atPath: fake, toPath: (folder as NSString).appendingPathComponent("python3"))
        do {
            _ = try NapariLauncher.send(specs: [spec], environment: env)
            Issue.record("a Python without napari must fail")
        } catch let e as NapariLaunchError {
            #expect(e.installHint == #"python3 -m pip install "napari[all]" zarr dask"#)
            #expect(e.command.hasPrefix("python3 "))
        }
        do {
            _ = try NapariLauncher.send(specs: [spec], python: "/nonexistent/python3", environment: env)
            Issue.record("a missing Python must fail")
        } catch let e as NapariLaunchError {
            #expect(e.kind == .pythonNotFound)
            #expect(e.reason.contains("/nonexistent/python3"))
        }
    }

    /// `--python` naming a venv folder, a missing path or a data file: say which, and no advice
    /// to run or pip-install with something that is not a Python.
    @Test func notAPythonSaysWhatItIs() throws {
        let path = try Self.copyExample("multipage_T5.tif", label: "notpython")
        let folder = (path as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (spec, _) = try NapariLauncher.prepare(try NapariInput.open(path: path))
        let venv = folder + "/venv"
        try FileManager.default.createDirectory(atPath: venv + "/bin", withIntermediateDirectories: true)
        let fake = try Self.fakePython(in: venv + "/bin", probe: "[]")
        try FileManager.default.moveItem(atPath: fake, toPath: venv + "/bin/python")
        let cases = [(venv, "\(venv) is a folder, not a Python; did you mean \(venv)/bin/python?"),
                     (folder + "/nonexistent/python", "\(folder)/nonexistent/python: no such file or directory"),
                     (path, "\(path) is not an executable program")]
        for (python, reason) in cases {
            do {
                _ = try NapariLauncher.send(specs: [spec], python: python)
                Issue.record("\(python) is not a Python")
            } catch let e as NapariLaunchError {
                #expect(e.kind == .pythonNotFound)
                #expect(e.reason == reason + " (set --python or OMIO_PYTHON to a Python with napari)", "\(e.reason)")
                #expect(!e.description.contains("pip install") && !e.description.contains("run it with"), "\(e.description)")
                #expect(e.description.hasSuffix("; the launcher is written: \(e.scripts[0])"))
            }
        }
    }

    @Test func noDisplayAndNoWindowIsAnError() throws {
        let path = try Self.copyExample("multipage_T5.tif", label: "nodisplay")
        let folder = (path as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (spec, _) = try NapariLauncher.prepare(try NapariInput.open(path: path))
        let fake = try Self.fakePython(in: folder, probe: "[]")
        var env = ProcessInfo.processInfo.environment
        env["DISPLAY"] = nil
        env["WAYLAND_DISPLAY"] = nil
        env["OMIO_NAPARI_SOCKET"] = (folder as NSString).appendingPathComponent("none.sock")
        #expect(throws: NapariLaunchError.self) { try NapariLauncher.send(specs: [spec], python: fake, environment: env) }
    }

    /// The launcher runs detached: its own session, stdin /dev/null, stdout and stderr appended
    /// to the log; its exit is reported with the log's tail.
    @Test func launchIsDetachedAndLogged() throws {
        let path = try Self.copyExample("multipage_T5.tif", label: "launch")
        let folder = (path as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (spec, _) = try NapariLauncher.prepare(try NapariInput.open(path: path))
        let fake = try Self.fakePython(in: folder, probe: "[]", exitStatus: 3)
        var env = ProcessInfo.processInfo.environment
        env["DISPLAY"] = ":12345"
        let exits = ExitBox()
        let sent = try NapariLauncher.send(specs: [spec], mode: .numpy, python: fake, environment: env) { exits.put($0) }
        let pid = try #require(sent.pid)
        #expect(sent.statusLine == "napari launcher started (pid \(pid)); log: multipage_T5.tif.napari.log")
        #expect(sent.process?.wait(timeout: 20) == 3)
        let exit = try #require(exits.wait(timeout: 5))
        #expect(exit.pid == pid && exit.status == 3)
        #expect(exit.logTail.contains("to stderr"))
        let log = try String(contentsOfFile: sent.logPath, encoding: .utf8)
        #expect(sent.logPath.hasSuffix("/.omio_cache/multipage_T5.tif.napari.log"))
        #expect(log.contains("=== omio-tui"))
        #expect(log.contains("fake launcher args: \(sent.scripts[0])"))
        #expect(log.contains("stdin: /dev/null"))
        #expect(log.contains("session: \(pid) pid: \(pid)"), "setsid: the launcher leads its own session\n\(log)")
        // A second send appends to the log.
        _ = try NapariLauncher.send(specs: [spec], python: fake, environment: env).process?.wait(timeout: 20)
        let again = try String(contentsOfFile: sent.logPath, encoding: .utf8)
        #expect(again.components(separatedBy: "=== omio-tui").count == 3)
    }

    /// A store that must be built: the launcher starts first (napari loads meanwhile) with
    /// `--await-pid`, its file says `pending`, and is rewritten with the finished layers once
    /// the store is built; a current store takes the plain path.
    @Test func launcherStartsBeforeTheStoreIsBuilt() throws {
        let path = try Self.copyExample("hyperstack_T3_Z5_C2.tif", label: "overlap")
        let folder = (path as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fake = try Self.fakePython(in: folder, probe: "[]", exitStatus: 0)
        var env = ProcessInfo.processInfo.environment
        env["DISPLAY"] = ":12345"
        env["OMIO_NAPARI_SOCKET"] = (folder as NSString).appendingPathComponent("none.sock")
        let input = try NapariInput.open(path: path)
        let script = NapariScript.scriptPath(storePath: try StoreLocation.resolve(source: path, series: 0, cacheDir: nil).storePath)
        let log = NapariScript.logPath(storePath: try StoreLocation.resolve(source: path, series: 0, cacheDir: nil).storePath)
        var startedBeforeBuilt = false
        var pendingWhileBuilding = false
        var handedOverBeforeDone = false
        let sent = try NapariLauncher.open([input], python: fake, environment: env, progress: { _, _ in
            startedBeforeBuilt = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("--await-pid \(getpid())")
            pendingWhileBuilding = ((try? String(contentsOfFile: script, encoding: .utf8)) ?? "").contains(#""pending": true"#)
        }, built: { _, store in
            #expect(!store.reused)
            // The finished layers were handed over before the build returned (while it flushed).
            let text = (try? String(contentsOfFile: script, encoding: .utf8)) ?? ""
            handedOverBeforeDone = !text.contains(#""pending": true"#) && text.contains(#""contrast_limits""#)
        })
        #expect(startedBeforeBuilt, "the launcher was not started before the store was built")
        #expect(pendingWhileBuilding)
        #expect(handedOverBeforeDone)
        #expect(sent.process?.wait(timeout: 20) == 0)
        let final = try String(contentsOfFile: script, encoding: .utf8)
        #expect(!final.contains(#""pending": true"#) && final.contains(#""contrast_limits""#))
        // Current now: no --await-pid.
        let again = try NapariLauncher.open([input], python: fake, environment: env)
        #expect(again.process?.wait(timeout: 20) == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("fake launcher args:") }
        #expect(lines.count == 2 && lines[0].contains("--await-pid") && !lines[1].contains("--await-pid"), "\(lines)")
    }

    /// The launcher the binary writes is launcher.py as committed: LauncherTemplate.swift is
    /// generated from it (`make launcher`) and must not drift.
    @Test func embeddedLauncherIsLauncherPy() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/OmioEngine/Napari/launcher.py")
        let file = try String(contentsOf: source, encoding: .utf8)
        if file != NapariScript.template {
            let a = file.split(separator: "\n", omittingEmptySubsequences: false)
            let b = NapariScript.template.split(separator: "\n", omittingEmptySubsequences: false)
            let line = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record("""
                LauncherTemplate.swift differs from launcher.py from line \(line + 1) on \
                (launcher.py: \(line < a.count ? String(a[line]) : "<end>"); embedded: \(line < b.count ? String(b[line]) : "<end>")): \
                run `make launcher`
                """)
        }
    }

    @Test func placeholdersAreFilledOnceAndOnlyTheirs() {
        let filled = NapariScript.fill("a @@X@@ b @@ c @@Y@@@@X@@ @@Z@@", ["X": "@@Y@@", "Y": "1"])
        #expect(filled == "a @@Y@@ b @@ c 1@@Y@@ @@Z@@")
        // A file named like a placeholder stays a name.
        let m = Self.metadata(Shape(y: 4, x: 4))
        var spec = Self.spec(m)
        spec.sourcePath = "/data/@@LAYERS@@.tif"
        let text = NapariScript.render(specs: [spec], mode: .dask)
        #expect(text.contains("Opens @@LAYERS@@.tif in napari"))
        #expect(!text.contains("@@TITLE@@") && !text.contains("@@MODE@@") && !text.contains("\n@@LAYERS@@\n"))
    }

    /// One rule in two languages: NapariSocket.path (Swift, for `release` and the status line)
    /// and the launcher's socket_path (Python, where the window listens), given the same
    /// environment, name the same socket.
    @Test func socketPathIsTheSameInSwiftAndPython() throws {
        let scratch = try StoreTestSupport.scratch("napari-socket")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let runtime = scratch + "/run", notAFolder = scratch + "/file", link = scratch + "/link"
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: notAFolder, contents: Data())
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: runtime)
        let script = scratch + "/a.napari.py"
        try NapariScript.render(specs: [Self.spec(Self.metadata(Shape(y: 4, x: 4)))], mode: .dask)
            .write(toFile: script, atomically: true, encoding: .utf8)
        let code = """
            import importlib.util, sys
            spec = importlib.util.spec_from_file_location("launcher", sys.argv[1])
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            print(module.socket_path()[0])
            """
        // python3 itself needs PATH (and HOME for a pyenv shim); the rule's variables are set per case.
        let host = ProcessInfo.processInfo.environment
        let base = ["PATH": host["PATH"] ?? "/usr/bin:/bin", "HOME": host["HOME"] ?? "/"]
        let cases: [[String: String]] = [
            [:],
            ["OMIO_NAPARI_SOCKET": "/x/y.sock"],
            ["OMIO_NAPARI_SOCKET": "rel/dir/../s.sock", "XDG_RUNTIME_DIR": runtime],
            ["OMIO_NAPARI_SOCKET": "/x//y/./z.sock"],
            ["OMIO_NAPARI_SOCKET": "", "XDG_RUNTIME_DIR": runtime],
            ["XDG_RUNTIME_DIR": runtime],
            ["XDG_RUNTIME_DIR": runtime + "/"],
            ["XDG_RUNTIME_DIR": scratch + "//run"],
            ["XDG_RUNTIME_DIR": link],
            ["XDG_RUNTIME_DIR": notAFolder],
            ["XDG_RUNTIME_DIR": "/nonexistent-runtime"],
            ["XDG_RUNTIME_DIR": "."],
            ["XDG_RUNTIME_DIR": ""],
        ]
        for vars in cases {
            let env = base.merging(vars) { $1 }
            let (status, out, err) = try Self.run(["python3", "-c", code, script], environment: env)
            #expect(status == 0, "\(vars): \(err)")
            let python = out.trimmingCharacters(in: .newlines)
            #expect(NapariSocket.path(environment: env) == python, "\(vars): Swift and the launcher disagree")
        }
        #expect(NapariSocket.path(environment: ["XDG_RUNTIME_DIR": runtime]) == runtime + "/omio-tui/napari.sock")
        #expect(NapariSocket.path(environment: [:]) == "/tmp/omio-tui-\(getuid())/napari.sock")
        #expect(!NapariSocket.isListening("/nonexistent/napari.sock"))
    }

    @Test func shellQuoting() {
        #expect(NapariLauncher.shellQuote("/a/b.py") == "/a/b.py")
        #expect(NapariLauncher.shellQuote("/a b/it's.py") == #"'/a b/it'\''s.py'"#)
        // A control character: bash's $'…', which a pasted command reads back exactly.
        #expect(NapariLauncher.shellQuote("/d/ta\tb's\\.tif\u{1}") == #"$'/d/ta\tb\'s\\.tif\x01'"#)
    }

    /// What bash makes of the quoted words is the original text, control characters included.
    @Test func shellQuotedControlsRoundTripThroughBash() throws {
        let words = ["/d/ta\tb.tif.napari.py", "new\nline 'q' \\x", "esc\u{1B}[31m\u{7F}", "plain"]
        let command = "printf '%s\\0' " + words.map(NapariLauncher.shellQuote).joined(separator: " ")
        let run = try NapariProcess.run(["/bin/bash", "-c", command], environment: [:], timeout: 20)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init) == words)
    }

    /// A wrapper script that prints after Python exits (`echo done`) is still a Python that
    /// runs the probe: its answer is found by its marker, not by being the last line.
    @Test func probeAnswerIsFoundAnywhereInTheOutput() throws {
        let folder = TestPaths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fake = try Self.fakePython(in: folder, probe: #"["dask"]"#)
        let wrapper = (folder as NSString).appendingPathComponent("wrap.sh")
        try Data("#!/bin/sh\necho starting\n\(fake) \"$@\"\necho done\n".utf8).write(to: URL(fileURLWithPath: wrapper))
        chmod(wrapper, 0o755)
        let missing = try NapariLauncher.missingModules(python: wrapper, environment: ProcessInfo.processInfo.environment)
        #expect(missing == ["dask"])
    }
}

/// Collects the exit a launcher reports from its reaper thread.
private final class ExitBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: NapariExit?

    func put(_ e: NapariExit) {
        condition.lock()
        value = e
        condition.broadcast()
        condition.unlock()
    }

    func wait(timeout: Double) -> NapariExit? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while value == nil, condition.wait(until: deadline) {}
        return value
    }
}
