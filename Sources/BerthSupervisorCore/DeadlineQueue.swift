/// The supervisor's pending timers, keyed: one deadline per key (setting a key again moves it), the earliest first.
///
/// One sleeping task waits for `earliest` instead of one task per timer: arming, moving and cancelling a timer are
/// heap and dictionary operations, not task creations and cancellations. Moved or cancelled entries stay in the heap
/// and are skipped when they come up (lazy deletion), so every operation is O(log n).
public struct DeadlineQueue<Key: Hashable & Sendable>: Sendable {
    public typealias Instant = ContinuousClock.Instant

    private struct Entry: Sendable {
        var deadline: Instant
        var key: Key
        /// Tells a live entry from a stale one left by `set` or `remove`.
        var version: Int
    }

    private var heap: [Entry] = []
    private var live: [Key: (deadline: Instant, version: Int)] = [:]
    private var nextVersion = 0

    public init() {}

    public var count: Int { live.count }
    public var isEmpty: Bool { live.isEmpty }

    /// Arms `key` at `deadline`, replacing its previous deadline.
    public mutating func set(_ key: Key, at deadline: Instant) {
        nextVersion += 1
        live[key] = (deadline, nextVersion)
        push(Entry(deadline: deadline, key: key, version: nextVersion))
        compactIfMostlyStale()
    }

    public mutating func remove(_ key: Key) {
        live[key] = nil
        compactIfMostlyStale()
    }

    /// Removes every key that `matches`.
    public mutating func removeAll(where matches: (Key) -> Bool) {
        for key in live.keys where matches(key) { live[key] = nil }
        compactIfMostlyStale()
    }

    public func deadline(of key: Key) -> Instant? { live[key]?.deadline }

    /// The earliest live deadline.
    public mutating func earliest() -> Instant? {
        dropStaleTop()
        return heap.first?.deadline
    }

    /// Removes and returns the keys due at `now`, earliest first.
    public mutating func popDue(at now: Instant) -> [Key] {
        var due: [Key] = []
        while true {
            dropStaleTop()
            guard let top = heap.first, top.deadline <= now else { break }
            popTop()
            live[top.key] = nil
            due.append(top.key)
        }
        return due
    }

    // MARK: The heap

    private func isLive(_ entry: Entry) -> Bool { live[entry.key]?.version == entry.version }

    private mutating func dropStaleTop() {
        while let top = heap.first, !isLive(top) { popTop() }
    }

    /// Rebuilds the heap from the live entries when stale ones outnumber them (many moves of a few timers).
    private mutating func compactIfMostlyStale() {
        guard heap.count > 64, heap.count > 2 * live.count else { return }
        heap = live.map { Entry(deadline: $0.value.deadline, key: $0.key, version: $0.value.version) }
        for position in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(position) }
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
