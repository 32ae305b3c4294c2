@testable import EventPublisher
import Testing

/// The batching and capacity rules, without Kafka.
@Suite struct PublisherStateTests {
    let start = ContinuousClock.now
    let ignored = DeliveryCallback { _ in }

    /// `#expect` cannot call a mutating method; this does it for it.
    func reserve(_ state: inout PublisherState, events: Int, bytes: Int) -> Bool {
        state.reserve(events: events, bytes: bytes)
    }

    func complete(_ state: inout PublisherState, _ outcomes: [(id: UInt64, result: Result<DeliveryReceipt, PublisherError>)]) -> PublisherState.CompletionOutcome {
        state.complete(outcomes)
    }

    func record(_ topic: String = "t", bytes: Int = 10) -> (record: KafkaProducerRecord, bytes: Int) {
        (KafkaProducerRecord(topic: topic, value: Array(repeating: 0, count: bytes)), bytes)
    }

    func state(size: Int = 3, timeout: Duration = .seconds(1), maximumSize: Int = 5, events: Int = 100, bytes: Int = 10_000) -> PublisherState {
        PublisherState(policy: BatchPolicy(size: size, timeout: timeout, maximumSize: maximumSize), capacity: PublisherCapacity(maximumEvents: events, maximumBytes: bytes))
    }

    @Test func aBatchFlushesWhenItReachesItsSize() {
        var state = state(size: 3)
        #expect(reserve(&state, events: 2, bytes: 20))
        let first = state.append([record(), record()], now: start, sink: ignored, firstIndex: 0)
        #expect(first.startedBatch)
        #expect(first.ready.isEmpty)
        #expect(reserve(&state, events: 1, bytes: 10))
        let second = state.append([record()], now: start, sink: ignored, firstIndex: 0)
        #expect(!second.startedBatch)
        #expect(second.ready.map(\.events.count) == [3])
        #expect(second.ready.map(\.reason) == [.size])
        #expect(state.status().flushes == [.size: 1])
        #expect(!state.status().timedFlushScheduled)
    }

    @Test func aCallerThatHandedOverEverythingGoesAtOnceAfterWhatItsTopicsHadBatched() {
        var state = state(size: 10, maximumSize: 3)
        #expect(reserve(&state, events: 8, bytes: 80))
        let batched = state.append([record("a"), record("b"), record("c")], now: start, sink: ignored, firstIndex: 0)
        #expect(batched.ready.isEmpty)
        let group = DeliveryGroup(count: 5)
        let ready = state.handOver([record("a"), record("a"), record("a"), record("b"), record("a")], now: start, sink: group, firstIndex: 0)
        // Topic a: the event batched before, then the caller's first three (split at the maximum size);
        // topic b likewise; the caller's last event makes a run of its own. Topic c keeps waiting.
        #expect(ready.map(\.topic) == ["a", "a", "b", "a"])
        #expect(ready.map(\.events.count) == [3, 1, 2, 1])
        #expect(ready.allSatisfy { $0.reason == .forced })
        #expect(ready.flatMap(\.events).filter { $0.sink === group }.map(\.index) == [0, 1, 2, 3, 4])
        let ids = ready.flatMap(\.events).map(\.id)
        #expect(ids.filter { $0 <= 3 } == [1, 2])
        #expect(state.status().batchedEvents == 1)
        #expect(state.status().flushes == [.forced: 4])
    }

    @Test func aDeliveryGroupAnswersInTheOrderOfItsEventsWhateverTheOrderOfReports() async {
        let group = DeliveryGroup(count: 3)
        let receipt = { (offset: Int64) in DeliveryReceipt(topic: "t", partition: 0, offset: offset) }
        group.deliver([(2, .success(receipt(12))), (0, .failure(.shutDown))])
        group.deliver([(1, .success(receipt(11)))])
        let results = await group.results()
        #expect(results.count == 3)
        #expect((try? results[1].get())?.offset == 11)
        #expect((try? results[2].get())?.offset == 12)
        #expect(throws: PublisherError.self) { try results[0].get() }
    }

