/// The epoll thread's timers (`ReadinessLoop.after`), soonest first: a binary heap, so that thousands of probes
/// waiting for their next round cost O(log n) each to arm and to fire, and planning the next wake-up reads one entry.
/// Entries due at the same instant fire in the order they were added.
struct DeadlineHeap<Payload> {
    fileprivate struct Entry {
        var deadline: ContinuousClock.Instant
        var order: UInt64
        var payload: Payload

        func precedes(_ other: Entry) -> Bool {
            deadline < other.deadline || (deadline == other.deadline && order < other.order)
        }
    }

    private var entries: [Entry] = []
    private var added: UInt64 = 0

    var earliest: ContinuousClock.Instant? { entries.first?.deadline }
    var count: Int { entries.count }

    mutating func insert(_ payload: Payload, at deadline: ContinuousClock.Instant) {
        added += 1
        entries.append(Entry(deadline: deadline, order: added, payload: payload))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the payloads due at `now`, soonest first.
    mutating func popDue(at now: ContinuousClock.Instant) -> [Payload] {
        var due: [Payload] = []
        while let first = entries.first, first.deadline <= now {
            due.append(first.payload)
            let last = entries.removeLast()
            guard !entries.isEmpty else { break }
            entries[0] = last
            siftDown()
        }
        return due
    }

    private mutating func siftDown() {
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < entries.count else { return }
            let right = left + 1
            let child = right < entries.count && entries[right].precedes(entries[left]) ? right : left
            guard entries[child].precedes(entries[parent]) else { return }
            entries.swapAt(child, parent)
            parent = child
        }
    }
}

extension DeadlineHeap: Sendable where Payload: Sendable {}
extension DeadlineHeap.Entry: Sendable where Payload: Sendable {}
