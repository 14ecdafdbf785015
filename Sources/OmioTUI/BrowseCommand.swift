import ArgumentParser
import Foundation
import OmioFormats

/// `omio-tui [PATH]`: the full-screen inspector (the default subcommand).
struct BrowseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "browse",
        abstract: "Open the terminal inspector on a folder or a file (the default).",
        discussion: "Keys: ? lists them all inside the program; q quits."
    )

    @Argument(help: "A folder to browse or a file to open.", completion: .file())
    var path: String = "."

    @Option(help: "Colour output: truecolor or 256 (default: detected from COLORTERM and terminfo).")
    var colors: ColorMode?

    @Option(help: "memory: keep viewed chunks in memory, write nothing; disk: build the OME-Zarr store in .omio_cache and read from it.")
    var store = AppModel.StoreMode.memory

    @Option(help: "Folder for stores instead of .omio_cache beside each file.", completion: .directory, transform: OptionValue.path)
    var cacheDir: String?

    @Option(help: "Python that runs napari launchers (default: $OMIO_PYTHON, else python3).", completion: .file(), transform: OptionValue.path)
    var python: String?

    // The path is checked in run(), not validate(): the parser reports unknown options only
    // after validate(), so `--colours 256 .` would otherwise be "256: No such file".
    func run() throws {
        guard FileManager.default.fileExists(atPath: path) else {
            CLIError.report(OmioError(path, SystemErrorReason.of(errno: ENOENT)), path: path)
            throw ExitCode(1)
        }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            CLIError.report(OmioError(path, "the inspector needs a terminal (use `omio-tui info` or `render` in pipes)"), path: path)
            throw ExitCode(1)
        }
        let model = AppModel(path: path, storeMode: store, cacheDir: cacheDir)
        model.napariPython = python
        TUIApp(model: model, colors: colors).run()
        TerminalGuard.exitIfSignalled()
    }
}

extension ColorMode: ExpressibleByArgument {}
extension AppModel.StoreMode: ExpressibleByArgument {}
extension SymbolSet: ExpressibleByArgument {}
