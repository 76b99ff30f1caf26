public import BerthControlProtocol

/// The lines waiting for one log follower (`berth logs -f`, the dashboard's log pane), bounded by bytes: when a
/// slow client falls behind, the oldest waiting lines go and the follower reads one marker line saying how many,
/// so that a stalled client costs the daemon at most `limitBytes` (plus the recent lines it asked for at the start).
///
/// A value: lines in, lines out, no locks, so that the bound and the marker are tested as a script.
public struct FollowerBuffer: Sendable {
    /// What one line counts for: its text and service name, plus the entry's other fields.
    public static func cost(_ entry: LogEntry) -> Int {
        entry.line.utf8.count + entry.service.utf8.count + 64
    }

    public let limitBytes: Int
    /// The recent lines asked for with `tail`, delivered first and never dropped (the replicas' rings bound them).
    private var backlog: [LogEntry]
    private var backlogHead = 0
    /// New lines, oldest first from `liveHead`.
    private var live: [LogEntry] = []
    private var liveHead = 0
    public private(set) var liveBytes = 0
    /// Lines dropped just before the oldest waiting live line.
    public private(set) var dropped = 0

    public init(limitBytes: Int, backlog: [LogEntry] = []) {
        self.limitBytes = limitBytes
        self.backlog = backlog
    }

    public var isEmpty: Bool {
        backlogHead == backlog.count && liveHead == live.count && dropped == 0
    }

    /// Adds a new line, dropping the oldest waiting ones while more than `limitBytes` wait (the newest always stays).
    public mutating func push(_ entry: LogEntry) {
        live.append(entry)
        liveBytes += Self.cost(entry)
        while liveBytes > limitBytes, live.count - liveHead > 1 {
            liveBytes -= Self.cost(live[liveHead])
            liveHead += 1
            dropped += 1
        }
        compact()
    }

    /// The next line to send: the backlog, then the marker for dropped lines (where the gap is), then live lines.
    public mutating func pop() -> LogEntry? {
        if backlogHead < backlog.count {
            defer {
                backlogHead += 1
                if backlogHead == backlog.count { (backlog, backlogHead) = ([], 0) }
            }
            return backlog[backlogHead]
        }
        if dropped > 0, liveHead < live.count {
            let next = live[liveHead]
            defer { dropped = 0 }
            return LogEntry(
                service: next.service, replica: next.replica, stream: .daemon, time: next.time,
                line: Self.marker(dropped: dropped))
        }
        guard liveHead < live.count else { return nil }
        let entry = live[liveHead]
        liveBytes -= Self.cost(entry)
        liveHead += 1
        compact()
        return entry
    }

    public static func marker(dropped: Int) -> String {
        "… \(dropped) line\(dropped == 1 ? "" : "s") dropped: client too slow"
    }

    /// Reclaims the consumed front once it is most of the array.
    private mutating func compact() {
        if liveHead == live.count {
            live.removeAll(keepingCapacity: live.count < 1024)
            liveHead = 0
        } else if liveHead > 512, liveHead * 2 > live.count {
            live.removeFirst(liveHead)
            liveHead = 0
        }
    }
}
