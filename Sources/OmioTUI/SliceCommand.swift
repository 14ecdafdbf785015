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

    @Option(help: "Series (0-based).") var series: Int = 0
    @Option(help: "Time index (0-based).") var t: Int = 0
    @Option(help: "Z index (0-based).") var z: Int = 0
    @Option(help: "Channel index (0-based).") var c: Int = 0
    @Option(help: "Pyramid level (0 is full resolution).") var level: Int = 0
    @Option(name: .shortAndLong, help: "Output .npy path; - writes to standard output (not a terminal). A FIFO or /dev/null is written directly; the input file is never overwritten.") var output: String

    func run() throws {
        do {
            let source = try ImageOpener.open(path: file)
            let target = try OutputTarget.resolve(output, reading: source)
            guard series >= 0, series < source.seriesCount else {
                throw OmioError(file, "series \(series) does not exist (the file has \(source.seriesCount))")
            }
            let levels = source.levelSizes(series: series)
            guard level >= 0, level < levels.count else {
                throw OmioError(file, "level \(level) does not exist (the series has \(levels.count))")
            }
            let size = levels[level]
            let buffer = try source.read(series: series, level: level, plane: PlaneIndex(t: t, z: z, c: c),
                                         region: .full(width: size.width, height: size.height))
            do {
                try target.write(NPYWriter.encode(buffer))
            } catch {
                throw OmioError(output, error.omioReason)
            }
        } catch {
            CLIError.report(error, path: file)
            throw ExitCode(1)
        }
    }
}
