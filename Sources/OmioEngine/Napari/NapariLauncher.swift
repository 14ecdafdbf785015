import Foundation
import OmioFormats

/// One file to send to napari: the source, the series, the corrected metadata and how the TUI
/// was showing it.
public struct NapariInput: Sendable {
    public var source: ImageSource
    public var series: Int
    /// The metadata with the user's corrections (`CorrectedSeries`); its scale goes to napari.
    public var metadata: ImageMetadata
    /// `overlay.hash(series:)`: part of the store's reuse rule, so a correction rebuilds it.
    public var overlayHash: String?
    /// Per channel; nil: `ChannelColors.resolve(metadata)`.
    public var colors: [RGBColor]?
    /// The limits the TUI showed, by channel; channels missing here get Fiji's auto-contrast
    /// (0.35% saturated) of plane (t, z) read from the store.
    public var contrastLimits: [Int: ContrastLimits]
    public var t: Int
    public var z: Int
    /// The part to send (`omio-tui napari --t A:B --y A:B ...`, level-0 pixels); nil: all.
    /// The store still holds the whole file; the launcher slices it.
    public var region: SubStack?

    public init(source: ImageSource, series: Int, metadata: ImageMetadata, overlayHash: String?,
                colors: [RGBColor]? = nil, contrastLimits: [Int: ContrastLimits] = [:], t: Int = 0, z: Int? = nil,
                region: SubStack? = nil) {
        self.region = region
        self.source = source
        self.series = series
        self.metadata = metadata
        self.overlayHash = overlayHash
        self.colors = colors
        self.contrastLimits = contrastLimits
        self.t = t
        self.z = z ?? metadata.shape.z / 2
    }

    /// A series with its corrections (`CorrectedSeries`: the CLI, and files marked in the browser).
    public init(_ opened: CorrectedSeries) {
        self.init(source: opened.source, series: opened.series, metadata: opened.metadata, overlayHash: opened.overlayHash)
    }

    public static func open(path: String, series: Int = 0) throws -> NapariInput {
        NapariInput(try CorrectedSeries.open(path: path, series: series))
    }
}

/// Why a send did not reach napari. The launcher is written before anything can fail, so the
/// message always carries the exact command that runs it.
public struct NapariLaunchError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The Python (explicit, $OMIO_PYTHON or python3) is not there.
        case pythonNotFound
        /// It lacks some of napari, zarr >= 3, dask, numpy, a Qt binding.
        case modulesMissing([String])
        /// No X11/Wayland display and no open omio-tui napari window to hand the layers to.
        case noDisplay
        /// The launcher could not be started, or its `--check` failed.
        case launcherFailed
    }

    public let kind: Kind
    /// One line: what went wrong.
    public let reason: String
    /// The exact shell command that runs the written launcher.
    public let command: String
    /// `python3 -m pip install "napari[all]" zarr dask` (with the Python in use) when napari is missing.
    public let installHint: String?
    public let scripts: [String]

    /// One line for the CLI's `omio-tui: error: <path>: <reason>`.
    public var description: String {
        var s = reason
        if let installHint { s += "; install it with: \(installHint)" }
        // A command that starts with a Python that is not there is no advice.
        if kind == .pythonNotFound { return s + "; the launcher is written: \(scripts.first ?? "")" }
        return s + "; the launcher is written, run it with: \(command)"
    }

    /// Short enough for the TUI's status line; `description` has all of it.
    public var statusLine: String {
        switch kind {
        case .modulesMissing: return "napari: \(reason) — \(installHint ?? "") — then: \(command)"
        case .pythonNotFound: return "napari: \(reason)"
        default: return "napari: \(reason) — run: \(command)"
        }
    }
}

/// What a send did.
public struct NapariSendResult: Sendable {
    /// The launchers written, one per file (`.omio_cache/<file name>.napari.py`).
    public let scripts: [String]
    /// Where the started launcher logs (the first script's `.napari.log`).
    public let logPath: String
    /// The exact command that runs the launcher(s) by hand.
    public let command: String
    /// The Python that was used (absolute), when one was needed.
    public let python: String?
    /// The started launcher (nil with `launch: false` or `check: true`).
    public let process: NapariProcess?
    /// With `check: true`: the launcher's JSON (one object for all the files).
    public let check: JSONValue?

