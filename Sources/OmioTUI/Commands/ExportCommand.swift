import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats

/// `omio-tui export FILE -o OUT.ome.tif`: a new OME-TIFF with the corrected metadata.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a series as a new OME-TIFF carrying the corrected metadata (edits from `set`).",
        discussion: "OME-XML 2016-06, DimensionOrder XYZCT, one IFD per plane, BigTIFF over 4 GiB. The source is never modified."
    )

    enum Compression: String, ExpressibleByArgument, CaseIterable { case zlib, none }

    @Argument(help: "Image file.", completion: .file()) var file: String
    @Option(name: .shortAndLong, help: "Output .ome.tif path (or a character device such as /dev/null); never a file the input reads.", transform: OptionValue.outputFile) var output: String
    @Option(help: "Series (0-based).", transform: OptionValue.index) var series = 0
    @Option(help: "zlib (deflate with predictor) or none.") var compression = Compression.zlib
    @Flag(help: "Overwrite an existing output file.") var force = false

    func run() throws {
        do {
            let source = try ImageOpener.open(path: file)
            try OptionBounds.checkSeries(series, count: source.seriesCount)
            let (m, _) = try OverlayStore.metadata(source, series: series)
            let progress = ProgressReporter(label: "export")
            let planeBytes = Int64(m.shape.x * m.shape.y * m.dtype.bytes)
            try Exporter.export(source, series: series, metadata: m, to: output,
                                compression: compression == .zlib ? .deflate : .none, force: force) { done, total in
                progress.update(done: Int64(done), total: Int64(total), bytes: Int64(done) * planeBytes)
            }
            let size = PurgeReport.size(Int64(m.shape.planeCount) * planeBytes)
            progress.finish("exported \(output) (\(m.shape.planeCount) planes, \(size)) in " + String(format: "%.2f s", progress.elapsed))
        } catch {
            throw CLIError.fail(error, path: file)
        }
    }
}
