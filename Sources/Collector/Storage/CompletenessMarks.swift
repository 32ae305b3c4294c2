internal import Foundation
internal import Kafka
internal import Postgres

/// Records, per partition, up to when the records Kafka held are stored (`collector_offsets.complete_through`),
/// so that the reporter can tell a client whether the last minutes of a range are complete.
///
/// Two marks, each only ever moving forward: after a batch is stored, the Kafka timestamp of its latest
/// record of each partition; and when a poll finds nothing for a member that holds no records, is not
/// paused and knows its positions, the time the poll started, for every partition it owns (it had
/// everything the broker held then). The first keeps the mark moving while a collector works through a
/// backlog or a steady stream, the second while a partition is idle. Record timestamps are the producers'
/// (`CreateTime`), so a record produced earlier but appended later than another is covered a few
/// milliseconds early; topics with `LogAppendTime` make the first mark exact.
struct CompletenessMarks: Sendable {
    let client: PostgresClient
    let groupID: String

    /// Moves the marks of `partitions` forward to their times (never back).
    func mark(_ partitions: [KafkaTopicPartition: Date]) async throws {
        for (topic, entries) in Dictionary(grouping: partitions, by: \.key.topic) {
            let sorted = entries.sorted { $0.key.partition < $1.key.partition }
            // Timestamps in text format hold no comma, brace or space: an array literal needs no quoting.
            let times = "{" + sorted.compactMap(\.value.postgresText).joined(separator: ",") + "}"
            try await client.execute("""
                UPDATE collector_offsets AS o SET complete_through = GREATEST(o.complete_through, v.at)
                FROM unnest(\(BatchWriter.arrayText(sorted.map(\.key.partition)))::integer[], \(times)::timestamptz[]) AS v(partition, at)
                WHERE o.group_id = \(groupID) AND o.topic = \(topic) AND o.partition = v.partition
                """)
        }
    }
}
