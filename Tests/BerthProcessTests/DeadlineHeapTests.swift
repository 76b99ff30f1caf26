import Testing

@testable import BerthProcess

/// The epoll thread's timer heap: soonest first, ties in the order they were added, only what is due.
@Suite struct DeadlineHeapTests {
    @Test func popsWhatIsDueSoonestFirstAndTiesInOrder() {
        let base = ContinuousClock.now
        var heap = DeadlineHeap<String>()
        #expect(heap.earliest == nil)
        heap.insert("c", at: base + .seconds(3))
        heap.insert("a", at: base + .seconds(1))
        heap.insert("b1", at: base + .seconds(2))
        heap.insert("b2", at: base + .seconds(2))
        heap.insert("d", at: base + .seconds(4))
        #expect(heap.earliest == base + .seconds(1))
        #expect(heap.popDue(at: base).isEmpty)
        #expect(heap.popDue(at: base + .seconds(2)) == ["a", "b1", "b2"])
        #expect(heap.count == 2)
        #expect(heap.earliest == base + .seconds(3))
        #expect(heap.popDue(at: base + .seconds(10)) == ["c", "d"])
        #expect(heap.earliest == nil)
    }

    @Test func manyRandomDeadlinesComeOutSorted() {
        let base = ContinuousClock.now
        var heap = DeadlineHeap<Int>()
        var state: UInt64 = 42
        var offsets: [Int] = []
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let offset = Int(state >> 33) % 5000
            offsets.append(offset)
            heap.insert(offset, at: base + .milliseconds(offset))
        }
        var popped: [Int] = []
        for step in stride(from: 0, through: 5000, by: 250) {
            popped += heap.popDue(at: base + .milliseconds(step))
        }
        #expect(popped == offsets.sorted())
        #expect(heap.count == 0)
    }
}
