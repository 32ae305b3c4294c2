/// A partition's log end offsets over time, to estimate how long ago the end was where a group
/// reads now (its lag in seconds), the way kafka-lag-exporter does.
///
/// Points are added once per lag read. A flat stretch (no new records) is kept as its first and last
/// point, so a quiet partition does not push its history out; at most `capacity` points are kept.
public struct EndOffsetTimeline: Sendable {
    struct Point: Sendable, Hashable {
        var offset: Int64
        var time: ContinuousClock.Instant
    }

    public let capacity: Int
    private(set) var points: [Point] = []

    public init(capacity: Int = 60) {
        precondition(capacity >= 2, "a timeline needs at least two points")
        self.capacity = capacity
    }

    /// Adds the end offset read at `time`. Reads older than the last one are ignored; an end that went
    /// back (the topic was recreated) starts the timeline over.
    public mutating func add(offset: Int64, at time: ContinuousClock.Instant) {
        if let last = points.last {
            guard time > last.time else { return }
            if offset < last.offset { points.removeAll() }
        }
        let count = points.count
        if count >= 2, points[count - 1].offset == offset, points[count - 2].offset == offset {
            points[count - 1].time = time
            return
        }
        points.append(Point(offset: offset, time: time))
        if points.count > capacity { points.removeFirst(points.count - capacity) }
    }

    /// Seconds since the log end was at `position` (the offset a group reads next), seen at `now`:
    /// 0 when the group is at the end, `nil` while the timeline cannot tell (nothing recorded yet, or a
    /// single point behind which the group reads).
    ///
    /// Between two points the time is interpolated; before the oldest point it is extrapolated from the
    /// whole timeline, but never less than the oldest point's age (those records were already there).
    public func lagSeconds(at position: Int64, now: ContinuousClock.Instant) -> Double? {
        guard let newest = points.last else { return nil }
        guard position < newest.offset else { return 0 }
        guard points.count >= 2 else { return nil }
        let oldest = points[0]
        if position >= oldest.offset {
            // The newest segment whose end passed `position`.
            for index in stride(from: points.count - 1, to: 0, by: -1) {
                let left = points[index - 1], right = points[index]
                if left.offset <= position, position < right.offset {
                    return max(0, seconds(now - Self.time(at: position, between: left, and: right)))
                }
            }
        }
        let age = seconds(now - oldest.time)
        guard newest.offset > oldest.offset else { return age }
        return max(age, seconds(now - Self.time(at: position, between: oldest, and: newest)))
    }

    /// When the end was at `offset`, on the straight line through `left` and `right`.
    private static func time(at offset: Int64, between left: Point, and right: Point) -> ContinuousClock.Instant {
        let fraction = Double(offset - left.offset) / Double(right.offset - left.offset)
        return left.time + (right.time - left.time) * fraction
    }

    private func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
