/// Counts per topic, for metrics. A publisher writes to a handful of topics, so a short list compared by
/// `==` (immediate for the same string) costs less than hashing every event's topic into a dictionary.
struct TopicTally {
    private(set) var counts: [(topic: String, count: Int)] = []

    mutating func add(_ count: Int = 1, to topic: String) {
        if let index = counts.firstIndex(where: { $0.topic == topic }) {
            counts[index].count += count
        } else {
            counts.append((topic, count))
        }
    }
}
