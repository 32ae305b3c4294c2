// The README's "Publishing from your own service" sample, compiled with the project so it stays true.
// Run: swift run publish-from-your-service (with KAFKA_BROKERS set, e.g. `. .local/env`).
import EventPublisher
import Foundation
import Logging
import ServiceLifecycle

let logger = Logger(label: "my-service")
let brokers = ProcessInfo.processInfo.environment["KAFKA_BROKERS"] ?? "127.0.0.1:9092"
let publisher = try Publisher(configuration: .production(brokers: brokers), logger: logger)
// Run it next to your other services; on SIGTERM it flushes and waits for every pending delivery.
let services = ServiceGroup(services: [publisher], gracefulShutdownSignals: [.sigterm], logger: logger)

try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await services.run() }

    let json = #"{"event_id":"123e4567-e89b-12d3-a456-426614174000","occurred_at":"2025-01-15T12:00:00Z","user_id":"user_123","event_type":"page_view"}"#
    let record = KafkaProducerRecord(
        topic: "events.app", key: Array("user_123".utf8), value: Array(json.utf8),
        headers: [KafkaHeader(name: "correlation-id", value: UUID().uuidString)])

    // Wait for Kafka's acknowledgement of one event:
    let receipt = try await publisher.publish(record)
    print("stored in \(receipt.topic)[\(receipt.partition)] at offset \(receipt.offset ?? -1)")

    // Or hand it over without waiting; the outcome arrives in the callback:
    try await publisher.enqueue(record) { result in
        if case .failure(let error) = result { logger.error("not published", metadata: ["error": "\(error)"]) }
    }

    // Or many at once with one wait; one result per record, in order:
    let results = try await publisher.publishAll(Array(repeating: record, count: 10))
    print("\(results.filter { (try? $0.get()) != nil }.count) of \(results.count) acknowledged")

    await services.triggerGracefulShutdown()
    try await group.waitForAll()
}
