import Foundation
import OmioEngine
import OmioFormats
import OmioRender

/// Events posted by background work, drained by the main loop.
final class EventInbox: @unchecked Sendable {
    private var events: [Event] = []
    private let lock = NSLock()

    func post(_ e: Event) {
        lock.lock()
        events.append(e)
        lock.unlock()
    }

    func drain() -> [Event] {
        lock.lock()
        defer { lock.unlock() }
        let out = events
        events = []
        return out
    }
}

/// Runs the model's effects off the main thread: listings and opens on their own queues,
/// header probes one at a time (abandoned when the folder changes), slices on a worker where
/// the newest request wins.
final class BackgroundServices: @unchecked Sendable {
    let inbox = EventInbox()
    private let listQueue = DispatchQueue(label: "omio.list", qos: .userInitiated)
    private let openQueue = DispatchQueue(label: "omio.open", qos: .userInitiated)
    private let probeQueue = DispatchQueue(label: "omio.probe", qos: .utility)
    private let rawQueue = DispatchQueue(label: "omio.raw", qos: .utility)
    private let exportQueue = DispatchQueue(label: "omio.export", qos: .utility)
    private let storeQueue = DispatchQueue(label: "omio.store", qos: .utility)
    private let purgeQueue = DispatchQueue(label: "omio.purge", qos: .userInitiated)
    private let slices: SliceWorker
    /// Guards `probeGeneration` and `pendingSaves`.
    private let stateLock = NSLock()
    private var probeGeneration = 0

    init() {
        slices = SliceWorker(inbox: inbox)
    }

    /// Saves scheduled and not yet written (they share the open queue, behind any open).
    private var pendingSaves = 0

    /// Waits until the saves started so far are written, at most `seconds` (an open of a file
    /// on a hung network mount must not keep the program alive). Without a save pending it
    /// returns at once: quitting while a remote store opens took the whole 5 s.
    func waitForSaves(seconds: Double = 5) {
        guard stateLock.withLock({ pendingSaves }) > 0 else { return }
        let done = DispatchSemaphore(value: 0)
        openQueue.async { done.signal() }
        _ = done.wait(timeout: .now() + seconds)
    }

    func run(_ effect: Effect) {
        let inbox = self.inbox
        switch effect {
        case .list: listQueue.async { EffectRunner.perform(effect, post: inbox.post) }
        case .open: openQueue.async { EffectRunner.perform(effect, post: inbox.post) }
        case .saveOverlay:
            stateLock.withLock { pendingSaves += 1 }
            openQueue.async { [weak self] in
                EffectRunner.perform(effect, post: inbox.post)
                self?.stateLock.withLock { self?.pendingSaves -= 1 }
            }
        case .loadRaw: rawQueue.async { EffectRunner.perform(effect, post: inbox.post) }
        case .export, .extract: exportQueue.async { EffectRunner.perform(effect, post: inbox.post) }
        case .ensureStore: storeQueue.async { EffectRunner.perform(effect, post: inbox.post) }
        case .listCaches, .planPurge, .purge: purgeQueue.async { EffectRunner.perform(effect, post: inbox.post) }
        case .napari: storeQueue.async { EffectRunner.perform(effect, post: inbox.post) }
        case let .probe(paths, generation):
            stateLock.lock()
            probeGeneration = generation
            stateLock.unlock()
            probeQueue.async { [weak self] in
                for p in paths {
                    guard let self, self.currentProbe == generation else { return }
                    EffectRunner.perform(.probe(paths: [p], generation: generation), post: inbox.post)
                }
            }
        case let .slice(request):
            slices.submit(request)
        }
    }

    private var currentProbe: Int {
        stateLock.lock()
        defer { stateLock.unlock() }
        return probeGeneration
    }
}

