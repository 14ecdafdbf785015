import ArgumentParser
import OmioEngine
import OmioFormats

/// FILE and `--series`: what every command that reads one series of one file takes.
struct ImageOptions: ParsableArguments {
    @Argument(help: "Image file.", completion: .file()) var file: String
    @Option(help: "Series (0-based).", transform: OptionValue.index) var series = 0
    @Option(help: ArgumentHelp(S3Location.endpointHelp)) var endpoint: String?

    /// The series with its corrections; a series the file lacks is `--series`'s usage error.
    func open() throws -> CorrectedSeries {
        S3Location.use(endpoint: endpoint)
        return try CorrectedSeries.open(path: file, series: series)
    }
}

/// FILE... and `--series`, for commands that take several files (the same series of each).
struct ImagesOptions: ParsableArguments {
    @Argument(help: "Image files.", completion: .file()) var files: [String]
    @Option(help: "Series (0-based), for every file.", transform: OptionValue.index) var series = 0
    @Option(help: ArgumentHelp(S3Location.endpointHelp)) var endpoint: String?

    func open(_ file: String) throws -> CorrectedSeries {
        S3Location.use(endpoint: endpoint)
        return try CorrectedSeries.open(path: file, series: series)
    }
}

/// A command whose errors the root reports (`OmioCLI`): those that do not name a path of their
/// own are reported against this one.
protocol ReportsErrors {
    var errorPath: String { get }
}
