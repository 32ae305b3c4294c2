import ArgumentParser

/// `eventplatform bench`: measured speed, always against a baseline taken in the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks against the local broker and database, each with a same-run baseline. Build with -c release.",
        subcommands: [PublisherBenchCommand.self, GatewayBenchCommand.self, CollectorBenchCommand.self, ReporterBenchCommand.self, ScalingBenchCommand.self]
    )
}
