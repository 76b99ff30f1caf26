/// Picks a ready replica of one service for each request, and tracks in-flight counts and passive health.
///
/// A pure state machine: the gateway tells it which replicas are ready (from supervisor events), which request
/// started and how each finished, with the current instant; it answers which replica to use and whether one was
/// ejected. Ejection: `failureThreshold` consecutive failures take a replica out of rotation for a cool-down that
/// starts at `initialCooldown` and doubles up to `maxCooldown`; once it passed, the replica is tried again
/// (half-open) and one success clears its record. The last ready replica that is not ejected is never ejected.
public struct UpstreamBalancer: Sendable {
    public enum Policy: String, Sendable, CaseIterable {
        case roundRobin = "round_robin"
        case leastConn = "least_conn"
        case p2c
    }

    /// One replica of the service, as the supervisor knows it.
    public struct Replica: Sendable, Equatable, Hashable {
        /// The replica's slot, unique within the service (during a rollout the old and the new process of one
        /// replica index are two replicas here).
        public var id: Int
        public var port: Int
        /// Increases each time the replica is restarted, so that outcomes of an old process are not held against
        /// the new one.
        public var generation: Int
        /// The replica index users see (`service.N`), for logs.
        public var index: Int

        public init(id: Int, port: Int, generation: Int, index: Int? = nil) {
            self.id = id
            self.port = port
            self.generation = generation
            self.index = index ?? id
        }
    }

    /// How a request on a replica ended.
    public enum Outcome: Sendable, Equatable {
        case success
        case connectFailed
        case resetBeforeResponse
        case timedOut
        case badResponse
        /// The try ended for a reason on the client's or the gateway's side (the client went away or stopped
        /// reading, its body was too large, the route's deadline passed mid-response): it says nothing about the
        /// replica, so it neither counts as a failure nor clears the replica's failures in a row.
        case notJudged

        /// Whether the try counts against the replica (for ejection and `gateway_failures` alike).
        public var isFailure: Bool {
            switch self {
            case .success, .notJudged: false
            case .connectFailed, .resetBeforeResponse, .timedOut, .badResponse: true
            }
        }
    }

    /// A replica taken out of rotation, returned so the caller can log and count it.
    public struct Ejection: Sendable, Equatable {
        public var id: Int
        public var generation: Int
        public var consecutiveFailures: Int
        public var cooldown: Duration
        /// A `Moment`, not an `Instant`: see `Moment` (this travels in the pool's actions).
        var ends: Moment
        public var until: ContinuousClock.Instant { ends.instant }
    }

    struct Entry: Sendable {
        var replica: Replica
        var ready: Bool
        var inFlight = 0
        var consecutiveFailures = 0
        /// A `Moment`, not an `Instant`: an entry of resilient layout made every table operation a generic one.
        var ejectedUntil: Moment?
        /// Ejections in a row without a success in between: the next cool-down is `initial * 2^ejections`.
        var ejections = 0
    }

    /// Changed by `berth reload` (`UpstreamPool.setPolicy`); in-flight counts and ejections are kept.
    public internal(set) var policy: Policy
    public var failureThreshold = 3
    public var initialCooldown = Duration.seconds(1)
    public var maxCooldown = Duration.seconds(30)
    var entries = EntryTable()
    /// Ready ids, ascending, for round robin.
    var rotation: [Int] = []
    var lastPicked: Int?
    var random: SplitMix64

    public init(policy: Policy, seed: UInt64) {
        self.policy = policy
        self.random = SplitMix64(seed: seed)
    }

    /// The replicas in rotation, by id.
    public var readyReplicas: [Replica] { rotation.compactMap { entries[$0]?.replica } }

    public var readyCount: Int { rotation.count }

    /// Whether the replica is ready and in rotation (without building `readyReplicas`).
    public func isInRotation(id: Int) -> Bool { rotation.contains(id) }

    /// The ejected replicas and when their cool-down ends (passed cool-downs included until the next outcome).
    public var ejected: [Int: ContinuousClock.Instant] {
        entries.compactMapValues { $0.ready ? $0.ejectedUntil?.instant : nil }
    }

    public func inFlight(id: Int) -> Int { entries[id]?.inFlight ?? 0 }

    public func consecutiveFailures(id: Int) -> Int { entries[id]?.consecutiveFailures ?? 0 }

    /// The replica as last set ready (or still counting in-flight requests after removal).
    public func replica(id: Int) -> Replica? { entries[id]?.replica }
}
