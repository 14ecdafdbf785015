import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats
import OmioRender

/// `omio-tui render`: the TUI's preview as ANSI text on stdout, for scripts and pipes.
struct RenderCommand: ParsableCommand, ReportsErrors {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print a plane as block characters with ANSI colours (the TUI's preview).",
        discussion: """
            Prints exactly the image's cells: one line per row, colours as SGR codes, a reset at \
            each line end. A range (--t 0:10, half-open as in Python: frames 0 to 9; --t -5: the last five; --t 0:100:10 every tenth) prints the frames one after another (a flipbook; \
            on a terminal each frame replaces the last) under the limits found for the first \
            frame. Indices are 0-based. RGB images print in colour (R, G, B under one set of \
            limits, 0:255 for 8-bit data); --c 0 prints one sample in grey.
            """
    )

    @OptionGroup var image: ImageOptions
    @Option(parsing: .unconditional, help: "Time index or range A:B[:STEP] (half-open: 0:10 is 0 to 9; negative counts from the end).", transform: AxisRange.parse) var t = AxisRange.index(0)
    @Option(parsing: .unconditional, help: "Z index or range A:B[:STEP] (half-open: 0:10 is 0 to 9; negative counts from the end).", transform: AxisRange.parse) var z = AxisRange.index(0)
    @Option(help: "Channel index, or 'all' for the composite (default: all).", transform: ChannelChoice.parse) var c = ChannelChoice.all
    @Option(help: "Maximum width in cells, 1-4096 (default: the terminal's, else 80).", transform: OptionValue.cells) var width: Int?
    @Option(help: "Maximum height in cells, 1-4096 (default: the terminal's, else 24).", transform: OptionValue.cells) var height: Int?
    @Option(help: "Glyphs: half, quad or sextant.") var symbols = SymbolSet.sextant
    @Option(help: "Colours: truecolor, 256, 16, 8 or none (default: detected when stdout is a terminal, else truecolor).")
    var colors: ColorMode?
    @Option(help: "Glyphs: unicode or ascii (default: detected when stdout is a terminal, else unicode).") var glyphs: GlyphMode?
    @Option(help: "Real pixels: auto (detected when stdout is a terminal, else blocks), kitty, sixel, iterm, or blocks.")
    var graphics = GraphicsMode.auto
    @Option(parsing: .unconditional, // so LO:HI may start with '-' (-10:-5)
            help: "Contrast: auto (saturated 0.35%), minmax, stack (auto over up to 16 planes), or LO:HI (default: auto; 0:255 for 8-bit RGB).",
            transform: OptionValue.contrast)
    var contrast: ContrastMode?
    @Option(help: "The terminal's cell in pixels, WxH, for the image's shape (default: measured when stdout is a terminal that says, else 8x16).",
            transform: OptionValue.cellSize)
    var cellSize: CellPixels?
    @Option(help: "Merging pixels into cells: mean or max.") var reduce = Reduce.mean
    @Option(help: "memory: read the file; disk: build (or reuse) the OME-Zarr store and read its pyramid.")
    var store = StoreMode.memory
    @Option(help: "Folder for stores instead of .omio_cache beside the file.", completion: .directory, transform: OptionValue.path)
    var cacheDir: String?

    func validate() throws {
        if let width, let height, width * height > OptionValue.maxArea {
            throw ValidationError("--width x --height: at most \(OptionValue.maxArea) cells (1024 x 1024, 4096 x 256)")
        }
    }

    var errorPath: String { image.file }

