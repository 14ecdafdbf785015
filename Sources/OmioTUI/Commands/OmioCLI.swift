import ArgumentParser
import Foundation
import OmioFormats

/// The executable's entry point. Parses with swift-argument-parser but reports every usage
/// error here, in one place, as the same one line as every other error (plus one `see` line),
/// exit 64 — not the parser's multi-line usage dump.
public enum OmioCLI {
    public static func main(_ given: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        let arguments = CommandWords.attachNegativeNumbers(given)
        var command: ParsableCommand
        do {
            try CommandWords.check(arguments)
            // Parsed through the root, the default command drops options it does not know
            // (`--colours 256` became a browse of "256"); parsed as itself it reports them.
            command = CommandWords.isBrowse(arguments) ? try BrowseCommand.parseAsRoot(arguments) : try OmioCommand.parseAsRoot(arguments)
        } catch let e as CommandWords.Unknown {
            exit(usageFailure(e.message, see: e.command))
        } catch {
            parserFailure(error, arguments)
        }
        // Every command's failure is reported here, as one line: 64 for a usage error found
        // once the file is open (an index past its shape), 1 for a file that cannot be read or
        // written, or the status a command chose after reporting (ExitCode).
        // A signal must not leave a command's temporary output behind (the TUI replaces these
        // handlers with its own, which end the main loop first).
        TempOutputs.cleanUpOnSignals()
        let status: Int32
        do {
            try command.run()
            status = 0
        } catch let code as ExitCode {
            status = code.rawValue
        } catch where OmioCommand.exitCode(for: error) != .failure {
            parserFailure(error, arguments) // `help render` runs a help command that throws the help text
        } catch {
            status = CLIError.fail(error, path: (command as? ReportsErrors)?.errorPath ?? "").rawValue
        }
        // Keys answered 403 read as the fill value (S3's missing key); a store that wants
        // credentials answers 403 for all of them, and an all-zero image must not pass silently.
        for warning in HTTPStats.shared.forbiddenWarnings { CLIError.note(warning) }
        exit(status)
    }

    /// What the parser threw: help and version on stdout (0), a usage error as one line (64).
    private static func parserFailure(_ error: Error, _ arguments: [String]) -> Never {
        let status = OmioCommand.exitCode(for: error)
        if status == .success { // --help, --version, help COMMAND
            print(OmioCommand.fullMessage(for: error))
            exit(0)
        }
        let message = OmioCommand.message(for: error)
        if message.isEmpty { exit(status.rawValue) }
        exit(usageFailure(UsageMessage.oneLine(message), see: CommandWords.command(of: arguments)))
    }

    private static func usageFailure(_ message: String, see command: String) -> Int32 {
        CLIError.line(message)
        CLIError.write("see '\(command) --help'")
        return CLIError.usageStatus
    }
}

/// The subcommand words of a command line, checked before the parser sees them: the parser
/// takes an unknown first word for the PATH of the default `browse` and an unknown word after
/// `help` for nothing at all.
enum CommandWords {
    struct Unknown: Error {
        let message: String
        let command: String // for the `see` line
    }

    static func check(_ arguments: [String]) throws {
        var node: ParsableCommand.Type = OmioCommand.self
        var path = "omio-tui"
        var words = arguments[...]
        let asksHelp = words.first == "help"
        if asksHelp { words = words.dropFirst() }
        for word in words {
            if word.hasPrefix("-") { return }
            let names = subcommands(of: node)
            if let next = names.first(where: { $0.name == word }) {
                node = next.type
                path += " " + word
                continue
            }
            if names.isEmpty { return } // a leaf's own arguments
            let suggestion = closest(to: word, in: names.map(\.name))
            // The default command's PATH: an existing path, or a word that is no command's typo
            // (browse then reports it missing).
            if !asksHelp, node.configuration.defaultSubcommand != nil, FileManager.default.fileExists(atPath: word) || suggestion == nil { return }
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? " (commands: \(names.map(\.name).joined(separator: ", ")))"
            throw Unknown(message: "unknown command '\(word)'\(hint)", command: path)
        }
    }

