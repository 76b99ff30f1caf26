public import BerthControlProtocol
import Synchronization

/// Keeps the recent output of every replica and fans new lines out to followers (`berth logs -f`, `berth up`).
///
/// Lines arrive on the launcher's reader thread, many per second for a chatty service; a lock-protected ring per
/// replica keeps them off the supervisor actor. Each follower gets a buffer bounded by bytes (`FollowerBuffer`): one
/// that cannot keep up loses its oldest waiting lines, and reads a marker saying how many, rather than growing the
/// daemon's memory.
public final class LogHub: Sendable {
    private struct Key: Hashable {
        var service: String
        var replica: Int
    }

    private struct Follower {
        var query: LogQuery
        /// Weak: the client's stream owns the queue, and its `deinit` unregisters it.
        weak var queue: FollowerQueue?
    }

    private struct State {
        var rings: [Key: Ring<LogEntry>] = [:]
        var stderr: [Key: Ring<String>] = [:]
        var followers: [Int: Follower] = [:]
        var nextFollower = 0
    }

    private let state = Mutex(State())
    private let linesPerReplica: Int
    /// What one follower may have waiting before its oldest lines are dropped.
    public let followerBytes: Int

    public static let defaultFollowerBytes = 1 << 20

    public init(linesPerReplica: Int = 1000, followerBytes: Int = LogHub.defaultFollowerBytes) {
        self.linesPerReplica = linesPerReplica
        self.followerBytes = followerBytes
    }

    public func append(_ entry: LogEntry) {
        let queues = state.withLock { state in
            let key = Key(service: entry.service, replica: entry.replica)
            state.rings[key, default: Ring(capacity: linesPerReplica)].append(entry)
            if entry.stream == .stderr {
                state.stderr[key, default: Ring(capacity: 10)].append(entry.line)
            }
            return state.followers.values.compactMap { $0.query.matches(entry) ? $0.queue : nil }
        }
        // Outside the lock: if this is the last reference to a queue, its `deinit` takes the lock to unregister.
        for queue in queues { queue.push(entry) }
    }

    /// The last stderr lines of a replica, oldest first.
    public func lastStderr(service: String, replica: Int) -> [String] {
        state.withLock { $0.stderr[Key(service: service, replica: replica)]?.elements ?? [] }
    }

    /// Forgets a replica slot that was scaled away.
    public func forget(service: String, replica: Int) {
        state.withLock { state in
            state.rings[Key(service: service, replica: replica)] = nil
            state.stderr[Key(service: service, replica: replica)] = nil
        }
    }

    /// The recent lines matching `query` (the last `tail` of them), then, when following, every new one.
    public func lines(_ query: LogQuery) -> AsyncStream<LogEntry> {
        let limit = followerBytes
        let queue = state.withLock { state in
            var recent = state.rings.filter { query.matches(service: $0.key.service, replica: $0.key.replica) }
                .flatMap(\.value.elements)
            recent.sort { $0.time < $1.time }
            if let tail = query.tail { recent = Array(recent.suffix(tail)) }
            let id = state.nextFollower
            state.nextFollower += 1
            let queue = FollowerQueue(buffer: FollowerBuffer(limitBytes: limit, backlog: recent)) { [weak self] in
                self?.state.withLock { _ = $0.followers.removeValue(forKey: id) }
            }
            if query.follow {
                state.followers[id] = Follower(query: query, queue: queue)
            } else {
                queue.finish()
            }
            return queue
        }
        return queue.stream
    }

    /// How many followers are registered (their streams are alive).
    public var followerCount: Int {
        state.withLock { $0.followers.count }
    }

    /// Ends every follower's stream (daemon shutdown).
    public func finishAll() {
        let queues = state.withLock { state in
            defer { state.followers.removeAll() }
            return state.followers.values.compactMap(\.queue)
        }
        for queue in queues { queue.finish() }
    }
}

extension LogQuery {
    func matches(service: String, replica: Int) -> Bool {
        if let wanted = self.service, wanted != service { return false }
        if let wanted = self.replica, wanted != replica { return false }
        return true
    }

    func matches(_ entry: LogEntry) -> Bool {
        matches(service: entry.service, replica: entry.replica)
    }
}

/// A fixed-capacity ring buffer that keeps the newest elements.
struct Ring<Element> {
    private var storage: [Element] = []
    private var start = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(min(self.capacity, 64))
    }

    mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[start] = element
            start = (start + 1) % capacity
        }
    }

    var elements: [Element] {
        Array(storage[start...] + storage[..<start])
    }
}

extension Ring: Sendable where Element: Sendable {}
