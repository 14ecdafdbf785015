import Foundation
import OmioEngine
import OmioFormats

/// Results of background work, applied on the main thread.
extension AppModel {
    func apply(_ event: Event) {
        switch event {
        case let .listed(path, generation, result):
            guard generation == listGeneration, path == browser.cwd else { return }
            browser.loading = false
            switch result {
            case let .success(entries):
                browser.all = entries
                if let name = pendingSelect {
                    browser.select(name: name)
                    pendingSelect = nil
                }
                let images = entries.filter { $0.kind == .image }.map(\.path)
                if !images.isEmpty { effects.append(.probe(paths: images, generation: generation)) }
            case let .failure(e):
                browser.all = []
                browser.error = e.reason
                flash("\(path): \(e.reason)", error: true)
            }
        case let .probed(path, generation, summary):
            guard generation == listGeneration else { return }
            browser.setHeader(summary, for: path)
        case let .opened(path, series, result):
            openingAtStart = false
            switch result {
            case let .success((source, overlay)): openViewer(path: path, source: source, series: series, overlay: overlay)
            case let .failure(e):
                viewer?.loading = false
                flash("\((path as NSString).lastPathComponent): \(e.reason)", error: true)
            }
        case let .overlaySaved(result):
            switch result {
            case let .success(notice): if let n = notice { flash(n) }
            case let .failure(e): flash("edits not saved: \(e.reason)", error: true)
            }
        case let .exportProgress(done, total):
            exportProgress = (done, total)
        case let .exported(path, result):
            exportProgress = nil
            switch result {
            case let .success(seconds): flash(String(format: "exported %@ in %.1f s", path, seconds))
            case let .failure(e): flash("export failed: \(e.reason)", error: true)
            }
        case let .extractProgress(fraction):
            sliceProgress?.fraction = fraction
        case let .extracted(result):
            sliceProgress = nil
            slicePath = nil
            quitAsked = false
            switch result {
            case let .success(done): flash(String(format: "sliced to %@ in %.2f s", done.path, done.seconds))
            case let .failure(e): flash("slice failed: \(e.reason)", error: true)
            }
        case let .napariProgress(fraction):
            flash(String(format: "napari: building the store %.0f%%", fraction * 100))
        case let .napariSent(result):
            switch result {
            case let .success(line):
                flash(line)
                browser.marks.removeAll()
            case let .failure(e): flash(e.reason, error: true)
            }
        case let .cachesListed(folder, entries, notes):
            guard var menu = purgeMenu, menu.folder == folder else { return }
            menu.entries = entries
            if let note = notes.first { menu.note = note }
            menu.loading = false
            menu.selection = min(menu.selection, max(0, entries.count - 1))
            purgeMenu = menu
        case let .purgePlanned(title, result):
            guard purgeMenu != nil else { return }
            switch result {
            case let .success(plan):
                if plan.entries.isEmpty && plan.folders.isEmpty, let again = PurgeMenu.secondConfirm(plan) {
                    purgeMenu?.withoutInUse = plan
                    purgeMenu?.confirm = again
                } else if plan.entries.isEmpty && plan.folders.isEmpty {
                    purgeMenu?.note = "\(title): nothing to remove" + (plan.skipped.isEmpty ? "" : " (\(plan.skipped.count) skipped: \(plan.skipped[0].reason))")
                } else {
                    purgeMenu?.confirm = (title, plan)
                }
            case let .failure(e): purgeMenu?.note = e.reason
            }
        case let .purgeProgress(freed, total):
            purgeMenu?.progress = (freed, total)
        case let .purged(report):
            guard var menu = purgeMenu else { return flash(report.summary, error: !report.failed.isEmpty) }
            menu.progress = nil
            menu.note = report.summary
            menu.loading = true
            purgeMenu = menu
            effects.append(.listCaches(folder: menu.folder, recursive: menu.recursive))
        case let .storeProgress(path, fraction):
            guard viewer?.path == path else { return }
            viewer?.store = .building(fraction)
        case let .storeReady(path, result):
            guard var v = viewer, v.path == path else { return }
            switch result {
            case let .success(reader):
                v.store = .ready(reader.path)
                v.array = LazyArray(levels: reader, cache: cache)
                viewer = v
                requestSlice()
            case let .failure(e):
                v.store = .failed(e.reason)
                viewer = v
                flash("store: \(e.reason)", error: true)
            }
        case let .raw(path, nodes):
            guard let v = viewer, v.path == path else { return }
            viewer?.raw = nodes
            tree.set(metadata: v.metadata, raw: nodes)
        case let .sliced(generation, result):
            // Any result newer than the one on screen is shown (frames keep coming while a
            // key is held); only the newest request ends the loading state.
            let coarse = (try? result.get())?.coarse == true
            guard generation > shownGeneration || (generation == shownGeneration && shownCoarse && !coarse), var v = viewer else { return }
            shownGeneration = generation
            shownCoarse = coarse
            if generation == sliceGeneration, !coarse { v.loading = false }
            switch result {
            case let .success(r):
                v.grid = r.grid
                v.image = r.image
                v.imageGeneration = generation
                v.limits = r.limits
                v.stats = r.stats
                // The newest request was made with the current modes: keep what it computed.
                if generation == sliceGeneration, !coarse { v.keepLimits(r.limits) }
                v.sliceSeconds = r.seconds
                v.error = nil
            case let .failure(e):
                v.grid = nil
                v.image = nil
                v.error = e.reason
                flash(e.reason, error: true)
            }
            viewer = v
        }
    }
}