    /// The started launcher's pid: the window's only when it opened one (see `NapariWindow`).
    public var pid: Int32? { process?.pid }

    /// For the TUI's status line right after the start: "starting napari (launcher pid N)" (or
    /// where the launchers were written); `NapariWindow.statusLine` once the layers are shown.
    public var statusLine: String {
        if let pid { return "napari launcher started (pid \(pid)); log: \((logPath as NSString).lastPathComponent)" }
        return check != nil ? "napari check done" : "napari launcher written: \(command)"
    }
}

/// Sends files to napari: makes sure each store exists and is current, writes the launchers,
/// and runs them detached.
///
/// What the TUI calls for `n` (on its background queue; progress to the status line):
///
///     let input = NapariInput(source: v.source, series: v.series, metadata: v.metadata,
///                             overlayHash: v.overlay.hash(series: v.series),
///                             colors: v.colors, contrastLimits: v.limits, t: v.t, z: v.z)
///     let spec = try NapariLauncher.prepare(input, cacheDir: cacheDir) { p in ... p.fraction ... }.spec
///     let sent = try NapariLauncher.send(specs: [spec]) { exit in ... }   // "sent to napari (pid \(sent.pid!))"
///
/// (marked files: `NapariInput.open(path:series:)` each, then one `send` with all the specs).
/// A `NapariLaunchError` says why napari could not be reached; its `statusLine` fits the status
/// line and names the launcher command and, when napari is missing, the pip command.
public enum NapariLauncher {
    /// The packages to install: `python3 -m pip install "napari[all]" zarr dask`.
    public static let installArguments = #"-m pip install "napari[all]" zarr dask"#

    /// Builds (or reuses) the stores of `inputs` and opens them in napari: what `n` and
    /// `omio-tui napari` do. When a store must be built and a window is to be opened, the
    /// launcher starts FIRST (Python, Qt, napari and its window load while the store builds; it
    /// waits for the store with `--await-pid`) and is rewritten with the finished layers at the
    /// end; when every store is current this is `prepare` then `send`. A store an open window
    /// shows is released by it before a rebuild. If a build fails the started launcher is
    /// stopped (SIGTERM) and the error thrown.
    ///
    /// - Parameters:
    ///   - progress: per input (its index), from the build's writer threads.
    ///   - built: per input, once its store is ready.
    public static func open(_ inputs: [NapariInput], cacheDir: String? = nil, mode: NapariMode = .dask, python: String? = nil,
                            launch: Bool = true, check: Bool = false, toolVersion: String = OmioVersion.string,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            progress: ((Int, StoreBuildProgress) -> Void)? = nil,
                            built: ((Int, StoreBuildResult) -> Void)? = nil,
                            onExit: (@Sendable (NapariExit) -> Void)? = nil) throws -> NapariSendResult {
        precondition(!inputs.isEmpty, "nothing to send")
        func request(_ input: NapariInput) -> StoreRequest {
            StoreRequest(series: input.series, cacheDir: cacheDir, overlayHash: input.overlayHash, toolVersion: toolVersion)
        }
        /// With `handOver`, each freshly built store's launcher is rewritten as soon as its
        /// chunks are in place (the waiting window opens it while the build flushes).
        func prepareAll(handOver: Bool = false) throws -> [NapariLayerSpec] {
            var written = Set<Int>()
            let specs = try inputs.enumerated().map { i, input in
                let ready: ((NapariLayerSpec) throws -> Void)? = handOver ? { spec in
                    _ = try writeLaunchers([spec], mode: mode, toolVersion: toolVersion)
                    written.insert(i)
                } : nil
                let p = try prepare(input, cacheDir: cacheDir, toolVersion: toolVersion, environment: environment,
                                    progress: { progress?(i, $0) }, ready: ready)
                built?(i, p.store)
                return p.spec
            }
            let rest = specs.indices.filter { !written.contains($0) }.map { specs[$0] }
            if handOver, !rest.isEmpty { _ = try writeLaunchers(rest, mode: mode, toolVersion: toolVersion) }
            return specs
        }
        let stale = inputs.filter { !inPlace($0.source) && StoreBuilder.existingStore(source: $0.source, request: request($0)) == nil }
        guard launch, !check, !stale.isEmpty else {
            return try send(specs: try prepareAll(), mode: mode, python: python, launch: launch, check: check,
                            toolVersion: toolVersion, environment: environment, onExit: onExit)
        }
        let pending = try inputs.map { input in
            if inPlace(input.source) { return try prepare(input, cacheDir: cacheDir, toolVersion: toolVersion, environment: environment).spec }
            var metadata = input.metadata
            metadata.series = input.series
            let location = try StoreLocation.resolve(source: input.source.path, series: input.series, cacheDir: cacheDir)
            try StoreFiles.makeDirectories(location.directory)
            var spec = NapariLayerSpec(metadata: metadata, sourcePath: LexicalPath.absolute(input.source.path), storePath: location.storePath,
                                       levels: [], colors: input.colors, contrastLimits: [], region: input.region)
            spec.pending = true
            return spec
        }
        let sent: NapariSendResult
        do {
            sent = try send(specs: pending, mode: mode, python: python, toolVersion: toolVersion, environment: environment,
                            awaitPid: getpid(), onExit: onExit)
        } catch let error as NapariLaunchError {
            // No napari to start: still build the stores, so the launchers the error names
            // can be run by hand once napari is installed.
            _ = try writeLaunchers(try prepareAll(), mode: mode, toolVersion: toolVersion)
            throw error
        }
        do {
            _ = try prepareAll(handOver: true)
        } catch {
            if let pid = sent.pid { kill(pid, SIGTERM) }
            throw error
        }
        return sent
    }

