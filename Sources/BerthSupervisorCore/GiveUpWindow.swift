/// Counts restarts in a sliding time window and says when a crash-looping replica must be given up on.
///
/// `Limit(restarts: 5, within: 60s)` allows five restarts inside any 60-second window; the sixth failure inside the
/// window moves the replica to `failed` instead of restarting it again.
public struct GiveUpWindow: Sendable, Equatable {
    public struct Limit: Sendable, Equatable {
        public var restarts: Int
        public var within: Duration

        public init(restarts: Int, within: Duration) {
            self.restarts = restarts
            self.within = within
        }
    }

    public let limit: Limit
    private(set) var restarts: [ContinuousClock.Instant] = []

    public init(limit: Limit) {
        self.limit = limit
    }

    /// Records a restart at `now` if the limit allows it; returns false (recording nothing) when it does not.
    public mutating func allowRestart(at now: ContinuousClock.Instant) -> Bool {
        restarts.removeAll { now - $0 >= limit.within }
        guard restarts.count < limit.restarts else { return false }
        restarts.append(now)
        return true
    }

    /// Forgets past restarts, e.g. after `berth restart` cleared a failed replica.
    public mutating func reset() {
        restarts.removeAll()
    }

    public var count: Int { restarts.count }
}
