import ArgumentParser
import Foundation
import OmioFixtures

/// `omio-devtool bench-data`: writes the seed-sized benchmark files when missing.
struct BenchDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-data",
        abstract: "Write the benchmark files (0.5 GB calcium movie, 1.1 GB structural stack) when missing."
    )

    @Option(name: .shortAndLong, help: "Output folder.") var output = "bench-data"

    func run() throws {
        try BenchData.write(to: output) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    }
}
