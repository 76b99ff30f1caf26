import Testing

@testable import BerthSupervisorCore

@Suite("DeadlineQueue")
struct DeadlineQueueTests {
    @Test func keysComeDueEarliestFirstAndOnlyOnce() {
        let clock = ManualClock()
        var queue = DeadlineQueue<String>()
        queue.set("b", at: clock.at(.seconds(2)))
        queue.set("a", at: clock.at(.seconds(1)))
        queue.set("c", at: clock.at(.seconds(3)))
        #expect(queue.earliest() == clock.at(.seconds(1)))
        #expect(queue.popDue(at: clock.at(.milliseconds(999))) == [])
        #expect(queue.popDue(at: clock.at(.seconds(2))) == ["a", "b"])
        #expect(queue.popDue(at: clock.at(.seconds(2))) == [])
        #expect(queue.count == 1)
    }

    @Test func settingAKeyAgainMovesItsDeadline() {
        let clock = ManualClock()
        var queue = DeadlineQueue<String>()
        queue.set("probe", at: clock.at(.seconds(1)))
        queue.set("probe", at: clock.at(.seconds(5)))
        #expect(queue.earliest() == clock.at(.seconds(5)))
        #expect(queue.popDue(at: clock.at(.seconds(4))) == [])
        #expect(queue.popDue(at: clock.at(.seconds(5))) == ["probe"])
    }

    @Test func removedKeysNeverComeDue() {
        let clock = ManualClock()
        var queue = DeadlineQueue<Int>()
        for key in 0..<10 { queue.set(key, at: clock.at(.seconds(key))) }
        queue.remove(0)
        queue.removeAll { $0 % 2 == 1 }
        #expect(queue.popDue(at: clock.at(.seconds(60))) == [2, 4, 6, 8])
        #expect(queue.earliest() == nil)
        #expect(queue.isEmpty)
    }

    @Test func manyMovesStayCompact() {
        let clock = ManualClock()
        var queue = DeadlineQueue<Int>()
        for round in 0..<1_000 {
            for key in 0..<3 { queue.set(key, at: clock.at(.milliseconds(round * 10 + key))) }
        }
        #expect(queue.count == 3)
        #expect(queue.popDue(at: clock.at(.seconds(3600))) == [0, 1, 2])
    }
}