    @Test func aTallyCountsPerTopicInFirstSeenOrder() {
        var tally = TopicTally()
        tally.add(to: "b")
        tally.add(3, to: "a")
        tally.add(to: "b")
        #expect(tally.counts.map(\.topic) == ["b", "a"])
        #expect(tally.counts.map(\.count) == [2, 3])
    }

    @Test func batchesArePerTopic() {
        var state = state(size: 2)
        _ = state.reserve(events: 3, bytes: 30)
        let result = state.append([record("a"), record("b"), record("a")], now: start, sink: ignored, firstIndex: 0)
        #expect(result.ready.map(\.topic) == ["a"])
        #expect(state.status().batchedEvents == 1)
    }

    @Test func aSmallBatchFlushesWhenItsOldestEventHasWaitedTheTimeout() {
        var state = state(size: 10, timeout: .milliseconds(500))
        _ = state.reserve(events: 2, bytes: 20)
        _ = state.append([record()], now: start, sink: ignored, firstIndex: 0)
        _ = state.append([record()], now: start + .milliseconds(300), sink: ignored, firstIndex: 0)
        #expect(state.nextDeadline == start + .milliseconds(500))
        #expect(state.status().timedFlushScheduled)
        #expect(state.takeDue(now: start + .milliseconds(499)).isEmpty)
        let due = state.takeDue(now: start + .milliseconds(500))
        #expect(due.map(\.events.count) == [2])
        #expect(due.map(\.reason) == [.time])
        #expect(state.nextDeadline == nil)
    }

    @Test func noBatchExceedsTheMaximumSize() {
        var state = state(size: 5, maximumSize: 5)
        _ = state.reserve(events: 4, bytes: 40)
        _ = state.append(Array(repeating: record(), count: 4), now: start, sink: ignored, firstIndex: 0)
        let flushed = state.takeAll(reason: .forced, now: start)
        #expect(flushed.map(\.events.count) == [4])
        var large = self.state(size: 2, maximumSize: 3)
        _ = large.reserve(events: 7, bytes: 70)
        _ = large.append(Array(repeating: record(), count: 1), now: start, sink: ignored, firstIndex: 0)
        // A forced flush of a batch longer than the maximum (possible only with a later policy) is split.
        let pieces = large.takeAll(reason: .shutdown, now: start)
        #expect(pieces.allSatisfy { $0.events.count <= 3 })
    }

    @Test func capacityIsReservedUntilDeliveryAndWaitersAreServedInOrder() async {
        var state = state(events: 4, bytes: 1000)
        #expect(reserve(&state, events: 4, bytes: 40))
        let appended = state.append(Array(repeating: record(), count: 4), now: start, sink: ignored, firstIndex: 0)
        #expect(appended.ready.count == 1)
        #expect(!reserve(&state, events: 1, bytes: 10))
        #expect(state.status().pendingEvents == 4)

        // Completing one event frees room for exactly one waiter.
        let ids = appended.ready[0].events.map(\.id)
        let completion = state.complete([(ids[0], .success(DeliveryReceipt(topic: "t", partition: 0, offset: 0)))])
        #expect(completion.completed.count == 1)
        #expect(completion.resumedWaiters.isEmpty)
        #expect(state.status().pendingEvents == 3)
        #expect(reserve(&state, events: 1, bytes: 10))
        #expect(!reserve(&state, events: 1, bytes: 10))
        #expect(state.status().peakPendingEvents == 4)
        #expect(state.status().deliveredEvents == 1)
    }

    @Test func theByteBoundHoldsToo() {
        var state = state(events: 100, bytes: 100)
        #expect(reserve(&state, events: 1, bytes: 60))
        #expect(!reserve(&state, events: 1, bytes: 60))
        // One event larger than the whole buffer is admitted when the buffer is empty, so it cannot starve.
        var empty = self.state(events: 100, bytes: 100)
        #expect(reserve(&empty, events: 1, bytes: 500))
    }

    @Test func unknownAndRepeatedDeliveryReportsAreIgnored() {
        var state = state(size: 1)
        _ = state.reserve(events: 1, bytes: 10)
        let ready = state.append([record()], now: start, sink: ignored, firstIndex: 0).ready
        let id = ready[0].events[0].id
        let receipt = DeliveryReceipt(topic: "t", partition: 0, offset: 1)
        #expect(complete(&state, [(id, .success(receipt))]).completed.count == 1)
        #expect(complete(&state, [(id, .success(receipt)), (999, .success(receipt))]).completed.isEmpty)
        #expect(state.status().pendingEvents == 0)
    }

