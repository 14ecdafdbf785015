import ArgumentParser

/// Developer tools that are not part of the product: fixture generators and the benchmark.
struct DevTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "omio-devtool",
        abstract: "omio-tui developer tools: example data, benchmark data, benchmarks.",
        subcommands: [ExampleDataCommand.self, BenchDataCommand.self, ANSIToPNGCommand.self, BenchCommand.self, BenchCaseCommand.self, HTTPBurstCommand.self]
    )
}

DevTool.main()
