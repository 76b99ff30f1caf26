/// The gateway's upstream side as one value: per service a balancer, whether replicas are starting and the
/// requests waiting for one (`queue_timeout`); per replica its idle keep-alive connections and the drains waiting
/// for its in-flight requests to end.
///
/// Pure, like the balancer beside it: the event-loop shell feeds it events with the current instant and runs the
/// actions it returns (close a connection, resume or fail a waiter, complete a drain, log an ejection). An idle
/// connection is handed out synchronously by `acquire`, so a keep-alive request costs no future and no closure.
/// `Connection` is the shell's connection handle, `Waiter` its name for a request waiting for a replica.
public struct UpstreamPool<Connection: Hashable, Waiter: Hashable> {
    /// Limits that `berth reload` may change.
    public struct Settings: Sendable, Equatable {
        /// How long a request waits for a ready replica while one is starting, before 503.
        public var queueTimeout: Duration
        /// Idle keep-alive connections kept per replica; more are closed when released.
        public var maxIdlePerReplica: Int

        public init(queueTimeout: Duration = .seconds(5), maxIdlePerReplica: Int = 128) {
            self.queueTimeout = queueTimeout
            self.maxIdlePerReplica = maxIdlePerReplica
        }
    }

    /// A replica of one service, as a dictionary key.
    public struct ReplicaKey: Hashable, Sendable {
        public var service: String
        public var id: Int

        public init(service: String, id: Int) {
            self.service = service
            self.id = id
        }
    }

    /// A try's replica, and the idle connection to it when the pool had one (else the shell connects).
    public struct Lease: Equatable {
        public var replica: UpstreamBalancer.Replica
        public var connection: Connection?

        public init(replica: UpstreamBalancer.Replica, connection: Connection?) {
            self.replica = replica
            self.connection = connection
        }
    }

    /// What `acquire` decided.
    public enum Acquired: Equatable {
        /// Use this replica now (the try is counted in flight).
        case leased(Lease)
        /// No ready replica now, but one is starting: the request waits until `deadline` (`resume` or `timedOut`).
        /// A `Moment`, not an `Instant` (see `Moment`): this is returned for every request.
        case queued(until: Moment)
        /// No replica to try: `triedAny` tells a service with none ready (503) from one whose every replica this
        /// request already failed on (502).
        case unavailable(triedAny: Bool)
    }

    /// A side effect for the shell to run.
    public enum Action: Equatable {
        /// The waiter gets this replica (already counted in flight).
        case resume(Waiter, Lease)
        /// The waiter waited `queue_timeout` in vain (503).
        case timedOut(Waiter)
        /// No replica is ready and none is starting any more: waiting is pointless (503).
        case giveUp(Waiter)
        case close(Connection)
        /// Every in-flight request of a drained replica ended.
        case drained(ReplicaKey)
        /// A try failed on a replica in rotation, with its failures in a row (for `gateway_failures`).
        case failed(ReplicaKey, generation: Int, consecutive: Int, outcome: UpstreamBalancer.Outcome)
        /// The replica was taken out of rotation for a cool-down (logged by its index, as users know it).
        case ejected(ReplicaKey, index: Int, UpstreamBalancer.Ejection)
    }

    struct QueuedWaiter {
        var waiter: Waiter
        var deadline: Moment
        var tried: [Int: Int]
    }

    struct ServiceState {
        var name: String
        var balancer: UpstreamBalancer
        var starting = false
        var waiters: [QueuedWaiter] = []
        /// Idle keep-alive connections by replica id.
        var idle = IdleLists()
    }

    struct IdleConnection {
        var connection: Connection
        var port: Int
    }

    public var settings: Settings
    /// The `balance` policy of every service's balancer (`setPolicy` changes it on `berth reload`).
    public internal(set) var policy: UpstreamBalancer.Policy
    /// Services by id (see `ServiceID`); `serviceIDs` names them.
    var slots: [ServiceState] = []
    var serviceIDs: [String: ServiceID] = [:]
    var drains: Set<ReplicaKey> = []
    var seed: UInt64

    public init(policy: UpstreamBalancer.Policy, settings: Settings, seed: UInt64 = 0x5EED) {
        self.policy = policy
        self.settings = settings
        self.seed = seed
    }

    /// The balancer of a service (read-only: for `berth status` and tests).
    public func balancer(_ service: String) -> UpstreamBalancer? { serviceIDs[service].map { slots[$0].balancer } }

    /// The services known, routed or told about by the supervisor.
    public var serviceNames: [String] { slots.map(\.name) }

    public func idleCount(_ key: ReplicaKey) -> Int {
        serviceIDs[key.service].map { slots[$0].idle.count(id: key.id) } ?? 0
    }

    public func waiterCount(_ service: String) -> Int { serviceIDs[service].map { slots[$0].waiters.count } ?? 0 }

    /// The earliest waiter deadline, for the shell's timer.
    public var nextDeadline: ContinuousClock.Instant? {
        slots.compactMap { $0.waiters.map(\.deadline).min() }.min()?.instant
    }

    /// Makes sure a routed service has a balancer (so its first requests can wait for it).
    public mutating func declare(service: String) {
        _ = serviceID(service)
    }

    /// The service's id, declaring it if needed: the shell keeps it per route, so that a request hashes no name.
    public mutating func serviceID(_ service: String) -> ServiceID {
        if let id = serviceIDs[service] { return id }
        seed &+= 1
        slots.append(ServiceState(name: service, balancer: UpstreamBalancer(policy: policy, seed: seed)))
        serviceIDs[service] = slots.count - 1
        return slots.count - 1
    }
}

/// A service's place in an `UpstreamPool`, given by `serviceID(_:)` and stable for the pool's life (services are
/// never forgotten: a route removed by a reload leaves an empty slot).
public typealias ServiceID = Int

extension UpstreamPool: Sendable where Connection: Sendable, Waiter: Sendable {}
extension UpstreamPool.Lease: Sendable where Connection: Sendable {}
extension UpstreamPool.Acquired: Sendable where Connection: Sendable {}
extension UpstreamPool.Action: Sendable where Connection: Sendable, Waiter: Sendable {}
extension UpstreamPool.ServiceState: Sendable where Connection: Sendable, Waiter: Sendable {}
extension UpstreamPool.QueuedWaiter: Sendable where Waiter: Sendable {}
extension UpstreamPool.IdleConnection: Sendable where Connection: Sendable {}