    @Test func eventsWithoutAReportLongAfterTheyWereHandedOverAreOverdueOnce() {
        var state = state(size: 2)
        _ = state.reserve(events: 4, bytes: 40)
        let first = state.append([record(), record()], now: start, sink: ignored, firstIndex: 0).ready[0].events.map(\.id)
        let second = state.append([record(), record()], now: start + .seconds(5), sink: ignored, firstIndex: 0).ready[0].events.map(\.id)
        let receipt = DeliveryReceipt(topic: "t", partition: 0, offset: 1)
        _ = state.complete([(first[0], .success(receipt))])

        #expect(state.takeOverdue(handedOverBefore: start).isEmpty)
        let overdue = state.takeOverdue(handedOverBefore: start + .seconds(1))
        #expect(overdue.map(\.id) == [first[1]])
        #expect(overdue.map(\.handedOverAt) == [start])
        // Still in flight until completed, but not reported twice.
        #expect(state.status().pendingEvents == 3)
        #expect(state.takeOverdue(handedOverBefore: start + .seconds(1)).isEmpty)
        _ = state.complete([(second[0], .success(receipt))])
        #expect(state.takeOverdue(handedOverBefore: start + .seconds(6)).map(\.id) == [second[1]])
    }

    @Test func shutdownRefusesNewEventsAndFailsWhatNeverGotAReport() {
        var state = state(size: 1)
        _ = state.reserve(events: 1, bytes: 10)
        _ = state.append([record()], now: start, sink: ignored, firstIndex: 0)
        #expect(state.beginShutdown().isEmpty)
        #expect(state.isShuttingDown)
        let failed = state.failAllInFlight()
        #expect(failed.count == 1)
        #expect(failed.allSatisfy { if case .failure(let error) = $0.result { error.code == .shutDown } else { false } })
    }
}

@Suite struct PublisherConfigurationTests {
    @Test func environmentOverridesThePreset() throws {
        let configuration = try PublisherConfiguration(environment: [
            "KAFKA_BROKERS": "kafka:9092", "PUBLISHER_PRESET": "development",
            "PUBLISHER_BATCH_SIZE": "50", "PUBLISHER_BATCH_TIMEOUT_MS": "250", "PUBLISHER_MAX_BATCH_SIZE": "200",
        ])
        #expect(configuration.brokers == "kafka:9092")
        #expect(configuration.batch == BatchPolicy(size: 50, timeout: .milliseconds(250), maximumSize: 200))
        #expect(configuration.capacity == PublisherConfiguration.development(brokers: "x:1").capacity)
    }

    @Test func contradictoryBatchSettingsAreRejectedWithAReason() {
        #expect {
            try PublisherConfiguration(environment: ["PUBLISHER_BATCH_SIZE": "600", "PUBLISHER_MAX_BATCH_SIZE": "500"])
        } throws: { error in
            "\(error)" == "invalid publisher configuration: maximum batch size (500) must be at least the batch size (600)"
        }
        #expect {
            try PublisherConfiguration(environment: ["PUBLISHER_BATCH_TIMEOUT_MS": "soon"])
        } throws: { error in
            "\(error)" == "PUBLISHER_BATCH_TIMEOUT_MS=soon is invalid: expected a whole number"
        }
        #expect {
            try PublisherConfiguration(environment: ["PUBLISHER_MAX_PENDING_EVENTS": "10"])
        } throws: { error in
            "\(error)".contains("must hold at least one maximum batch")
        }
    }

    @Test func defaultsAreTheDocumentedOnes() {
        let policy = BatchPolicy()
        #expect(policy.size == 100)
        #expect(policy.timeout == .milliseconds(500))
        #expect(policy.maximumSize == 500)
        let kafka = PublisherConfiguration.production(brokers: "k:1").kafkaConfiguration
        #expect(kafka["acks"] == "all")
        #expect(kafka["enable.idempotence"] == "true")
        #expect(kafka["compression.type"] == "lz4")
    }
}
