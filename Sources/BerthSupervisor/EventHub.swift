public import BerthControlProtocol
import Synchronization

/// Keeps the daemon's recent events and fans new ones out to subscribers (`GET /v1/events`, `berth events`,
/// `berth status --watch`, the dashboard).
///
/// Like `LogHub`, a lock-protected ring off the supervisor actor: publishing is cheap and never waits for a
/// subscriber. A subscriber that cannot keep up loses the oldest events rather than growing the daemon's memory.
public final class EventHub: Sendable {
    private struct State {
        var recent: Ring<DaemonEvent>
        var subscribers: [Int: AsyncStream<DaemonEvent>.Continuation] = [:]
        var nextSubscriber = 0
        var nextSequence = 1
    }

    private let state: Mutex<State>

    public init(capacity: Int = 200) {
        state = Mutex(State(recent: Ring(capacity: capacity)))
    }

    /// Numbers the event, keeps it (except `rates` samples, which are news only once) and hands it to every
    /// subscriber.
    @discardableResult
    public func publish(_ event: DaemonEvent) -> DaemonEvent {
        state.withLock { state in
            var event = event
            event.sequence = state.nextSequence
            state.nextSequence += 1
            if event.kind != .rates { state.recent.append(event) }
            for subscriber in state.subscribers.values { subscriber.yield(event) }
            return event
        }
    }

    /// The kept events, oldest first.
    public func recent(_ count: Int = .max) -> [DaemonEvent] {
        state.withLock { Array($0.recent.elements.suffix(count)) }
    }

    public var hasSubscribers: Bool {
        state.withLock { !$0.subscribers.isEmpty }
    }

    /// Signalled at every new subscriber: what waits for someone to follow (the `rates` ticker) sleeps on it.
    public let subscribed = Wakeup()

    /// The last `tail` kept events, then every new one until the consumer stops iterating.
    public func subscribe(tail: Int) -> AsyncStream<DaemonEvent> {
        let (stream, continuation) = AsyncStream<DaemonEvent>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        state.withLock { state in
            for event in state.recent.elements.suffix(tail) { continuation.yield(event) }
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = continuation
            continuation.onTermination = { [weak self] _ in
                self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
            }
        }
        subscribed.signal()
        return stream
    }

    /// Ends every subscriber's stream (daemon shutdown).
    public func finishAll() {
        let subscribers = state.withLock { state in
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
