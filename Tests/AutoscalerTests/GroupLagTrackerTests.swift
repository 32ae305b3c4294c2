@testable import Autoscaler
import Kafka
import Testing

@Suite struct GroupLagTrackerTests {
    let start = ContinuousClock.now
    let p0 = KafkaTopicPartition(topic: "events.test", partition: 0)

    func read(at seconds: Int, committed: Int64?, end: Int64, logStart: Int64 = 0, members: Int? = 1) -> GroupOffsets {
        GroupOffsets(
            group: "g", time: start + .seconds(seconds),
            partitions: [PartitionOffsets(partition: p0, committed: committed, logStart: logStart, logEnd: end)],
            expectedPartitions: 1, members: members)
    }

    @Test func lagIsEndMinusCommittedNeverNegative() {
        #expect(PartitionOffsets(partition: p0, committed: 40, logStart: 0, logEnd: 100).lag == 60)
        #expect(PartitionOffsets(partition: p0, committed: 120, logStart: 0, logEnd: 100).lag == 0)
    }

    @Test func withoutACommitTheRetainedRecordsCountNotTheDeletedOnes() {
        #expect(PartitionOffsets(partition: p0, committed: nil, logStart: 0, logEnd: 100).lag == 100)
        #expect(PartitionOffsets(partition: p0, committed: nil, logStart: 70, logEnd: 100).lag == 30)
        // A commit below the log start (retention deleted what it would read) counts from the log start.
        #expect(PartitionOffsets(partition: p0, committed: 10, logStart: 70, logEnd: 100).lag == 30)
    }

    @Test func aCaughtUpGroupIsOK() {
        var tracker = GroupLagTracker(window: .seconds(10))
        for second in stride(from: 0, through: 20, by: 5) {
            #expect(tracker.record(read(at: second, committed: Int64(second * 100), end: Int64(second * 100))).status == .ok)
        }
    }

    @Test func aGroupWithoutMembersIsStopped() {
        var tracker = GroupLagTracker(window: .seconds(10))
        #expect(tracker.record(read(at: 0, committed: 10, end: 100, members: 0)).status == .stopped)
    }

    @Test func lagOnEveryReadWithAnOffsetThatNeverMovesIsStalled() {
        var tracker = GroupLagTracker(window: .seconds(10))
        #expect(tracker.record(read(at: 0, committed: 10, end: 100)).status == .ok)
        #expect(tracker.record(read(at: 5, committed: 10, end: 100)).status == .ok, "the window is not covered yet")
        let report = tracker.record(read(at: 10, committed: 10, end: 150))
        #expect(report.status == .stalled)
        #expect(report.partitions.first?.status == .stalled)
        // It moves again: no longer stalled.
        #expect(tracker.record(read(at: 15, committed: 140, end: 150)).status == .ok)
    }

    @Test func lagThatOnlyGrowsWhileTheGroupConsumesIsLagging() {
        var tracker = GroupLagTracker(window: .seconds(10))
        _ = tracker.record(read(at: 0, committed: 0, end: 100))
        _ = tracker.record(read(at: 5, committed: 50, end: 200))
        #expect(tracker.record(read(at: 10, committed: 100, end: 300)).status == .lagging)
        // The lag shrinks: OK again.
        #expect(tracker.record(read(at: 15, committed: 290, end: 300)).status == .ok)
    }

    @Test func aCommittedOffsetThatWentBackIsRewound() {
        var tracker = GroupLagTracker(window: .seconds(30))
        _ = tracker.record(read(at: 0, committed: 500, end: 600))
        #expect(tracker.record(read(at: 5, committed: 100, end: 600)).status == .rewound)
        #expect(tracker.record(read(at: 10, committed: 300, end: 600)).status == .rewound)
        // Back past where it was: OK.
        #expect(tracker.record(read(at: 15, committed: 550, end: 600)).status == .ok)
    }

    @Test func consumptionRateIsCommittedRecordsPerSecondOverTheWindow() {
        var tracker = GroupLagTracker(window: .seconds(10))
        #expect(tracker.record(read(at: 0, committed: 0, end: 10_000)).consumptionRate == nil)
        _ = tracker.record(read(at: 5, committed: 5_000, end: 10_000))
        #expect(tracker.record(read(at: 10, committed: 8_000, end: 10_000)).consumptionRate == 800)
        // The oldest read leaves the window: (9,000 - 5,000) / 10 s.
        #expect(tracker.record(read(at: 15, committed: 9_000, end: 10_000)).consumptionRate == 400)
    }

    @Test func aPartialReadIsReportedButNotRecorded() {
        var tracker = GroupLagTracker(window: .seconds(10))
        _ = tracker.record(read(at: 0, committed: 0, end: 100))
        var partial = read(at: 5, committed: 0, end: 100)
        partial.expectedPartitions = 2
        let report = tracker.record(partial)
        #expect(!report.isComplete)
        #expect(report.consumptionRate == nil)
    }
}

@Suite struct EndOffsetTimelineTests {
    let start = ContinuousClock.now

    @Test func lagSecondsInterpolatesWhenTheEndPassedTheCommittedOffset() throws {
        var timeline = EndOffsetTimeline()
        timeline.add(offset: 0, at: start)
        timeline.add(offset: 1_000, at: start + .seconds(10))
        timeline.add(offset: 2_000, at: start + .seconds(20))
        // The end was at 1,500 at 15 s; seen at 20 s that is 5 s ago.
        #expect(try #require(timeline.lagSeconds(at: 1_500, now: start + .seconds(20))) == 5)
        #expect(timeline.lagSeconds(at: 2_000, now: start + .seconds(20)) == 0)
        #expect(timeline.lagSeconds(at: 2_500, now: start + .seconds(20)) == 0)
    }

    @Test func beforeTheOldestPointItExtrapolatesButNeverBelowItsAge() throws {
        var timeline = EndOffsetTimeline()
        timeline.add(offset: 1_000, at: start)
        timeline.add(offset: 2_000, at: start + .seconds(10))
        // 1,000 records/10 s: offset 500 was the end 5 s before the first point, 15 s before 10 s.
        #expect(try #require(timeline.lagSeconds(at: 500, now: start + .seconds(10))) == 15)
        // A backlog that was there before the monitor started, on a quiet partition: at least its age.
        var quiet = EndOffsetTimeline()
        quiet.add(offset: 300_000, at: start)
        quiet.add(offset: 300_000, at: start + .seconds(10))
        #expect(try #require(quiet.lagSeconds(at: 0, now: start + .seconds(10))) == 10)
    }

    @Test func aFlatStretchKeepsOnlyItsFirstAndLastPoint() {
        var timeline = EndOffsetTimeline(capacity: 3)
        timeline.add(offset: 0, at: start)
        for second in 1...10 { timeline.add(offset: 100, at: start + .seconds(second)) }
        #expect(timeline.points.map(\.offset) == [0, 100, 100])
        #expect(timeline.points.last?.time == start + .seconds(10))
    }

    @Test func anEndThatWentBackStartsOver() {
        var timeline = EndOffsetTimeline()
        timeline.add(offset: 5_000, at: start)
        timeline.add(offset: 10, at: start + .seconds(5))
        #expect(timeline.points.map(\.offset) == [10])
    }
}
