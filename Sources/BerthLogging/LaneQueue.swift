/// The pure policy of the log writer's queue: one bounded lane per replica (plus an urgent lane for the daemon's
/// own events), served round-robin so that a chatty replica never delays another replica's lines.
///
/// A lane that reaches `highWater` entries asks its producer to pause (`.pause`); once the writer has drained it
/// to `lowWater` it asks it to resume (`.resume`). Entries are never dropped: a producer may overshoot `highWater`
/// by what it already read (at most one read's lines), which bounds the buffer.
public struct LaneQueue<Lane: Hashable & Sendable, Element: Sendable>: Sendable {
    public enum Signal: Sendable, Equatable {
        case none
        case pause(Lane)
        case resume(Lane)
    }

    private struct LaneState: Sendable {
        var entries: [Element] = []
        var head = 0
        var paused = false
        var count: Int { entries.count - head }

        mutating func popFirst() -> Element? {
            guard head < entries.count else { return nil }
            let element = entries[head]
            head += 1
            if head > 1024, head * 2 > entries.count {
                entries.removeFirst(head)
                head = 0
            }
            return element
        }
    }

    public let highWater: Int
    public let lowWater: Int
    private var lanes: [Lane: LaneState] = [:]
    /// Lanes with entries, in the order they are served.
    private var ready: [Lane] = []
    private var urgent: [Element] = []

    public init(highWater: Int, lowWater: Int) {
        precondition(highWater >= 1 && lowWater >= 0 && lowWater < highWater)
        self.highWater = highWater
        self.lowWater = lowWater
    }

    public var isEmpty: Bool { urgent.isEmpty && ready.isEmpty }

    /// Entries waiting in `lane`.
    public func count(_ lane: Lane) -> Int { lanes[lane]?.count ?? 0 }

    public func isPaused(_ lane: Lane) -> Bool { lanes[lane]?.paused ?? false }

    /// Queues an entry of a producer's lane; `.pause(lane)` when the lane just became full.
    public mutating func push(_ element: Element, lane: Lane) -> Signal {
        // Mutated in place (a copy of the lane would copy its entries on every push).
        let (wasEmpty, signal) = Self.update(&lanes[lane, default: LaneState()]) { state in
            let wasEmpty = state.count == 0
            state.entries.append(element)
            guard !state.paused, state.count >= highWater else { return (wasEmpty, Signal.none) }
            state.paused = true
            return (wasEmpty, .pause(lane))
        }
        if wasEmpty { ready.append(lane) }
        return signal
    }

    private static func update<T>(_ state: inout LaneState, _ body: (inout LaneState) -> T) -> T {
        body(&state)
    }

    /// Queues one of the daemon's own events: always accepted, always served first (they are few).
    public mutating func pushUrgent(_ element: Element) {
        urgent.append(element)
    }

    /// The next entry to write: urgent ones first, then one entry of each non-empty lane in turn. `.resume(lane)`
    /// when taking it drained a paused lane to `lowWater`.
    public mutating func pop() -> (element: Element, signal: Signal)? {
        if !urgent.isEmpty { return (urgent.removeFirst(), .none) }
        guard !ready.isEmpty else { return nil }
        let lane = ready.removeFirst()
        let lowWater = self.lowWater
        let taken: (Element, Signal, Int, Bool)? = Self.update(&lanes[lane, default: LaneState()]) { state in
            guard let element = state.popFirst() else { return nil }
            var signal = Signal.none
            if state.paused, state.count <= lowWater {
                state.paused = false
                signal = .resume(lane)
            }
            return (element, signal, state.count, state.paused)
        }
        guard let (element, signal, left, paused) = taken else { return nil }
        if left > 0 {
            ready.append(lane)
        } else if !paused {
            lanes[lane] = nil
        }
        return (element, signal)
    }
}
