/// Which hook deliveries run when: a value type fed with events and the current time, returning the attempts to
/// start and the wake-ups to arrange. Each hook is a lane of its own, serial and bounded: a hook that hangs or fails
/// holds back only its own lane, never the supervisor or the other hooks, and a lane that cannot keep up drops its
/// oldest deliveries (said in an action) instead of growing. No I/O, no clock: `HookRunner` is the shell.
public struct HookQueue<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public struct Delivery: Sendable, Equatable {
        public var event: HookEvent
        /// 1 for the first attempt.
        public var attempt: Int
    }

    public enum Action: Sendable, Equatable {
        /// Run one attempt of the lane's hook (at most one per lane at a time).
        case attempt(lane: Int, Delivery)
        /// Call `retryDue(lane:)` at this time.
        case wake(lane: Int, at: Instant)
        /// Delivered (the command exited 0, the URL answered 2xx).
        case delivered(lane: Int, Delivery)
        /// Every attempt failed; `detail` is the last failure.
        case failed(lane: Int, Delivery, detail: String)
        /// The lane's queue was full: this delivery was dropped unsent.
        case dropped(lane: Int, HookEvent)
    }

    struct Lane: Sendable {
        var retries: Int
        var waiting: [Delivery] = []
        var inFlight: Delivery?
        /// A failed attempt waits for its retry until this time.
        var retryAt: Instant?
    }

    var lanes: [Lane]
    /// Deliveries a lane keeps waiting at most (beyond the one in flight).
    public let capacity: Int

    /// One lane per hook, with its retry count.
    public init(retries: [Int], capacity: Int = 32) {
        lanes = retries.map { Lane(retries: $0) }
        self.capacity = capacity
    }

    /// The event is due on these lanes.
    public mutating func enqueue(_ event: HookEvent, lanes indexes: [Int], now: Instant) -> [Action] {
        var actions: [Action] = []
        for lane in indexes where lanes.indices.contains(lane) {
            if lanes[lane].waiting.count >= capacity {
                actions.append(.dropped(lane: lane, lanes[lane].waiting.removeFirst().event))
            }
            lanes[lane].waiting.append(Delivery(event: event, attempt: 1))
            actions += next(lane, now: now)
        }
        return actions
    }

    /// The attempt in flight on `lane` ended.
    public mutating func attemptEnded(lane: Int, success: Bool, detail: String, now: Instant) -> [Action] {
        guard lanes.indices.contains(lane), let delivery = lanes[lane].inFlight else {
            // An attempt that ended twice (a timeout racing the exit): the first answer counted.
            return []
        }
        lanes[lane].inFlight = nil
        if success {
            return [.delivered(lane: lane, delivery)] + next(lane, now: now)
        }
        guard delivery.attempt <= lanes[lane].retries else {
            return [.failed(lane: lane, delivery, detail: detail)] + next(lane, now: now)
        }
        // The retry goes first when its time comes: events of one lane keep their order.
        var retry = delivery
        retry.attempt += 1
        lanes[lane].waiting.insert(retry, at: 0)
        let at = now.advanced(by: Self.backoff(afterAttempt: delivery.attempt))
        lanes[lane].retryAt = at
        return [.wake(lane: lane, at: at)]
    }

    /// A wake-up asked for by `.wake` arrived.
    public mutating func retryDue(lane: Int, now: Instant) -> [Action] {
        guard lanes.indices.contains(lane), let at = lanes[lane].retryAt else { return [] }
        guard now >= at else { return [.wake(lane: lane, at: at)] }
        lanes[lane].retryAt = nil
        return next(lane, now: now)
    }

    private mutating func next(_ lane: Int, now: Instant) -> [Action] {
        guard lanes[lane].inFlight == nil, lanes[lane].retryAt == nil, !lanes[lane].waiting.isEmpty else { return [] }
        let delivery = lanes[lane].waiting.removeFirst()
        lanes[lane].inFlight = delivery
        return [.attempt(lane: lane, delivery)]
    }

    /// 1 s after the first failed attempt, doubling, at most 30 s.
    public static func backoff(afterAttempt attempt: Int) -> Duration {
        .seconds(min(30, 1 << min(max(attempt - 1, 0), 5)))
    }
}

extension HookQueue.Action {
    /// The lane the action concerns (every action concerns one).
    public var lane: Int? {
        switch self {
        case .attempt(let lane, _), .wake(let lane, _), .delivered(let lane, _), .failed(let lane, _, _),
            .dropped(let lane, _):
            lane
        }
    }
}
