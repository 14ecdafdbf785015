import ArgumentParser
import Foundation
import OmioEngine
import OmioFormats

struct SliceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slice",
        abstract: "Write one full-resolution plane as a NumPy .npy file (native dtype, little-endian).",
        discussion: "Reads only the strips or tiles of that plane. Load the result with numpy.load."
    )

    @Argument(help: "Image file.", completion: .file())
    var file: String

    @Option(help: "Series (0-based).", transform: OptionValue.index) var series: Int = 0
    @Option(help: "Time index (0-based).", transform: OptionValue.index) var t: Int = 0
    @Option(help: "Z index (0-based).", transform: OptionValue.index) var z: Int = 0
    @Option(help: "Channel index (0-based).", transform: OptionValue.index) var c: Int = 0
    @Option(help: "Pyramid level (0 is full resolution).", transform: OptionValue.index) var level: Int = 0
    @Option(name: .shortAndLong, help: "Output .npy path; - writes to standard output (not a terminal). A FIFO or /dev/null is written directly; the input file is never overwritten.", transform: OptionValue.outputFile) var output: String

    func run() throws {
        do {
            let source = try ImageOpener.open(path: file)
            let target = try OutputTarget.resolve(output, reading: source)
            try OptionBounds.checkSeries(series, count: source.seriesCount)
            let levels = source.levelSizes(series: series)
            try OptionBounds.check(level, option: "--level", count: levels.count, "the series has \(EnglishCount.of(levels.count, "level"))")
            let shape = source.metadata(series: series).shape
            try OptionBounds.check(t, option: "--t", axis: "T", count: shape.t)
            try OptionBounds.check(z, option: "--z", axis: "Z", count: shape.z)
            try OptionBounds.check(c, option: "--c", axis: "C", count: shape.c)
            let size = levels[level]
            let buffer = try source.read(series: series, level: level, plane: PlaneIndex(t: t, z: z, c: c),
                                         region: .full(width: size.width, height: size.height))
            do {
                try target.write(NPYWriter.encode(buffer))
            } catch {
                throw OmioError(output, error.omioReason)
            }
        } catch {
            throw CLIError.fail(error, path: file)
        }
    }
}