    /// Before a store is rebuilt: an open napari window that shows it (it holds the store's
    /// lock shared, which would keep the build waiting) removes its layers and lets go.
    public static func releaseIfShown(_ source: ImageSource, request: StoreRequest,
                                      environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard !inPlace(source), let location = try? StoreLocation.resolve(source: source.path, series: request.series, cacheDir: request.cacheDir),
              StoreBuilder.existingStore(source: source, request: request) == nil,
              StoreLock.isShared(location.lockPath) else { return }
        NapariSocket.release(stores: [location.storePath], environment: environment)
    }

    /// Builds (or reuses) the store of `input` with its overlay hash, then describes its layers.
    ///
    /// - Parameter ready: called once a fresh build's chunks are in place, with the spec,
    ///   before the build flushes them to disk (see `StoreBuilder.ensure`'s `readable`).
    public static func prepare(_ input: NapariInput, cacheDir: String? = nil, toolVersion: String = OmioVersion.string,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               progress: ((StoreBuildProgress) -> Void)? = nil,
                               cancellation: StoreCancellation? = nil,
                               ready: ((NapariLayerSpec) throws -> Void)? = nil) throws -> (spec: NapariLayerSpec, store: StoreBuildResult) {
        if inPlace(input.source) { return try prepareInPlace(input, cacheDir: cacheDir, environment: environment) }
        let request = StoreRequest(series: input.series, cacheDir: cacheDir, overlayHash: input.overlayHash, toolVersion: toolVersion)
        releaseIfShown(input.source, request: request, environment: environment)
        var early: NapariLayerSpec?
        let handOver: ((String) throws -> Void)? = ready.map { ready in
            { path in
                let spec = try describe(input, storePath: path, allowIncomplete: true)
                early = spec
                try ready(spec)
            }
        }
        let built = try StoreBuilder.ensure(source: input.source, request: request, metadata: input.metadata,
                                            progress: progress, readable: handOver, cancellation: cancellation)
        return (try early ?? describe(input, storePath: built.path, allowIncomplete: false), built)
    }

