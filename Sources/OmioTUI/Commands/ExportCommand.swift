import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats

/// `omio-tui export FILE -o OUT.ome.tif`: a new OME-TIFF with the corrected metadata.
struct ExportCommand: ParsableCommand, ReportsErrors {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a series as a new OME-TIFF carrying the corrected metadata (edits from `set`).",
        discussion: "OME-XML 2016-06, DimensionOrder XYZCT, one IFD per plane, BigTIFF over 4 GiB. The source is never modified."
    )

    enum Compression: String, ExpressibleByArgument, CaseIterable { case zlib, none }

    @OptionGroup var image: ImageOptions
    @Option(name: .shortAndLong, help: "Output .ome.tif path (or a character device such as /dev/null); never a file the input reads.", transform: OptionValue.outputFile) var output: String
    @Option(help: "zlib (deflate with predictor) or none.") var compression = Compression.zlib
    @Flag(help: "Overwrite an existing output file.") var force = false

    var errorPath: String { image.file }

    func run() throws {
        let opened = try image.open()
        let m = opened.metadata
        let progress = ProgressReporter(label: "export")
        let planeBytes = Int64(m.shape.x * m.shape.y * m.dtype.bytes)
        try Exporter.export(opened.source, series: opened.series, metadata: m, to: output,
                            compression: compression == .zlib ? .deflate : .none, force: force) { done, total in
            progress.update(done: Int64(done), total: Int64(total), bytes: Int64(done) * planeBytes)
        }
        let size = PurgeReport.size(Int64(m.shape.planeCount) * planeBytes)
        progress.finish("exported \(output) (\(m.shape.planeCount) planes, \(size)) in " + String(format: "%.2f s", progress.elapsed))
    }
}
