// swift-tools-version: 6.1
import PackageDescription

// Dependency direction (see README "Architecture"):
//   CRDKafka <- Kafka <- EventPublisher        CLibPQ <- Postgres
//   EventModel imports nothing of ours; UserActivity (the users' stored active days) imports EventModel.
//   Gateway, Collector, Reporter, Importer, Autoscaler may import EventModel, UserActivity, Kafka, EventPublisher,
//   Postgres, ServiceSupport, never each other; only `eventplatform` imports the services.
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "eventplatform",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EventPublisher", targets: ["EventPublisher"]),
        .library(name: "Kafka", targets: ["Kafka"]),
        .library(name: "Postgres", targets: ["Postgres"]),
        .library(name: "EventModel", targets: ["EventModel"]),
        .executable(name: "eventplatform", targets: ["eventplatform"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // C libraries: one system-library target each, imported only by their Swift wrapper.
        .systemLibrary(
            name: "CRDKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),

        // Clients: own every unsafe pointer of their C library, expose Swift types and typed errors.
        .target(
            name: "Kafka",
            dependencies: [
                "CRDKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),

        // The library services import to publish events: batching, backpressure, delivery awaiting.
        .target(
            name: "EventPublisher",
            dependencies: [
                "Kafka",
                "ServiceSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),

        // The events of the contract; Foundation only.
        .target(name: "EventModel", swiftSettings: strictSwift),

        // Each user's active days per dimension value, as the collector stores them and the reporter reads them.
        .target(name: "UserActivity", dependencies: ["EventModel"], swiftSettings: strictSwift),

        // Settings from the environment, shared by the publisher library and the services (no HTTP).
        .target(
            name: "ServiceSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),

        // What every HTTP-serving role shares: health and /metrics routes, correlation ids, error bodies.
        .target(
            name: "HTTPService",
            dependencies: [
                "EventModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: strictSwift
        ),

        // The services.
        .target(
            name: "Gateway",
            dependencies: [
                "EventModel", "EventPublisher", "ServiceSupport", "HTTPService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "Collector",
            dependencies: [
                "EventModel", "UserActivity", "Kafka", "Postgres", "ServiceSupport", "HTTPService",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "Reporter",
            dependencies: [
                "EventModel", "UserActivity", "Postgres", "ServiceSupport", "HTTPService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "Autoscaler",
            dependencies: [
                "Kafka", "ServiceSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),

        // CSV files of product events into Kafka through the publisher library, once per file content.
        .target(
            name: "Importer",
            dependencies: [
                "EventModel", "EventPublisher", "Postgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),

        // Realistic sample events for the load generator, benchmarks and end-to-end tests.
        .target(name: "LoadGenerator", dependencies: ["EventModel"], swiftSettings: strictSwift),

        // The one executable: a subcommand per role; the only place that reads the environment.
        .executableTarget(
            name: "eventplatform",
            dependencies: [
                "Gateway", "Collector", "Reporter", "Autoscaler", "Kafka", "EventPublisher", "ServiceSupport", "HTTPService",
                "EventModel", "Postgres", "LoadGenerator", "Importer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),

        // The README's publishing sample, built with everything else so it keeps compiling.
        .executableTarget(
            name: "publish-from-your-service",
            dependencies: [
                "EventPublisher",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/PublishFromYourService",
            swiftSettings: strictSwift
        ),

        // Test support: addresses of the local broker and database (started by scripts/infra.sh).
        .target(
            name: "TestInfrastructure",
            dependencies: ["Postgres", "ServiceSupport", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestInfrastructure",
            swiftSettings: strictSwift
        ),

        .testTarget(
            name: "KafkaTests",
            dependencies: ["Kafka", "TestInfrastructure", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Postgres", "TestInfrastructure", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        .testTarget(name: "EventModelTests", dependencies: ["EventModel"], swiftSettings: strictSwift),
        .testTarget(
            name: "EventPublisherTests",
            dependencies: [
                "EventPublisher", "TestInfrastructure",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "TestInfrastructure",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CollectorTests",
            dependencies: [
                "Collector", "UserActivity", "TestInfrastructure", "EventModel", "Kafka", "Postgres", "LoadGenerator", "ServiceSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ReporterTests",
            dependencies: [
                "Reporter", "UserActivity", "TestInfrastructure", "Collector", "Postgres", "EventModel", "Kafka", "LoadGenerator",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ImporterTests",
            dependencies: [
                "Importer", "Collector", "TestInfrastructure", "EventModel", "EventPublisher", "Postgres", "Kafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        // Runs the built `eventplatform` executable as a user would.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestInfrastructure", "Postgres", "ServiceSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        .testTarget(name: "LoadGeneratorTests", dependencies: ["LoadGenerator", "EventModel"], swiftSettings: strictSwift),
        .testTarget(
            name: "AutoscalerTests",
            dependencies: [
                "Autoscaler", "Kafka", "Postgres", "TestInfrastructure", "LoadGenerator", "EventModel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "ServiceSupportTests",
            dependencies: ["ServiceSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
    ],
    swiftLanguageModes: [.v6]
)
