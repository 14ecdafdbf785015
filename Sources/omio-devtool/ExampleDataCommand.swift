import ArgumentParser
import OmioFixtures
import Foundation
import OmioFormats

/// `omio-devtool example-data`: the committed example_data/ files, byte for byte reproducible.
struct ExampleDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example-data",
        abstract: "Write the small example files (ImageJ hyperstack, OME-TIFF, plain, RGB, big-endian, tiled BigTIFF, wrong spacing)."
    )

    @Option(name: .shortAndLong, help: "Output folder.") var output = "example_data"

    func run() throws {
        try ExampleData.write(to: output)
    }
}
