import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats

/// `omio-tui render`: the TUI's preview as ANSI text on stdout, for scripts and pipes.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print a plane as block characters with ANSI colours (the TUI's preview).",
        discussion: """
            Prints exactly the image's cells: one line per row, colours as SGR codes, a reset at \
            each line end. A range (--t 0:9) prints the frames one after another (a flipbook; \
            on a terminal each frame replaces the last). Indices are 0-based.
            """
    )

    @Argument(help: "Image file.", completion: .file()) var file: String
    @Option(help: "Series (0-based).") var series = 0
    @Option(help: "Time index or range A:B (inclusive).") var t = "0"
    @Option(help: "Z index or range A:B (inclusive).") var z = "0"
    @Option(help: "Channel index, or 'all' for the composite (default: all).") var c = "all"
    @Option(help: "Maximum width in cells (default: the terminal's, else 80).") var width: Int?
    @Option(help: "Maximum height in cells (default: the terminal's, else 24).") var height: Int?
    @Option(help: "Glyphs: half, quad or sextant.") var symbols = SymbolSet.sextant
    @Option(help: "Colours: truecolor, 256, 16, 8 or none (default: detected when stdout is a terminal, else truecolor).")
    var colors: ColorMode?
    @Option(help: "Glyphs: unicode or ascii (default: detected when stdout is a terminal, else unicode).") var glyphs: GlyphMode?
    @Option(help: "Contrast: auto (saturated 0.35%), minmax, or LO:HI.") var contrast = "auto"
    @Option(help: "Merging pixels into cells: mean or max.") var reduce = Reduce.mean
    @Option(help: "memory: read the file; disk: build (or reuse) the OME-Zarr store and read its pyramid.")
    var store = AppModel.StoreMode.memory
    @Option(help: "Folder for stores instead of .omio_cache beside the file.", completion: .directory) var cacheDir: String?

    func run() throws {
        do {
            let source = try ImageOpener.open(path: file)
            guard series >= 0, series < source.seriesCount else {
                throw OmioError(file, "series \(series) does not exist (the file has \(source.seriesCount))")
            }
            let (m, overlay) = try OverlayStore.metadata(source, series: series)
            let ts = try RenderCommand.range(t, count: m.shape.t, name: "T", file: file)
            let zs = try RenderCommand.range(z, count: m.shape.z, name: "Z", file: file)
            let channels: [Int]
            if c == "all" {
                channels = Array(0..<m.shape.c)
            } else {
                guard let ci = Int(c), ci >= 0, ci < m.shape.c else { throw OmioError(file, "channel \(c) is outside 0..\(m.shape.c - 1)") }
                channels = [ci]
            }
            let mode = try RenderCommand.contrastMode(contrast, file: file)
            let box = RenderCommand.terminalSize()
            let size = PreviewGeometry.fit(m, width: width ?? box.cols, height: height ?? box.rows)
            let levels: PixelLevels
            if store == .disk {
                let progress = ProgressReporter(label: "store")
                let request = StoreRequest(series: series, cacheDir: cacheDir, overlayHash: overlay.hash(series: series))
                let built = try StoreBuilder.ensure(source: source, request: request, metadata: m) { p in
                    progress.update(done: p.bytesDone, total: p.bytesTotal, bytes: p.bytesDone)
                }
                if !built.reused { progress.finish("store built: \(built.path)") }
                if let notice = built.notice { FileHandle.standardError.write(Data(("omio-tui: " + notice + "\n").utf8)) }
                levels = try StoreReader(path: built.path)
            } else {
                levels = SourceLevels(source: source, series: series)
            }
            let array = LazyArray(levels: levels)
            let tty = isatty(STDOUT_FILENO) == 1
            let style = tty ? TerminalProfile.resolveStyle(colors: colors, glyphs: glyphs)
                : RenderStyle(colors: colors ?? .truecolor, glyphs: glyphs ?? .unicode)
            var first = true
            for ti in ts {
                for zi in zs {
                    let request = SliceRequest(generation: 0, array: array, t: ti, z: zi, channels: channels,
                                               viewport: .full(m.shape), cols: size.cols, rows: size.rows, symbols: symbols,
                                               contrast: Array(repeating: mode, count: m.shape.c), gamma: 1,
                                               colors: ChannelColors.resolve(m), reduce: reduce, style: style)
                    let result = try SlicePipeline.run(request)
                    var text = ANSIWriter.write(result.grid, mode: style.colors)
                    if !first, tty { text = "\u{1B}[\(size.rows)A" + text } // flipbook: redraw in place
                    FileHandle.standardOutput.write(Data(text.utf8))
                    first = false
                }
            }
        } catch {
            CLIError.report(error, path: file)
            throw ExitCode(1)
        }
    }

    static func range(_ s: String, count: Int, name: String, file: String) throws -> [Int] {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        let (a, b): (Int?, Int?) = parts.count == 2 ? (parts[0], parts[1]) : (parts.first ?? nil, parts.first ?? nil)
        guard parts.count <= 2, let lo = a, let hi = b, lo >= 0, hi >= lo, hi < count else {
            throw OmioError(file, "\(name) \(s) is outside 0..\(count - 1)")
        }
        return Array(lo...hi)
    }

    static func contrastMode(_ s: String, file: String) throws -> ContrastMode {
        switch s {
        case "auto": return .auto
        case "minmax": return .minMax
        default:
            let p = s.split(separator: ":").map { Double($0) }
            guard p.count == 2, let lo = p[0], let hi = p[1], hi > lo else {
                throw OmioError(file, "contrast must be auto, minmax or LO:HI with LO < HI")
            }
            return .manual(ContrastLimits(lo, hi))
        }
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

extension Reduce: ExpressibleByArgument {}
