@testable import Collector
import Testing

/// A batch PostgreSQL rejects is searched by halves, not replayed one event per transaction.
@Suite struct BatchBisectionTests {
    /// Runs a bisection of `count` events where a part is rejected when it holds one of `refused`;
    /// returns the transactions it took, the events stored in order, and those refused.
    private func run(count: Int, refused: Set<Int>) -> (attempts: Int, stored: [Int], refused: [Int]) {
        var bisection = BatchBisection(rejectedBatchOf: count)
        var attempts = 0
        var stored: [Int] = []
        var found: [Int] = []
        while let part = bisection.next() {
            attempts += 1
            if part.contains(where: refused.contains) {
                if bisection.rejected(part) { found.append(part.lowerBound) }
            } else {
                stored += part
            }
        }
        return (attempts, stored, found)
    }

    @Test func oneBadEventInTenThousandCostsAboutTwoTransactionsPerHalving() {
        let result = run(count: 10_000, refused: [6_789])
        #expect(result.refused == [6_789])
        #expect(result.stored == Array(0..<6_789) + Array(6_790..<10_000), "every other event stored, in batch order")
        #expect(result.attempts <= 2 * 14, "\(result.attempts) transactions; one per event took 10,000")
    }

    @Test func severalBadEventsAreAllFoundAndTheRestStoredInOrder() {
        let refused: Set<Int> = [0, 1, 500, 4_999]
        let result = run(count: 5_000, refused: refused)
        #expect(result.refused == refused.sorted())
        #expect(result.stored == (0..<5_000).filter { !refused.contains($0) })
        #expect(result.attempts <= refused.count * 2 * 13)
    }

    @Test func aBatchOfOneIsRefusedAtOnce() {
        #expect(run(count: 1, refused: [0]) == (1, [], [0]))
    }
}