    /// The layers of `input` as napari should show them from the store at `storePath`.
    /// `allowIncomplete`: the builder's hand-over, before the store is marked complete.
    static func describe(_ input: NapariInput, storePath: String, allowIncomplete: Bool) throws -> NapariLayerSpec {
        let reader = try StoreReader(path: storePath, allowIncomplete: allowIncomplete)
        let s = reader.shape
        let levels = reader.levelSizes.map { Shape(t: s.t, z: s.z, c: s.c, y: $0.height, x: $0.width) }
        // Limits from a plane that is shown: inside a region, its first T and middle Z.
        let t = input.region?.t.first ?? input.t
        let z = input.region.map { $0.z.indices[$0.z.count / 2] } ?? input.z
        func plane(_ c: Int) -> PlaneIndex { PlaneIndex(t: min(max(0, t), s.t - 1), z: min(max(0, z), s.z - 1), c: c) }
        var limits = try (0..<s.c).map { c in try input.contrastLimits[c] ?? autoLimits(reader, plane: plane(c)) }
        if input.metadata.isRGB, input.contrastLimits.isEmpty, let mode = TrueColor.defaultMode(input.metadata) {
            // What the TUI and render show first: one range for R, G and B.
            let stats = try TrueColor.channels.map { try planeStats(reader, plane: plane($0)) }
            limits = Array(repeating: TrueColor.sharedLimits(mode, stats: stats), count: s.c)
        }
        var metadata = input.metadata
        metadata.series = input.series
        return NapariLayerSpec(metadata: metadata, sourcePath: LexicalPath.absolute(input.source.path),
                               storePath: storePath, levels: levels, colors: input.colors, contrastLimits: limits,
                               region: input.region)
    }

    /// An OME-Zarr source is a chunked pyramid already: napari reads it where it is.
    static func inPlace(_ source: ImageSource) -> Bool { source.format == .omeZarr }

    /// An OME-Zarr source: the layers over its own store (its levels, its axes), with the
    /// corrected scale and the channels' names, colours and limits; nothing is built or locked.
    /// The launcher goes where a build of the source would (its `.omio_cache`), never into the
    /// user's folder or store.
    static func prepareInPlace(_ input: NapariInput, cacheDir: String?,
                               environment: [String: String]) throws -> (spec: NapariLayerSpec, store: StoreBuildResult) {
        let layout = try NapariZarrLayout.read(source: input.source)
        let levels = layout.shapes
        guard let first = levels.first, first == input.metadata.shape else {
            throw OmioError(input.source.path, "its level arrays (\(levels.first.map { "\($0)" } ?? "none")) do not match the image (\(input.metadata.shape)); napari cannot open it in place")
        }
        let t = input.region?.t.first ?? input.t
        let z = input.region.map { $0.z.indices[$0.z.count / 2] } ?? input.z
        let array = LazyArray(levels: SourceLevels(source: input.source, series: input.series), cache: ChunkCache(capacityBytes: 32 << 20))
        func plane(_ c: Int) -> PlaneIndex { PlaneIndex(t: min(max(0, t), first.t - 1), z: min(max(0, z), first.z - 1), c: c) }
        func stats(_ c: Int) throws -> PlaneStats {
            try DisplaySlicer.slice2D(array, plane: plane(c), width: min(first.x, 512), height: min(first.y, 512)).stats
        }
        var limits = try (0..<first.c).map { c in try input.contrastLimits[c] ?? ContrastMode.auto.limits(for: stats(c)) }
        if input.metadata.isRGB, input.contrastLimits.isEmpty, let mode = TrueColor.defaultMode(input.metadata) {
            limits = Array(repeating: TrueColor.sharedLimits(mode, stats: try TrueColor.channels.map(stats)), count: first.c)
        }
        var metadata = input.metadata
        metadata.series = input.series
        let source = layout.isRemote ? input.source.path : LexicalPath.absolute(input.source.path)
        var spec = NapariLayerSpec(metadata: metadata, sourcePath: source, storePath: layout.location, levels: levels,
                                   colors: input.colors, contrastLimits: limits, region: input.region)
        spec.inPlace = layout
        let location = try StoreLocation.resolve(source: input.source.path, series: input.series, cacheDir: cacheDir, environment: environment)
        try StoreFiles.makeDirectories(location.directory)
        spec.launcherStorePath = location.storePath
        return (spec, StoreBuildResult(path: layout.location, reused: true, bytesOnDisk: 0, sourceBytes: 0, seconds: 0, notice: nil, repaired: nil))
    }

