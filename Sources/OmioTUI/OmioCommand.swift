import ArgumentParser
import Foundation
import OmioFormats

/// `omio-tui`: the terminal inspector (default) and its command-line tools.
public struct OmioCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "omio-tui",
        abstract: "Look inside microscopy images from a terminal: TIFF, BigTIFF, OME-TIFF, ImageJ, LSM.",
        version: OmioVersion.string,
        subcommands: [BrowseCommand.self, InfoCommand.self, SliceCommand.self, RenderCommand.self, SetCommand.self, ExportCommand.self, CacheCommand.self, NapariCommand.self],
        defaultSubcommand: BrowseCommand.self
    )

    public init() {}
}

/// The one-line error contract: `omio-tui: error: <path>: <reason>` on stderr.
enum CLIError {
    static func report(_ error: Error, path: String) {
        let line: String
        if let e = error as? OmioError {
            line = "omio-tui: error: \(e.path): \(e.reason)"
        } else {
            line = "omio-tui: error: \(path): \(error.omioReason)"
        }
        fflush(stdout) // keep stdout and stderr lines in order when both go to one place
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