/// What each effect does, as plain synchronous work: the background services run it on
/// queues, tests run it inline.
enum EffectRunner {
    /// Where the `p` menu looks for the HTTP chunk cache (`$XDG_CACHE_HOME`): the process's
    /// environment; tests that drive the model point it away from the user's cache.
    nonisolated(unsafe) static var httpCacheEnvironment = ProcessInfo.processInfo.environment

    static func perform(_ effect: Effect, post: @escaping (Event) -> Void) {
        TerminalGuard.onWorkerThread() // a stack overflow here still restores the terminal
        switch effect {
        case let .list(path, generation):
            let result = Result { try DirectoryLister.list(path) }.mapError { omioError($0, path) }
            post(.listed(path: path, generation: generation, result: result))
        case let .probe(paths, generation):
            for p in paths { post(.probed(path: p, generation: generation, summary: DirectoryLister.probe(p))) }
        case let .open(path, series):
            let result = Result { () throws -> (ImageSource, MetadataOverlay) in
                let opened = try CorrectedSeries.open(path: path, series: series)
                return (opened.source, opened.overlay)
            }.mapError { omioError($0, path) }
            post(.opened(path: path, series: series, result: result))
        case let .saveOverlay(overlay):
            post(.overlaySaved(Result { try OverlayStore.save(overlay).notice }.mapError { omioError($0, overlay.sourcePath) }))
        case let .export(source, series, metadata, path):
            let start = Date()
            let result = Result { () throws -> Double in
                try Exporter.export(source, series: series, metadata: metadata, to: path, compression: .deflate, force: false) { done, total in
                    post(.exportProgress(done: done, total: total))
                }
                return Date().timeIntervalSince(start)
            }.mapError { omioError($0, path) }
            post(.exported(path: path, result: result))
        case let .extract(sub, path, format):
            let start = Date()
            let gauge = PercentGauge()
            let result = Result { () throws -> (path: String, seconds: Double) in
                let lockSlot = format == .omeZarr ? TempOutputs.registerStoreLock(path) : -1
                defer { TempOutputs.unregister(lockSlot) }
                let written = try SubStackExport.write(sub, to: path, format: format) { done, total in
                    if let f = gauge.advance(to: total > 0 ? Double(done) / Double(total) : 1) { post(.extractProgress(fraction: f)) }
                }
                return (written, Date().timeIntervalSince(start))
            }.mapError { omioError($0, path) }
            post(.extracted(result: result))
        case let .ensureStore(path, source, request, metadata):
            let gauge = PercentGauge()
            let result = Result { () throws -> StoreReader in
                NapariLauncher.releaseIfShown(source, request: request) // else the rebuild waits for the window
                let built = try StoreBuilder.ensure(source: source, request: request, metadata: metadata) { p in
                    if let f = gauge.advance(to: p.fraction) { post(.storeProgress(path: path, fraction: f)) }
                }
                return try StoreReader(path: built.path)
            }.mapError { omioError($0, path) }
            post(.storeReady(path: path, result: result))
        case let .napari(open, paths, python):
            let gauge = PercentGauge()
            let result = Result { () throws -> String in
                let inputs = try open + paths.map { try NapariInput.open(path: $0) }
                // The launcher starts before the stores build (napari loads meanwhile); the
                // gauge shows the build, then the status line names the window.
                let sent = try NapariLauncher.open(inputs, python: python, progress: { i, p in
                    if let f = gauge.advance(to: (Double(i) + p.fraction) / Double(inputs.count)) { post(.napariProgress(fraction: f)) }
                })
                if let process = sent.process {
                    Thread.detachNewThread {
                        if let window = process.waitForWindow(timeout: 600) { post(.napariSent(.success(window.statusLine))) }
                    }
                }
                return sent.statusLine
            }.mapError { e -> OmioError in
                if let n = e as? NapariLaunchError { return OmioError("", n.statusLine) }
                return omioError(e, paths.first ?? open.first?.source.path ?? "")
            }
            post(.napariSent(result))
        case let .listCaches(folder, recursive):
            let listing = CacheInventory.walk(folder: folder, recursive: recursive)
            // The remote stores' chunk cache is listed too (last), to be purged with `d`.
            let http = CacheInventory.httpCacheEntry(environment: httpCacheEnvironment).map { [$0] } ?? []
            post(.cachesListed(folder: folder, entries: listing.entries + http, notes: listing.notes + (listing.unreadable.map { [$0.description] } ?? [])))
        case let .planPurge(action, folder, entries, file):
            let title: String
            let result: Result<PurgePlan, OmioError>
            switch action {
            case .selected:
                title = "purge " + ((entries.first?.path ?? "") as NSString).lastPathComponent
                result = .success(CachePurge.plan(entries))
            case .file:
                title = "purge everything for " + ((file ?? "") as NSString).lastPathComponent
                result = .success(CachePurge.plan(forFile: file ?? "", in: entries))
            case .stale:
                title = "purge stale, partial and orphan entries"
                result = .success(CachePurge.planStale(entries))
            case .all:
                title = "full cleanup of \(folder)/.omio_cache"
                result = Result { try CachePurge.planFullCleanup(folder: folder) }.mapError { omioError($0, folder) }
            }
            post(.purgePlanned(title: title, result: result))
        case let .purge(plan, _, _):
            let gauge = PercentGauge()
            let report = CachePurge.execute(plan) { freed, total in
                if gauge.advance(to: total > 0 ? Double(freed) / Double(total) : 1) != nil { post(.purgeProgress(freed: freed, total: total)) }
            }
            post(.purged(report))
        case let .loadRaw(path, source):
            post(.raw(path: path, nodes: source.rawTree()))
        case let .slice(r):
            post(slice(r))
        }
    }

