internal import EventModel
internal import Kafka
public import Logging
internal import Postgres
public import ServiceLifecycle

/// An instance of a source's collector group: runs `groupMembers` members that consume the source's
/// topic in batches and store each batch, with the group's progress, exactly once in PostgreSQL (see
/// ``BatchWriter``).
///
/// `run()` applies the schema migrations, creates the topics where missing, joins the group and consumes
/// until cancelled. On graceful shutdown it finishes and commits the batch in hand, then leaves the group
/// (its members one at a time, see ``LeaveOrder``).
/// Records that cannot be stored go to the dead-letter topic, acknowledged before their offsets are stored.
/// While PostgreSQL is unreachable the collector pauses its partitions and retries with backoff; Kafka keeps
/// the backlog.
public struct Collector: Service {
    /// What the collector consumes and where it stores it.
    public let configuration: CollectorConfiguration
    private let logger: Logger
    private let readiness = CollectorReadiness()

    /// A collector that starts working when `run()` is called.
    public init(configuration: CollectorConfiguration, logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "collector.source"] = "\(configuration.source.rawValue)"
        self.logger = logger
    }

    /// True while the collector consumes and its last contact with PostgreSQL succeeded.
    public var isReady: Bool { readiness.isReady }

    public func run() async throws {
        let client = PostgresClient(
            configuration: .init(url: configuration.connectionURL, maximumConnections: configuration.databaseConnections),
            logger: logger
        )
        let stop = StopSignal()
        do {
            try await withGracefulShutdownHandler {
                try await consume(client: client, stop: stop)
            } onGracefulShutdown: {
                stop.set()
            }
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    private func consume(client: PostgresClient, stop: StopSignal) async throws {
        let retry = RetryPolicy(initial: configuration.initialRetryDelay, maximum: configuration.maximumRetryDelay)
        let partitions = EventPartitions(client: client, logger: logger)
        // The database may not be up yet when the collector starts: wait for it rather than exit.
        let prepared = try await retry.untilSuccess(while: { !stop.isSet }, logger: logger, "prepare the database") {
            try await SchemaMigrator(client: client, logger: logger).migrate()
            try await partitions.maintain(today: UTCCalendar.today(), ahead: configuration.partitionsAhead, retentionDays: configuration.rawRetentionDays)
        }
        guard prepared else { return }
        readiness.setDatabaseReachable(true)
        await createTopics()

        let marks = CompletenessMarks(
            client: client, groupID: configuration.groupID,
            logEnds: try KafkaLogEndProbe(configuration: KafkaConfiguration(brokers: configuration.brokers), logger: logger))
        let deadLetters = try DeadLetterPublisher(topic: configuration.deadLetterTopic, brokers: configuration.brokers, logger: logger)
        readiness.setSubscribed(true)
        logger.info("collector consuming", metadata: [
            "kafka.topic": "\(configuration.topic)", "kafka.group": "\(configuration.groupID)",
            "collector.members": "\(configuration.groupMembers)",
        ])
        let leaveOrder = LeaveOrder()
        do {
            // Members share the pool, the partition bookkeeping, the completeness marks (with their log end
            // probe) and the dead-letter producer; a member that fails stops the others (the instance
            // restarts as a whole).
            try await withThrowingTaskGroup(of: Void.self) { group in
                for member in 0..<configuration.groupMembers {
                    group.addTask {
                        try await runMember(
                            member, client: client, partitions: partitions, marks: marks, deadLetters: deadLetters, stop: stop,
                            leaveOrder: leaveOrder, retry: retry
                        )
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            readiness.setSubscribed(false)
            await deadLetters.close()
            throw error
        }
        readiness.setSubscribed(false)
        await deadLetters.close()
        logger.info("collector stopped")
    }

    /// One member of the group: its own consumer and loop, until a graceful shutdown or an error.
    private func runMember(
        _ member: Int, client: PostgresClient, partitions: EventPartitions, marks: CompletenessMarks, deadLetters: DeadLetterPublisher,
        stop: StopSignal, leaveOrder: LeaveOrder, retry: RetryPolicy
    ) async throws {
        var logger = logger
        logger[metadataKey: "collector.member"] = "\(member)"
        let rebalances = RebalanceLog()
        let consumer = try KafkaConsumer(
            configuration: configuration.consumerConfiguration,
            logger: logger,
            onRebalance: { rebalances.record($0) }
        )
        try consumer.subscribe(to: [configuration.topic])
        var loop = CollectorLoop(
            member: member,
            configuration: configuration,
            consumer: consumer,
            writer: BatchWriter(client: client, groupID: configuration.groupID, partitions: partitions),
            marks: marks,
            partitions: partitions,
            deadLetters: deadLetters,
            rebalances: rebalances,
            readiness: readiness,
            stop: stop,
            leaveOrder: leaveOrder,
            retry: retry,
            logger: logger
        )
        do {
            try await loop.run()
        } catch {
            await leaveOrder.leave { await consumer.close() }
            throw error
        }
        await leaveOrder.leave { await consumer.close() }
    }

    /// Creates the source topic and the dead-letter topic where missing (contract section 3). A failure is
    /// only logged: the topics may exist already, or be created by an operator.
    private func createTopics() async {
        do {
            let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: configuration.brokers), logger: logger)
            try await admin.createTopics([
                KafkaNewTopic(name: configuration.topic, partitions: configuration.topicPartitions),
                KafkaNewTopic(name: configuration.deadLetterTopic, partitions: configuration.topicPartitions),
            ])
        } catch {
            logger.warning("could not create the topics", metadata: ["kafka.error": "\(error)"])
        }
    }
}