    /// Fiji's auto-contrast of one plane, from a level of about 512 x 512.
    static func autoLimits(_ reader: StoreReader, plane: PlaneIndex) throws -> ContrastLimits {
        ContrastMode.auto.limits(for: try planeStats(reader, plane: plane))
    }

    static func planeStats(_ reader: StoreReader, plane: PlaneIndex) throws -> PlaneStats {
        let array = LazyArray(levels: reader, cache: ChunkCache(capacityBytes: 32 << 20))
        return try DisplaySlicer.slice2D(array, plane: plane, width: min(reader.shape.x, 512), height: min(reader.shape.y, 512)).stats
    }

    /// Writes one launcher per spec (atomically, beside its store) and then:
    /// - `check`: runs the first with `--check` (the others via `--also`) and returns its JSON;
    /// - `launch` (and not `check`): runs it detached (setsid; stdin /dev/null; output appended to
    ///   its `.napari.log`) and returns the process; it opens a napari window or hands its
    ///   layers to the one that is open;
    /// - neither: only writes them (`--no-launch`).
    ///
    /// - Parameters:
    ///   - python: a path or a name in PATH; nil takes `$OMIO_PYTHON`, else `python3`.
    ///   - awaitPid: the specs are `pending`: the launcher waits (while this process lives) for
    ///     its file to be rewritten with the finished ones (`writeLaunchers`).
    ///   - onExit: called on a background thread when the started launcher ends (status 0: it
    ///     handed over, or its window was closed; otherwise the log tail says why).
    /// - Throws: `NapariLaunchError` when the Python or napari is missing, there is no display,
    ///   or the launcher fails; `OmioError` when a launcher cannot be written.
    public static func send(specs: [NapariLayerSpec], mode: NapariMode = .dask, python: String? = nil,
                            launch: Bool = true, check: Bool = false, toolVersion: String = OmioVersion.string,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            awaitPid: Int32? = nil,
                            onExit: (@Sendable (NapariExit) -> Void)? = nil) throws -> NapariSendResult {
        precondition(!specs.isEmpty, "nothing to send")
        let scripts = try writeLaunchers(specs, mode: mode, toolVersion: toolVersion)
        let logPath = NapariScript.logPath(storePath: specs[0].scriptStorePath)
        let chosen = choosePython(explicit: python, environment: environment)
        let extra = scripts.dropFirst().flatMap { ["--also", $0] }
        func command(_ py: String, _ options: [String] = []) -> String {
            ([py, scripts[0]] + options + extra).map(shellQuote).joined(separator: " ")
        }
        guard launch || check else {
            return NapariSendResult(scripts: scripts, logPath: logPath, command: command(chosen), python: nil, process: nil, check: nil)
        }
        func failure(_ kind: NapariLaunchError.Kind, _ reason: String, hint: String? = nil, options: [String] = []) -> NapariLaunchError {
            NapariLaunchError(kind: kind, reason: reason, command: command(chosen, options), installHint: hint, scripts: scripts)
        }
        guard let resolved = resolvePython(chosen, environment: environment) else {
            throw failure(.pythonNotFound, "\(notAPython(chosen)) (set --python or OMIO_PYTHON to a Python with napari)")
        }
        // A store opened by URL is read with zarr's fsspec store: fsspec and aiohttp too.
        let remote = specs.contains { $0.inPlace?.isRemote == true }
        let missing = try missingModules(python: resolved, environment: environment, also: remote ? remoteModules : [])
        if !missing.isEmpty {
            let onlyRemote = Set(missing).isSubset(of: remoteModules)
            throw failure(.modulesMissing(missing), "\(chosen) cannot import \(missing.joined(separator: ", "))"
                            + (onlyRemote ? " (needed to read a store over HTTP)" : ""),
                          hint: "\(shellQuote(chosen)) " + (onlyRemote ? "-m pip install " + remoteModules.joined(separator: " ") : installArguments))
        }
        let reportPath = (NSTemporaryDirectory() as NSString).appendingPathComponent("omio-napari-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json")
        // The script opens with `mode` by default.
        let argv = [resolved, scripts[0]] + extra + ["--report", reportPath] + (awaitPid.map { ["--await-pid", String($0)] } ?? [])
        var env = environment
        env["PYTHONUNBUFFERED"] = "1"
        if check {
            let options = ["--check", "--mode", mode.rawValue]
            let run = try NapariProcess.run([resolved, scripts[0]] + options + extra, environment: env, timeout: 600)
            let lastLine = run.stdout.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init)
            guard run.status == 0, let line = lastLine, let json = try? JSONValue.parse(Data(line.utf8)) else {
                let tail = run.stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
                throw failure(.launcherFailed, "the launcher's --check failed (exit \(run.status)): \(tail)", options: options)
            }
            return NapariSendResult(scripts: scripts, logPath: logPath, command: command(chosen), python: resolved, process: nil, check: json)
        }
        let socket = NapariSocket.path(environment: environment)
        let display = !(environment["DISPLAY"] ?? "").isEmpty || !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
        if !display, !NapariSocket.isListening(socket) {
            throw failure(.noDisplay, "no display for a napari window (DISPLAY and WAYLAND_DISPLAY are unset; ssh -X?) and no omio-tui napari window listens on \(socket)")
        }
        let header = "=== omio-tui \(toolVersion), \(StoreManifest.isoFormatter.string(from: Date())): \(argv.map(shellQuote).joined(separator: " "))\n"
        appendLog(header, to: logPath)
        let pid: Int32
        do {
            pid = try NapariProcess.spawnDetached(argv, environment: env, logPath: logPath)
        } catch {
            throw failure(.launcherFailed, "cannot start \(resolved): \(error.omioReason)")
        }
        let process = NapariProcess(pid: pid, logPath: logPath, reportPath: reportPath, onExit: onExit)
        return NapariSendResult(scripts: scripts, logPath: logPath, command: command(chosen), python: resolved, process: process, check: nil)
    }

    /// Writes one launcher per spec, atomically, beside its store; their paths.
    static func writeLaunchers(_ specs: [NapariLayerSpec], mode: NapariMode, toolVersion: String) throws -> [String] {
        try specs.map { spec in
            let path = NapariScript.scriptPath(storePath: spec.scriptStorePath)
            let text = NapariScript.render(specs: [spec], mode: mode, toolVersion: toolVersion)
            do {
                try AtomicFile.write(Data(text.utf8), to: path, mode: 0o755)
            } catch {
                throw OmioError(path, "cannot write the napari launcher: \(error.omioReason)")
            }
            return path
        }
    }

    // MARK: Python

    /// The Python asked for: `explicit`, else `$OMIO_PYTHON`, else `python3`.
    public static func choosePython(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = environment["OMIO_PYTHON"], !env.isEmpty { return env }
        return "python3"
    }

    /// An absolute executable path for `python` (a path, or a name looked up in PATH), made
    /// absolute by its text only: a venv's `bin/python` is often a symbolic link to its base
    /// interpreter, and Python finds the venv (`pyvenv.cfg`) from the path it was started as, so
    /// resolving the link would run the base interpreter without the venv's packages.
    public static func resolvePython(_ python: String, environment: [String: String]) -> String? {
        // A folder passes access(X_OK): only an executable regular file (through links) is a program.
        func runnable(_ path: String) -> Bool {
            var st = stat()
            return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
        }
        if python.contains("/") {
            let path = LexicalPath.absolute(python)
            return runnable(path) ? path : nil
        }
        let dirs = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        for dir in dirs where !dir.isEmpty {
            let path = LexicalPath.absolute(python, cwd: LexicalPath.absolute(dir))
            if runnable(path) { return path }
        }
        return nil
    }

    /// Why `python` (which `resolvePython` refused) is not one, in words: a venv folder given
    /// instead of its `bin/python` is named as such, with the interpreter to give instead.
    static func notAPython(_ python: String) -> String {
        guard python.contains("/") else { return "\(python) is not found in PATH" }
        let path = LexicalPath.absolute(python)
        var st = stat()
        guard stat(path, &st) == 0 else { return "\(python): \(SystemErrorReason.of(errno: errno))" }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            let inside = path + "/bin/python"
            return "\(python) is a folder, not a Python" + (access(inside, X_OK) == 0 ? "; did you mean \(inside)?" : "")
        }
        return "\(python) is not an executable program"
    }

    /// What zarr's fsspec store reads URLs with (the launcher of a remote store imports them).
    static let remoteModules = ["fsspec", "aiohttp"]

    /// What the launcher needs that `python` lacks (found without importing: fast); the
    /// arguments name more modules to look for.
    static let probe = """
        import importlib.util as u, json, sys
        def has(n):
            try:
                return u.find_spec(n) is not None
            except Exception:
                return False
        missing = [n for n in ["napari", "zarr", "dask", "numpy"] + sys.argv[1:] if not has(n)]
        def version(n):
            # From the name of the dist-info folder beside the package: importing
            # importlib.metadata takes longer than the rest of the probe, and the launcher
            # starts after it.
            import os
            try:
                site = os.path.dirname(os.path.dirname(u.find_spec(n).origin))
                for d in os.listdir(site):
                    if d.startswith(n + "-") and d.endswith(".dist-info"):
                        return d[len(n) + 1:-len(".dist-info")]
            except Exception:
                pass
            from importlib.metadata import version
            return version(n)
        if has("zarr"):
            try:
                if int(version("zarr").split(".")[0]) < 3:
                    missing.append("zarr>=3 (it has zarr " + version("zarr") + ")")
            except Exception:
                pass
        if has("napari") and not any(has(q) for q in ("PyQt6", "PyQt5", "PySide6", "PySide2")):
            missing.append("a Qt binding (PyQt6)")
        print("\(probeMarker)" + json.dumps(missing))
        """

    /// Starts the probe's answer line: a wrapper script around Python may print before or
    /// after it (`echo done`), so the line is found by this, not by being the last.
    static let probeMarker = "omio-probe-missing: "

    static func missingModules(python: String, environment: [String: String], also: [String] = []) throws -> [String] {
        let run: (status: Int32, stdout: String, stderr: String)
        do {
            run = try NapariProcess.run([python, "-c", probe] + also, environment: environment, timeout: 60)
        } catch {
            return ["napari (\(python) does not run: \(error.omioReason))"]
        }
        let answer = run.stdout.split(separator: "\n").last { $0.hasPrefix(probeMarker) }?.dropFirst(probeMarker.count)
        guard run.status == 0, let answer, let list = try? JSONValue.parse(Data(answer.utf8)).arrayValue
        else {
            let tail = run.stderr.split(separator: "\n").last.map(String.init) ?? "exit \(run.status)"
            return ["napari (\(python) failed: \(tail))"]
        }
        return list.compactMap(\.stringValue)
    }

    // MARK: helpers

    /// `s` as one shell word: as is when plain, else in single quotes, or in bash's `$'…'`
    /// when it holds a control character (a tab or newline inside '…' would be pasted as
    /// something else, and a terminal shows it as an escape a shell reads literally).
    public static func shellQuote(_ s: String) -> String {
        let plain = s.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "/._-+=:,@%".unicodeScalars.contains($0) }
        if plain, !s.isEmpty { return s }
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return "'" + s.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        }
        var out = "$'"
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += #"\\"#
            case "'": out += #"\'"#
            case "\t": out += #"\t"#
            case "\n": out += #"\n"#
            case "\r": out += #"\r"#
            case _ where c.value < 0x20 || c.value == 0x7F: out += String(format: "\\x%02X", c.value)
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "'"
    }

    private static func appendLog(_ text: String, to path: String) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = text.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
    }
}