    /// True when the words go to the default `browse` (no subcommand named, no root help or
    /// version request).
    static func isBrowse(_ arguments: [String]) -> Bool {
        let names = Set(subcommands(of: OmioCommand.self).map(\.name) + ["help"])
        if arguments.contains(where: { ["-h", "--help", "--version"].contains($0) }) { return false }
        return arguments.first { !$0.hasPrefix("-") }.map { !names.contains($0) } ?? true
    }

    /// `--width -5` as `--width=-5`: the parser takes `-5` for an option name and reports a
    /// missing value; joined, the value reaches the option's own check and its message.
    static func attachNegativeNumbers(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for word in arguments {
            if let last = out.last, last.hasPrefix("--"), !last.contains("="), last != "--",
               word.count > 1, word.hasPrefix("-"), word.dropFirst().allSatisfy({ $0.isNumber || $0 == "." || $0 == "e" || $0 == ":" }) {
                out[out.count - 1] = last + "=" + word
            } else {
                out.append(word)
            }
        }
        return out
    }

    /// `omio-tui cache build` for the words of a command line: where its `--help` lives.
    static func command(of arguments: [String]) -> String {
        var node: ParsableCommand.Type = OmioCommand.self
        var path = "omio-tui"
        for word in arguments {
            guard let next = subcommands(of: node).first(where: { $0.name == word }) else { break }
            node = next.type
            path += " " + word
        }
        // No command word: the options were the default command's (`omio-tui --theme x` is
        // browse's --theme, listed by `omio-tui browse --help`, not by `omio-tui --help`).
        if node == OmioCommand.self, !arguments.isEmpty, let d = OmioCommand.configuration.defaultSubcommand {
            path += " " + (d.configuration.commandName ?? "\(d)".lowercased())
        }
        return path
    }

    private static func subcommands(of node: ParsableCommand.Type) -> [(name: String, type: ParsableCommand.Type)] {
        node.configuration.subcommands.map { ($0.configuration.commandName ?? "\($0)".lowercased(), $0) }
    }

    /// The name within two edits (a swap counts as one) of `word`, if any.
    static func closest(to word: String, in names: [String]) -> String? {
        let scored = names.map { ($0, editDistance(word.lowercased(), $0)) }.filter { $0.1 <= min(2, max(1, $0.0.count / 2)) }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}

/// swift-argument-parser's error sentences in this tool's form: one line, lower case,
/// `--width: <reason>` for a bad value. The wording it produces is pinned by the end-to-end
/// tests, so an upgrade that changes it shows up there.
enum UsageMessage {
    static func oneLine(_ message: String) -> String {
        let flat = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        if let bad = invalidValue(flat) { return bad }
        if let m = flat.wholeMatch(of: #/Missing value for '(-[^ ']+)[^']*'/#) { return "\(m.1): needs a value" }
        if let m = flat.wholeMatch(of: #/Unknown option '([^']+)'\. Did you mean '([^']+)'\?/#) {
            return "unknown option '\(m.1)' (did you mean '\(m.2)'?)"
        }
        guard let first = flat.first else { return flat }
        return first.lowercased() + flat.dropFirst()
    }

    /// "The value 'x' is invalid for '--width <width>': reason" -> "--width: reason".
    private static func invalidValue(_ s: String) -> String? {
        guard let m = s.wholeMatch(of: #/The value '(.*)' is invalid for '([^' ]+)[^']*'(.*)/#) else { return nil }
        let option = String(m.2), rest = String(m.3)
        if rest.hasPrefix(": ") { return "\(option): " + rest.dropFirst(2) }
        if let list = rest.firstMatch(of: #/[Pp]lease provide one of (?:the following: )?(.*?)\.?$/#) {
            let choices = list.1.replacingOccurrences(of: "- ", with: "").split(separator: " ").joined(separator: " ")
            return "\(option): '\(m.1)' is not one of \(choices)"
        }
        return "\(option): '\(m.1)' is not a valid value"
    }
}
