import Foundation
import OmioEngine
import OmioFormats

/// `cache list --http` and `cache purge --http`: the disk cache of remote stores' chunks
/// ($XDG_CACHE_HOME/omio-tui/http). It holds copies of what servers sent, nothing else: purging
/// it only costs the next look at a remote image its requests again.
enum HTTPCacheCommands {
    static var cache: HTTPChunkCache {
        HTTPChunkCache.shared ?? HTTPChunkCache(folder: HTTPChunkCache.defaultFolder(), limitBytes: 0)
    }

    static func list(json: Bool) {
        let c = cache
        let (files, bytes) = c.usage()
        if json {
            print(JSONValue.object([("folder", .string(c.folder)), ("files", .number(Double(files))), ("bytes", .number(Double(bytes))),
                                    ("limit_bytes", .number(Double(c.limitBytes)))]).serialized(pretty: true))
            return
        }
        let limit = c.limitBytes > 0 ? "limit \(PurgeReport.size(c.limitBytes))" : "disabled (OMIO_HTTP_CACHE_MB=0)"
        print(TerminalSafeText.escape("http cache  \(PurgeReport.size(bytes)) in \(EnglishCount.of(files, "file"))  (\(limit))  \(c.folder)"))
    }

    /// Asks first unless `yes`; `dryRun` only says what would go.
    static func purge(yes: Bool, dryRun: Bool) throws {
        let c = cache
        let (files, bytes) = c.usage()
        guard files > 0 else {
            print("nothing to purge")
            return
        }
        print(TerminalSafeText.escape("\(dryRun ? "would remove" : "remove")  \(PurgeReport.size(bytes))  http cache (\(EnglishCount.of(files, "file")))  \(c.folder)"))
        if dryRun { return }
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else { throw OmioError(c.folder, "not a terminal to confirm on; add --yes (or --dry-run)") }
            TerminalWrite.all("Remove them? [y/N] ")
            guard let answer = readLine(), answer.lowercased().hasPrefix("y") else {
                print("nothing removed")
                return
            }
        }
        let done = c.purge()
        print("removed \(EnglishCount.of(done.files, "file")), \(PurgeReport.size(done.bytes))")
    }
}
