import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats
import OmioRender

/// `omio-tui [PATH]`: the full-screen inspector (the default subcommand).
struct BrowseCommand: ParsableCommand, ReportsErrors {
    static let configuration = CommandConfiguration(
        commandName: "browse",
        abstract: "Open the terminal inspector on a folder or a file (the default).",
        discussion: "Keys: ? lists them all inside the program; q quits."
    )

    @Argument(help: "A folder to browse or a file to open.", completion: .file())
    var path: String = "."

    @Option(help: "Colours: truecolor, 256, 16, 8 or none (default: detected from NO_COLOR, COLORTERM and terminfo).")
    var colors: ColorMode?

    @Option(help: "Glyphs: unicode or ascii (default: unicode when the locale is UTF-8).")
    var glyphs: GlyphMode?

    @Option(help: "The terminal's cell in pixels, WxH (default: measured; 8x16 when the terminal does not say).", transform: OptionValue.cellSize)
    var cellSize: CellPixels?

    @Option(help: "UI colours for a dark or light background (default: $OMIO_THEME, else asked from the terminal, else COLORFGBG, else dark).")
    var theme: Theme.Kind?

    @Option(help: "Real pixels: auto (detected), kitty, sixel, iterm, or blocks (characters only).")
    var graphics = GraphicsMode.auto

    @Option(help: "memory: keep viewed chunks in memory, write nothing; disk: build the OME-Zarr store in .omio_cache and read from it.")
    var store = StoreMode.memory

    @Option(help: "Folder for stores instead of .omio_cache beside each file.", completion: .directory, transform: OptionValue.path)
    var cacheDir: String?

    @Option(help: "Python that runs napari launchers (default: $OMIO_PYTHON, else python3).", completion: .file(), transform: OptionValue.path)
    var python: String?

    @Option(help: ArgumentHelp(S3Location.endpointHelp)) var endpoint: String?

    // The path is checked in run(), not validate(): the parser reports unknown options only
    // after validate(), so `--colours 256 .` would otherwise be "256: No such file".
    var errorPath: String { path }

    func run() throws {
        S3Location.use(endpoint: endpoint)
        // stat's own errno: a file in a folder the user cannot enter is "permission denied", as
        // `info` says, not "no such file".
        // A URL (a remote store) is opened in the background like a file; its errors are the
        // status line's.
        if !ZarrStorePlacement.isURL(path) {
            var st = stat()
            guard stat(path, &st) == 0 else { throw OmioError(path, SystemErrorReason.of(errno: errno)) }
            try LexicalPath.checkSameFile(path)
        }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw OmioError(path, "the inspector needs a terminal (use `omio-tui info` or `render` in pipes)")
        }
        // dumb, unknown or line-only terminals: one line, before ncurses touches anything.
        let profile = TerminalProfile.current()
        guard profile.canRunInspector else { throw BrowseCommand.refuse(profile) }
        let model = AppModel(path: path, storeMode: store, cacheDir: cacheDir)
        model.napariPython = python
        model.symbols = profile.defaultSymbols
        // A misspelt OMIO_THEME would otherwise be ignored without a word.
        if let named = ProcessInfo.processInfo.environment["OMIO_THEME"], !named.isEmpty, Theme.Kind(rawValue: named.lowercased()) == nil {
            CLIError.note("warning: OMIO_THEME: '\(named)' is not 'dark' or 'light'; ignored")
        }
        // Asked before ncurses takes the terminal: its replies would arrive as keys after.
        let probe = TerminalProbe.run(term: profile.term)
        model.terminal = probe.answers
        model.cellOverride = cellSize
        model.graphics = GraphicsChoice.choose(mode: graphics, answers: probe.answers, environment: ProcessInfo.processInfo.environment,
                                               tmuxPassthrough: GraphicsChoice.tmuxAllowsPassthrough)
        let app = TUIApp(model: model, style: TerminalProfile.resolveStyle(colors: colors, glyphs: glyphs))
        app.screen.theme = Theme.choose(forced: theme, environment: ProcessInfo.processInfo.environment, background: probe.answers.background)
        app.screen.typedAhead = probe.typed
        let ran = app.run()
        TerminalGuard.exitIfSignalled()
        guard ran else { throw BrowseCommand.refuse(profile) }
    }

    private static func refuse(_ profile: TerminalProfile) -> ExitCode {
        fflush(stdout)
        TerminalWrite.all("omio-tui: error: \(profile.refusal)\n", to: STDERR_FILENO)
        return ExitCode(1)
    }
}

