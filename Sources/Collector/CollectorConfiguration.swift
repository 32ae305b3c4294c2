public import EventModel
public import Kafka
internal import Postgres
public import ServiceSupport

/// Settings of a collector: which source it consumes, from where, into which database, and where it
/// serves `/metrics` and health. Every setting has a default; the CLI reads overrides from the environment.
public struct CollectorConfiguration: Sendable, Hashable {
    /// The source whose events this collector stores; its topic and group by default.
    public var source: EventSource
    /// The consumer group; one per source by default (contract section 3).
    public var groupID: String
    /// The topic carrying the source's events; `events.<source>` by default.
    public var topic: String
    /// Where records that cannot be stored go, with the reason in a `dlq-reason` header.
    public var deadLetterTopic: String
    /// Partitions of the topics when the collector has to create them.
    public var topicPartitions: Int32 = 6
    /// Kafka bootstrap servers, `host:port[,host:port]`.
    public var brokers: String = "127.0.0.1:9092"
    /// Consumer-group session timeout. Short, because the local broker holds every join for half of it,
    /// and a scale-out rebalance stops the whole group that long (contract section 7); 6 s is the least a
    /// stock Kafka broker accepts.
    public var sessionTimeout: Duration = .seconds(6)
    /// The PostgreSQL database, as a `postgres://` URL.
    public var databaseURL: String = "postgres://postgres@127.0.0.1:5432/eventplatform"
    /// How long a collector session may sit in an open transaction without a statement before PostgreSQL
    /// ends it. A batch's transaction is idle only while Swift works between its statements (milliseconds);
    /// a collector host that dies mid-batch would otherwise keep its locks until TCP gives up (~2 hours),
    /// and stall every writer of the source.
    public var idleInTransactionTimeout: Duration = .seconds(30)
    /// How long a collector statement waits for a lock before it fails (and the batch is retried): a
    /// writer waits for another's rows only until that one commits.
    public var lockTimeout: Duration = .seconds(30)
    /// Members of the group this instance runs, each with its own consumer, partitions and database
    /// connection. PostgreSQL works on a core per connection, and independent members overlap one's
    /// loading with the other's aggregate updates; more members than partitions would idle.
    public var groupMembers: Int = 2
    /// Connections the collector may hold: one per member, one more for maintenance.
    public var databaseConnections: Int { groupMembers + 1 }
    /// The port of `/metrics` and health (9101, 9102, 9103 by source; 0 picks a free one).
    public var metricsPort: Int
    /// The most records written in one transaction. A batch reads and rewrites each of its users' history
    /// once and adds its counter changes summed, so under a backlog larger batches store more events per
    /// second (measured: 25,000 about 20% faster than 10,000); below it, ``batchWait`` ends batches.
    public var batchSize: Int = 25_000
    /// How long a batch may wait to fill before it is written anyway.
    public var batchWait: Duration = .milliseconds(250)
    /// The first pause after a failed write or dead-letter publish; doubled per failure up to `maximumRetryDelay`.
    public var initialRetryDelay: Duration = .milliseconds(100)
    public var maximumRetryDelay: Duration = .seconds(5)
    /// Days of raw events kept; older daily partitions are dropped. Nil keeps them forever.
    public var rawRetentionDays: Int? = 365
    /// Daily raw-event partitions created ahead of today (others are created when an event needs them).
    public var partitionsAhead: Int = 2
    /// How long a graceful shutdown keeps retrying the batch in hand before it gives up (the batch is then
    /// read again by the next owner of its partitions: nothing is lost).
    public var shutdownTimeout: Duration = .seconds(30)

    /// Sets ``sessionTimeout``, ``idleInTransactionTimeout`` and ``lockTimeout`` from `environment`
    /// (`COLLECTOR_SESSION_TIMEOUT_MS`, `COLLECTOR_IDLE_IN_TRANSACTION_TIMEOUT_MS`,
    /// `COLLECTOR_LOCK_TIMEOUT_MS`, in milliseconds; settings without a command-line flag); unset or
    /// empty ones keep their value.
    ///
    /// - Throws: ``EnvironmentReader/InvalidSetting`` naming the variable when a value is not a whole
    ///   number of milliseconds in range: a session timeout from 1 s to 1 h (what Kafka brokers accept
    ///   by default lies within), the database timeouts from 1 ms to 1 h.
    public mutating func readTimeouts(from environment: [String: String]) throws(EnvironmentReader.InvalidSetting) {
        let reader = EnvironmentReader(environment)
        let hour = 3_600_000
        sessionTimeout = try reader.milliseconds("COLLECTOR_SESSION_TIMEOUT_MS", default: sessionTimeout, in: 1_000...hour)
        idleInTransactionTimeout = try reader.milliseconds(
            "COLLECTOR_IDLE_IN_TRANSACTION_TIMEOUT_MS", default: idleInTransactionTimeout, in: 1...hour)
        lockTimeout = try reader.milliseconds("COLLECTOR_LOCK_TIMEOUT_MS", default: lockTimeout, in: 1...hour)
    }

    /// ``databaseURL`` with ``idleInTransactionTimeout`` and ``lockTimeout`` set for every connection.
    public var connectionURL: String {
        PostgresSessionSettings([
            (name: "idle_in_transaction_session_timeout", value: "\(Self.milliseconds(idleInTransactionTimeout))"),
            (name: "lock_timeout", value: "\(Self.milliseconds(lockTimeout))"),
        ]).applied(to: databaseURL)
    }

    /// Each group member's consumer settings. A fetch waits for 64 KB or 500 ms (librdkafka's default
    /// wait) instead of an answer as soon as anything landed: with webhooks arriving one event per
    /// request, the collectors' fetches otherwise followed every small produce request and took a good
    /// part of the broker's work (docs/performance.md). The local broker (Tansu) holds every fetch answer
    /// for about its wait (half of it from 250 ms) and lists every batch stored in the partition for each
    /// look, so the wait sets how often a collector costs it that listing: 500 ms rather than 100 took
    /// single-event requests in `up` from ~8,800 to ~10,700 a second on the 2-core machine (medians of
    /// five alternating pairs), end to end unchanged. A Kafka broker answers as soon as 64 KB are there;
    /// a caught-up collector sees an event up to 500 ms later.
    public var consumerConfiguration: KafkaConfiguration {
        var kafka = KafkaConfiguration.consumer(brokers: brokers, groupID: groupID, sessionTimeout: sessionTimeout)
        kafka["fetch.min.bytes"] = "65536"
        kafka["fetch.wait.max.ms"] = "500"
        return kafka
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(1, seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
    }

    /// The defaults of the contract for `source`.
    public init(source: EventSource) {
        self.source = source
        self.groupID = source.collectorGroup
        self.topic = source.topic
        self.deadLetterTopic = EventSource.deadLetterTopic
        self.metricsPort = source.collectorPort
    }
}
