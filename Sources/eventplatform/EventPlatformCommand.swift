import ArgumentParser

/// The one executable of the platform: a subcommand per role.
@main
struct EventPlatformCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventplatform",
        abstract: "Event platform: webhook and product events through Kafka into PostgreSQL reports.",
        discussion: "Every option can also be set through the environment variable named in its help.",
        subcommands: [UpCommand.self, GatewayCommand.self, AutoscaleCommand.self, ReporterCommand.self, TopicsCommand.self, PublishCommand.self, ImportCommand.self, LagCommand.self, BenchCommand.self, CollectorCommand.self, MigrateCommand.self]
    )
}
