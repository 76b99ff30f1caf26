public import BerthControlProtocol
import Synchronization

/// Keeps the recent output of every replica and fans new lines out to followers (`berth logs -f`, `berth up`).
///
/// Lines arrive on the launcher's reader thread, many per second for a chatty service; a lock-protected ring per
/// replica keeps them off the supervisor actor. Followers get a bounded buffer: one that cannot keep up loses the
/// oldest lines rather than growing the daemon's memory.
public final class LogHub: Sendable {
    private struct Key: Hashable {
        var service: String
        var replica: Int
    }

    private struct Follower {
        var query: LogQuery
        var continuation: AsyncStream<LogEntry>.Continuation
    }

    private struct State {
        var rings: [Key: Ring<LogEntry>] = [:]
        var stderr: [Key: Ring<String>] = [:]
        var followers: [Int: Follower] = [:]
        var nextFollower = 0
    }

    private let state = Mutex(State())
    private let linesPerReplica: Int

    public init(linesPerReplica: Int = 1000) {
        self.linesPerReplica = linesPerReplica
    }

    public func append(_ entry: LogEntry) {
        state.withLock { state in
            let key = Key(service: entry.service, replica: entry.replica)
            state.rings[key, default: Ring(capacity: linesPerReplica)].append(entry)
            if entry.stream == .stderr {
                state.stderr[key, default: Ring(capacity: 10)].append(entry.line)
            }
            for follower in state.followers.values where follower.query.matches(entry) {
                follower.continuation.yield(entry)
            }
        }
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
        let (stream, continuation) = AsyncStream<LogEntry>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        state.withLock { state in
            var recent = state.rings.filter { query.matches(service: $0.key.service, replica: $0.key.replica) }
                .flatMap(\.value.elements)
            recent.sort { $0.time < $1.time }
            if let tail = query.tail { recent = Array(recent.suffix(tail)) }
            for entry in recent { continuation.yield(entry) }
            if query.follow {
                let id = state.nextFollower
                state.nextFollower += 1
                state.followers[id] = Follower(query: query, continuation: continuation)
                continuation.onTermination = { [weak self] _ in
                    self?.state.withLock { _ = $0.followers.removeValue(forKey: id) }
                }
            } else {
                continuation.finish()
            }
        }
        return stream
    }

    /// Ends every follower's stream (daemon shutdown).
    public func finishAll() {
        let followers = state.withLock { state in
            defer { state.followers.removeAll() }
            return Array(state.followers.values)
        }
        for follower in followers { follower.continuation.finish() }
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
