@testable import EventPublisher
import Testing

/// The in-flight table: every id inserted is found and removed exactly once, whatever the ids' spread.
@Suite struct SequentialIDTableTests {
    @Test func aWindowOfIdsIsFoundAndRemovedOnce() {
        var table = SequentialIDTable<String>(minimumCapacity: 8)
        for id in UInt64(1)...10 { table.insert("event \(id)", id: id) }
        #expect(table.count == 10)
        #expect(table.remove(4) == "event 4")
        #expect(table.remove(4) == nil)
        #expect(!table.contains(4))
        #expect(table.contains(5))
        #expect(table.count == 9)
        #expect(table.ids.sorted() == [1, 2, 3, 5, 6, 7, 8, 9, 10])
    }

    /// An id whose slot an old one still holds (ids a multiple of the ring's width apart) is kept beside
    /// it, and both come out with their own values.
    @Test func idsThatShareASlotKeepTheirOwnValues() {
        var table = SequentialIDTable<UInt64>(minimumCapacity: 8)
        let stuck: UInt64 = 3
        let sharing: [UInt64] = [3 + 16, 3 + 32, 3 + 64]
        table.insert(stuck, id: stuck)
        for id in sharing { table.insert(id, id: id) }
        #expect(table.count == 4)
        for id in sharing.reversed() {
            #expect(table.contains(id))
            #expect(table.remove(id) == id)
        }
        #expect(table.remove(stuck) == stuck)
        #expect(table.count == 0)
        #expect(table.ids.isEmpty)
    }

    /// Growing past the initial width, with a stuck id far behind the window, loses nothing; removal out
    /// of order (as delivery reports of several partitions arrive) finds every value once.
    @Test func growingKeepsEveryEntry() {
        var table = SequentialIDTable<UInt64>(minimumCapacity: 4)
        table.insert(0, id: 0)
        let window = UInt64(1_000)...UInt64(6_000)
        for id in window { table.insert(id * 2, id: id) }
        #expect(table.count == window.count + 1)
        // Steps of a prime through the window: every id once, neighbours far apart.
        let ids = Array(window)
        for step in 0..<ids.count {
            let id = ids[step * 7_919 % ids.count]
            #expect(table.remove(id) == id * 2)
        }
        #expect(table.ids == [0])
        #expect(table.remove(0) == 0)
        #expect(table.count == 0)
    }
}