    static func omioError(_ e: Error, _ path: String) -> OmioError {
        e as? OmioError ?? OmioError(path, e.omioReason)
    }

    static func slice(_ r: SliceRequest) -> Event {
        do {
            return .sliced(generation: r.generation, result: .success(try SlicePipeline.run(r)))
        } catch {
            return .sliced(generation: r.generation, result: .failure(omioError(error, "")))
        }
    }
}

/// Turns a stream of fractions (from several build threads) into whole-percent steps: a
/// gauge, not a log.
final class PercentGauge: @unchecked Sendable {
    private var last = -1.0
    private let lock = NSLock()

    func advance(to fraction: Double) -> Double? {
        let f = (fraction * 100).rounded(.down) / 100
        lock.lock()
        defer { lock.unlock() }
        guard f > last else { return nil }
        last = f
        return f
    }
}

/// One background thread rendering slices; a request arriving while another runs replaces
/// any waiting one, so the worker never falls behind the keyboard.
final class SliceWorker: @unchecked Sendable {
    private let inbox: EventInbox
    private var waiting: SliceRequest?
    private var running = false
    private let lock = NSLock()
    private let queue = DispatchQueue(label: "omio.slice", qos: .userInteractive)

    init(inbox: EventInbox) { self.inbox = inbox }

    func submit(_ r: SliceRequest) {
        lock.lock()
        waiting = r
        let start = !running
        running = true
        lock.unlock()
        if start { queue.async { self.drain() } }
    }

    private func drain() {
        TerminalGuard.onWorkerThread()
        while true {
            lock.lock()
            guard let r = waiting else {
                running = false
                lock.unlock()
                return
            }
            waiting = nil
            lock.unlock()
            // A remote image shows its coarsest level first; a newer view asked for meanwhile
            // replaces the full pass.
            if r.coarseFirst, r.array.levels.levelSizes.count > 1 {
                var coarse = r
                coarse.coarsestLevel = true
                inbox.post(EffectRunner.slice(coarse))
                if lock.withLock({ waiting != nil }) { continue }
            }
            // The running render finishes (so holding a key still shows frames); requests
            // that arrived meanwhile collapse into the newest one.
            inbox.post(EffectRunner.slice(r))
        }
    }
}
