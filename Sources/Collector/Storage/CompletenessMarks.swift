internal import Foundation
internal import Kafka
internal import Postgres

/// Records, per partition, up to when the records Kafka held are stored (`collector_offsets.complete_through`),
/// so that the reporter can tell a client whether the last minutes of a range are complete.
///
/// Two marks, each only ever moving forward: after a batch is stored, the Kafka timestamp of its latest
/// record of each partition; and for an idle member, the time just before it found that a partition's
/// log ends at its stored offset (a fetch from that offset reaches the end of the partition). The first
/// keeps the mark moving while a collector works through a backlog or a steady stream, the second while a
/// partition is idle. Record timestamps are the producers' (`CreateTime`), so a record produced earlier
/// but appended later than another is covered a few milliseconds early; topics with `LogAppendTime` make
/// the first mark exact.
struct CompletenessMarks: Sendable {
    let client: PostgresClient
    let groupID: String
    /// Reads where each partition's log ends (shared by the members of an instance; its calls run one at a time).
    let logEnds: KafkaLogEndProbe

    /// Marks complete through `asOf` each partition whose log ends at its stored next offset, read at or
    /// after `asOf`: every record appended before then is below that offset, so stored. A partition whose
    /// end the fetch does not reach in a second keeps its mark.
    func markCaughtUp(storedOffsets: [KafkaTopicPartition: Int64], asOf: Date) async throws {
        let ends = try await logEnds.logEnds(from: storedOffsets, timeout: .seconds(1))
        let caughtUp = storedOffsets.filter { ends[$0.key] == $0.value }
        try await mark(caughtUp.mapValues { _ in asOf })
    }

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
