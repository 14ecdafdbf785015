import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats

/// `omio-tui cache purge`: frees what .omio_cache folders hold, safely.
struct CachePurgeCommand: ParsableCommand, ReportsErrors {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Remove caches: everything made for a FILE, or a folder's stale entries (--stale) or whole .omio_cache (--all).",
        discussion: """
            Only entries inside a folder named .omio_cache are deleted, and elsewhere (a --cache-dir \
            folder, the fallback cache ~/.cache/omio-tui) only stores with omio-tui's manifest and \
            omio-tui's launchers and logs; a FILE's caches include its fallback store; --recursive \
            does not follow symbolic links to folders; symbolic links are removed as links; a store \
            a running build holds is skipped, and so is a store an open napari window shows \
            ("in use (napari)") unless --force; sidecar edits (*.omio.json) and images are never \
            touched. Asks before deleting unless --yes; --dry-run only lists.
            """
    )

    @Argument(help: "An image file (purge its caches) or a folder (with --all or --stale).", completion: .file())
    var target: String = ""

    @Flag(help: "The folder's whole .omio_cache (OMIO's full_cleanup), omio-tui's stores in the folder itself (a --cache-dir) and its files' fallback stores.") var all = false
    @Flag(help: "The folder's stale, partial and orphan entries.") var stale = false
    @Flag(help: "With --stale: every .omio_cache below the folder too.") var recursive = false
    @Flag(name: .shortAndLong, help: "Do not ask.") var yes = false
    @Flag(help: "Only print what would be removed.") var dryRun = false
    @Flag(help: "Also remove stores an open napari window shows (its layers stop working).") var force = false
    @Flag(help: "The chunks of remote stores kept in $XDG_CACHE_HOME/omio-tui/http (no FILE or folder).") var http = false

    var errorPath: String { target }

    func run() throws {
        if http {
            guard target.isEmpty, !all, !stale else { throw UsageError("--http takes no FILE, folder, --all or --stale") }
            return try HTTPCacheCommands.purge(yes: yes, dryRun: dryRun)
        }
        guard !target.isEmpty else { throw UsageError("give an image file or a folder (or --http)") }
        var plan = try makePlan()
        if force { plan = plan.forcingInUse() }
        for s in plan.skipped { print(TerminalSafeText.escape("skip  \(s.entry.path)  (\(s.reason))")) }
        if !plan.inUse.isEmpty { print("(--force removes stores a napari window shows too)") }
        guard !plan.entries.isEmpty || !plan.folders.isEmpty else {
            print("nothing to purge")
            return
        }
        for e in plan.entries {
            print("\(dryRun ? "would remove" : "remove")  \(PurgeReport.size(e.bytes).padding(toLength: 9, withPad: " ", startingAt: 0))  \(e.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(TerminalSafeText.escape(e.path))")
        }
        print("total \(PurgeReport.size(plan.bytes)) in \(EnglishCount.of(plan.entries.count, "entry", plural: "entries"))")
        if dryRun { return }
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                throw OmioError(target, "not a terminal to confirm on; add --yes (or --dry-run)")
            }
            TerminalWrite.all("Remove them? [y/N] ")
            guard let answer = readLine(), answer.lowercased().hasPrefix("y") else {
                print("nothing removed")
                return
            }
        }
        let progress = ProgressReporter(label: "purge")
        let report = CachePurge.execute(plan) { freed, total in progress.update(done: freed, total: total, bytes: freed) }
        progress.finish(report.summary)
        if !report.failed.isEmpty {
            for f in report.failed { CLIError.report(OmioError(f.path, "not removed: \(f.reason)"), path: f.path) }
            print(TerminalSafeText.escape("removed: " + (report.removed.isEmpty ? "nothing" : report.removed.joined(separator: ", "))))
            throw ExitCode(1)
        }
    }

    private func makePlan() throws -> PurgePlan {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDir) || (!all && !stale) else {
            throw OmioError(target, SystemErrorReason.of(errno: ENOENT))
        }
        if isDir.boolValue {
            guard !(all && stale) else { throw UsageError("--all and --stale cannot be combined; give one") }
            guard all || stale else { throw UsageError("a folder needs --all or --stale") }
            if all { return try CachePurge.planFullCleanup(folder: target) }
            let listing = CacheInventory.walk(folder: target, recursive: recursive)
            for line in listing.notes { TerminalWrite.all("omio-tui: \(line)\n", to: STDERR_FILENO) }
            return CachePurge.planStale(try listing.checked())
        }
        guard !all, !stale else { throw UsageError("--all and --stale take a folder; a file purges its own caches") }
        // A file that no longer exists still names its orphaned caches.
        let folder = LexicalPath.folder(of: target)
        return CachePurge.plan(forFile: target, in: try CacheInventory.walk(folder: folder).checked())
    }
}
