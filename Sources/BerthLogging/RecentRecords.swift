/// The lines handed to journald during the last `window` (at most `capacity` of them).
///
/// journald can stop with datagrams still queued on its socket: the send succeeded, yet journald never read them.
/// When a send then fails, these are written to the files as well, so a line may be stored twice near a gap but
/// never lost.
public struct RecentRecords: Sendable {
    public let window: Duration
    public let capacity: Int
    private var items: [(at: ContinuousClock.Instant, record: LogRecord)] = []
    private var start = 0

    /// The default capacity covers journald's socket queue: with its 8 MB receive buffer and ~800 bytes of kernel
    /// accounting per small datagram, about 10,000 lines can wait unread there when it stops.
    public init(window: Duration = .seconds(1), capacity: Int = 16_384) {
        precondition(capacity > 0)
        self.window = window
        self.capacity = capacity
    }

    public mutating func append(_ record: LogRecord, at: ContinuousClock.Instant) {
        items.append((at, record))
        if items.count - start > capacity { start += 1 }
        // Compact now and then, so that appending stays O(1) amortized.
        if start > capacity {
            items.removeFirst(start)
            start = 0
        }
    }

    /// The records handed over within `window` before `now`, oldest first; forgets all of them.
    public mutating func drain(now: ContinuousClock.Instant) -> [LogRecord] {
        let kept = items[start...].filter { now - $0.at <= window }.map(\.record)
        items.removeAll(keepingCapacity: true)
        start = 0
        return kept
    }
}