    func run() throws {
        let opened = try image.open()
        let source = opened.source, series = opened.series, m = opened.metadata
        let ts = try t.resolve(.t, count: m.shape.t).indices
        let zs = try z.resolve(.z, count: m.shape.z).indices
        let channels: [Int]
        // All samples of an RGB image: the colour image (R, G, B; alpha left out).
        let trueColor = c == .all && m.isRGB && m.shape.c >= 3
        switch c {
        case .all where trueColor: channels = TrueColor.channels
        case .all: channels = Array(0..<m.shape.c)
        case let .one(ci):
            try OptionBounds.check(ci, option: "--c", axis: "C", count: m.shape.c)
            channels = [ci]
        }
        let mode = contrast ?? TrueColor.defaultMode(m) ?? .auto
        let box = RenderCommand.terminalSize()
        // The terminal's own size is capped like the options: a huge virtual terminal is no
        // reason to allocate more.
        let cols = width ?? min(box.cols, OptionValue.maxCells)
        // On a terminal that can be asked (stdin and stdout the terminal, as TerminalProbe
        // checks), it is asked as the inspector asks it: cell size and graphics. Written to a
        // pipe or file, nothing is asked.
        let tty = isatty(STDOUT_FILENO) == 1
        let profile = TerminalProfile.current()
        let probe = tty && profile.canRunInspector && (cellSize == nil || graphics == .auto)
            ? TerminalProbe.run(term: profile.term) : nil
        let answers = probe?.answers ?? TerminalAnswers()
        // A reply that comes after the probe gave up must not reach the shell's prompt.
        defer { if probe?.complete == false { TerminalProbe.discardLateReplies() } }
        let cell = cellSize ?? answers.cellPixels ?? .assumed
        let size = PreviewGeometry.fit(m, width: cols, height: height ?? min(box.rows, OptionValue.maxArea / cols), cell: cell)
        let levels: PixelLevels
        if store == .disk, source.format != .omeZarr { // an OME-Zarr image is its own pyramid
            let progress = ProgressReporter(label: "store")
            let request = StoreRequest(series: series, cacheDir: cacheDir, overlayHash: opened.overlayHash)
            let built = try StoreBuilder.ensure(source: source, request: request, metadata: m) { p in
                progress.update(done: p.bytesDone, total: p.bytesTotal, bytes: p.bytesDone)
            }
            if !built.reused { progress.finish("store built: \(built.path)") }
            if let notice = built.notice { CLIError.note(notice) }
            if let repaired = built.repaired { CLIError.note("rebuilding: \(repaired)") }
            levels = try StoreReader(path: built.path)
        } else {
            levels = SourceLevels(source: source, series: series)
        }
        let array = LazyArray(levels: levels)
        let style = tty ? TerminalProfile.resolveStyle(colors: colors, glyphs: glyphs)
            : RenderStyle(colors: colors ?? .truecolor, glyphs: glyphs ?? .unicode)
        // Not a terminal: auto means blocks (a file of escape codes nobody asked for).
        let choice = tty || graphics != .auto
            ? GraphicsChoice.choose(mode: graphics, answers: answers, environment: ProcessInfo.processInfo.environment,
                                    tmuxPassthrough: GraphicsChoice.tmuxAllowsPassthrough)
            : .blocks
        var first = true
        var frame = 0
        var contrast = Array(repeating: mode, count: m.shape.c)
        for ti in ts {
            for zi in zs {
                var request = SliceRequest(generation: 0, array: array, t: ti, z: zi, channels: channels,
                                           viewport: .full(m.shape), cols: size.cols, rows: size.rows, symbols: symbols,
                                           contrast: contrast, gamma: 1,
                                           colors: ChannelColors.resolve(m), reduce: reduce, trueColor: trueColor, style: style)
                request.graphics = choice.proto
                request.cellPixels = cell
                request.pixelAspect = PreviewGeometry.pixelAspect(m)
                // On a terminal a flipbook redraws one image in place; in a file the frames follow
                // one another, as block frames do, so each keeps its own kitty image (the same id
                // would make a later frame take the earlier one's place: only the last shown).
                request.graphicsOptions = GraphicsOptions(imageID: tty ? 1 : UInt32(truncatingIfNeeded: frame + 1), colorRegisters: choice.colorRegisters)
                frame += 1
                let result = try SlicePipeline.run(request)
                // A flipbook keeps the first frame's limits, as the TUI does while stepping:
                // brightness changes between frames stay visible.
                for (c, l) in result.limits { contrast[c] = .manual(l) }
                if let image = result.image {
                    try RenderCommand.emit(RenderCommand.place(image, choice: choice, tty: tty, first: first))
                    first = false
                    continue
                }
                var text = ANSIWriter.write(result.grid, mode: style.colors)
                if !first, tty { text = "\u{1B}[\(size.rows)A" + text } // flipbook: redraw in place
                try RenderCommand.emit(Array(text.utf8))
                first = false
            }
        }
        if choice.proto != nil, !first, tty {
            // Below the image, at the start of a line: where the next text goes.
            try RenderCommand.emit(Array("\u{1B}[\(size.rows)B\r".utf8))
        }
    }

    /// Output to stdout. A closed pipe or a lost terminal has already ended the process
    /// (TerminalWrite); what is left is a file that refused the bytes (disk full).
    static func emit(_ bytes: [UInt8]) throws {
        guard TerminalWrite.all(bytes) else {
            let code = errno
            throw OmioError("<stdout>", "cannot write the rendering: \(String(cString: strerror(code)))")
        }
    }

    /// One frame of real pixels at the cursor. On a terminal the image's rows are made first
    /// (so it never scrolls while drawn) and the cursor is saved and restored around it: each
    /// frame of a flipbook lands on the last (kitty: same image id, replaced in place). In a
    /// file, each image is followed by the newlines that bring the cursor below it.
    static func place(_ image: TerminalImage, choice: GraphicsChoice, tty: Bool, first: Bool) -> [UInt8] {
        var out: [UInt8] = []
        if tty {
            if first { out += Array((String(repeating: "\n", count: image.rows) + "\u{1B}[\(image.rows)A\r").utf8) }
            out += Array("\u{1B}7".utf8) + choice.wrap(image.bytes) + Array("\u{1B}8".utf8)
        } else {
            // The next frame, or the shell's prompt after `cat`, goes below: kitty leaves the
            // cursor where the image starts, iTerm2 to the right of its last row.
            out += choice.wrap(image.bytes)
            out += Array(String(repeating: "\n", count: image.proto == .kitty ? image.rows : 1).utf8)
        }
        return out
    }

    /// The terminal's size in cells, or 80x24 when stdout is not a terminal.
    static func terminalSize() -> (cols: Int, rows: Int) {
        var ws = winsize()
        if isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 1 {
            return (Int(ws.ws_col), Int(ws.ws_row) - 1)
        }
        return (80, 24)
    }
}
