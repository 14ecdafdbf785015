import ArgumentParser
import Foundation
import OmioFormats

/// `omio-tui`: the terminal inspector (default) and its command-line tools.
public struct OmioCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "omio-tui",
        abstract: "Look inside microscopy images from a terminal: TIFF, BigTIFF, OME-TIFF, ImageJ, Zeiss LSM and CZI, Thorlabs RAW.",
        discussion: """
            Exit status: 0 success, 1 a file could not be read or written, 64 the command line is \
            wrong (unknown command or option, a bad value, an index outside the image).
            """,
        version: OmioVersion.string,
        subcommands: [BrowseCommand.self, InfoCommand.self, SliceCommand.self, RenderCommand.self, SetCommand.self, ExportCommand.self, CacheCommand.self, NapariCommand.self],
        defaultSubcommand: BrowseCommand.self
    )

    public init() {}
}

/// The one-line error contract: `omio-tui: error: <path>: <reason>` on stderr, with every
/// control character escaped so a file name cannot act on the terminal or split the line.
enum CLIError {
    /// Exit status of a command line that is wrong (sysexits EX_USAGE).
    static let usageStatus: Int32 = 64

    static func report(_ error: Error, path: String) {
        switch error {
        case let e as OmioError: line("\(e.path): \(e.reason)")
        default: line("\(path): \(error.omioReason)")
        }
    }

    /// Reports `error` and returns the exit status: 64 for an option whose value does not fit
    /// the file, 1 for a file that cannot be read or written; an `ExitCode` was reported by the
    /// command that threw it. `path` names the file when the error does not.
    static func fail(_ error: Error, path: String) -> ExitCode {
        switch error {
        case let code as ExitCode: return code
        case let e as NoSuchSeries:
            do { try OptionBounds.checkSeries(e.series, count: e.count) } catch { return fail(error, path: e.path) }
        default: break
        }
        report(error, path: path)
        return ExitCode(error is UsageError ? usageStatus : 1)
    }

    /// `omio-tui: error: <text>` as one line.
    static func line(_ text: String) {
        write("omio-tui: error: " + TerminalSafeText.escape(text))
    }

    /// `omio-tui: <note>` (a notice, not an error), escaped like errors.
    static func note(_ text: String) {
        write("omio-tui: " + TerminalSafeText.escape(text))
    }

    /// One line on stderr, after whatever stdout holds so both stay in order when merged.
    static func write(_ line: String) {
        fflush(stdout)
        TerminalWrite.all(line + "\n", to: STDERR_FILENO)
    }
}
