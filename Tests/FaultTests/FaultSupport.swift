import Foundation
import OmioFixtures
import Testing

/// Paths the fault tests use: this repository's example_data and the built binary.
enum FaultPaths {
    static var repoRoot: String { TestPaths.repoRoot }
    static var exampleData: String { repoRoot + "/example_data" }
    static var regressions: String { repoRoot + "/Tests/FaultTests/Regressions" }

    static var exampleFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: exampleData)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    static var binary: String { TestPaths.omioTUIBinary }

    /// A fresh folder under /tmp that other users can enter (the setpriv tests run as nobody).
    static func tempDir(_ label: String = "fault") -> String {
        let p = "/tmp/omio-\(label)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o755])
        return p
    }

    /// `rm -rf`, first making read-only folders writable again.
    static func remove(_ path: String) {
        if let e = FileManager.default.enumerator(atPath: path) {
            for case let sub as String in e { chmod(path + "/" + sub, 0o755) }
        }
        chmod(path, 0o755)
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs a program with a timeout and captures what it printed.
typealias Run = ProcessOutcome

extension ProcessOutcome {
    /// Started processes of the concurrency tests.
    typealias Started = ChildProcess

    /// A crash is a signal here, not a minute of symbolication.
    static let quiet = ["SWIFT_BACKTRACE": "enable=no"]

    /// The binary with `args`.
    static func tool(_ args: [String], timeout: TimeInterval = 10, environment: [String: String] = [:]) throws -> Run {
        try program(FaultPaths.binary, args, timeout: timeout, environment: environment)
    }

    /// The binary under `prefix` (a shell with ulimit, setpriv), exec'ed so signals reach the caller.
    static func tool(via prefix: [String], _ args: [String], timeout: TimeInterval = 10, environment: [String: String] = [:]) throws -> Run {
        try program(prefix[0], Array(prefix.dropFirst()) + [FaultPaths.binary] + args, timeout: timeout, environment: environment)
    }

    static func program(_ executable: String, _ args: [String], timeout: TimeInterval, environment: [String: String] = [:]) throws -> Run {
        try ChildProcess.run(executable, args, timeout: timeout, environment: quiet.merging(environment) { $1 })
    }
}

/// The CLI's contract on a bad file: status 0 or 1, never a signal or a hang; on 1, exactly
/// one `omio-tui: error: <path>: <reason>` line; nothing on stderr that is not ours (libtiff
/// messages must never reach the terminal).
func expectCleanOutcome(_ r: Run, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!r.timedOut, "\(what): hung (killed after the timeout)", sourceLocation: sourceLocation)
    #expect(!r.signalled, "\(what): killed by signal \(r.status)\n\(r.stderr.suffix(2000))", sourceLocation: sourceLocation)
    guard !r.timedOut, !r.signalled else { return }
    #expect(r.status == 0 || r.status == 1, "\(what): exit status \(r.status)\n\(r.stderr.suffix(2000))", sourceLocation: sourceLocation)
    let errors = r.stderrLines.filter { $0.hasPrefix("omio-tui: error: ") }
    if r.status == 1 {
        #expect(errors.count == 1, "\(what): \(errors.count) error lines:\n\(r.stderr.suffix(2000))", sourceLocation: sourceLocation)
        if let line = errors.first {
            // `<path>: <reason>` with a non-empty reason.
            let rest = line.dropFirst("omio-tui: error: ".count)
            #expect(rest.contains(": ") && !(rest.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces).isEmpty,
                    "\(what): error line is not `<path>: <reason>`: \(line)", sourceLocation: sourceLocation)
        }
    } else {
        #expect(errors.isEmpty, "\(what): status 0 with an error line:\n\(r.stderr.suffix(2000))", sourceLocation: sourceLocation)
    }
    let foreign = r.stderrLines.filter { !$0.hasPrefix("omio-tui: ") && !$0.isEmpty }
    #expect(foreign.isEmpty, "\(what): stray stderr output: \(foreign.prefix(3))", sourceLocation: sourceLocation)
}

/// `cache list --json DIR` as (path, state) pairs.
func cacheEntries(_ folder: String, environment: [String: String] = [:]) throws -> [(path: String, state: String, building: Bool)] {
    let r = try Run.tool(["cache", "list", folder, "--json"], environment: environment)
    #expect(r.status == 0, "cache list \(folder): \(r.stderr)")
    guard let array = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] else {
        Issue.record("cache list --json printed no array: \(r.stdout)")
        return []
    }
    return array.map { ($0["path"] as? String ?? "", $0["state"] as? String ?? "", $0["building"] as? Bool ?? false) }
}

/// Every file under a folder, by relative path, with its bytes.
func folderContents(_ root: String) -> [String: Data] {
    var out: [String: Data] = [:]
    guard let e = FileManager.default.enumerator(atPath: root) else { return out }
    for case let sub as String in e {
        var isDir: ObjCBool = false
        let full = root + "/" + sub
        if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue {
            out[sub] = FileManager.default.contents(atPath: full)
        }
    }
    return out
}

func fileBytes(_ path: String) -> Data { FileManager.default.contents(atPath: path) ?? Data() }

/// Runs a command as the unprivileged user `nobody` when the tests run as root (as in CI), where
/// permission bits would not stop anything; as any other user, runs it directly.
enum Unprivileged {
    static let uid: uid_t = 65534

    static var asRoot: Bool { getuid() == 0 }

    /// Root needs setpriv (util-linux) to drop to nobody.
    static var available: Bool {
        !asRoot || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
    }

    static var prefix: [String] {
        asRoot ? ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups"] : []
    }

    static func tool(_ args: [String], environment: [String: String] = [:], timeout: TimeInterval = 10) throws -> Run {
        asRoot ? try Run.tool(via: prefix, args, timeout: timeout, environment: environment)
            : try Run.tool(args, timeout: timeout, environment: environment)
    }

    /// Makes `path` belong to the user the command runs as (so it can write there).
    static func own(_ path: String) {
        if asRoot { chown(path, uid, gid_t(uid)) }
    }
}
