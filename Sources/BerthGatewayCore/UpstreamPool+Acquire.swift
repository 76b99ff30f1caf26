extension UpstreamPool {
    /// A replica for one try of a request: a ready one not in `tried` (the replicas, with their generation, this
    /// request already failed on; a replica restarted since may be tried again), with an idle connection when one is
    /// pooled. While replicas are starting and none is ready, the request is queued as `waiter`.
    public mutating func acquire(
        service: String, tried: [Int: Int] = [:], waiter: Waiter, now: ContinuousClock.Instant
    ) -> Acquired {
        acquire(serviceID: serviceID(service), tried: tried, waiter: waiter, now: now)
    }

    /// As `acquire(service:tried:waiter:now:)`, by the service's id (no name hashed).
    public mutating func acquire(
        serviceID service: ServiceID, tried: [Int: Int] = [:], waiter: Waiter, now: ContinuousClock.Instant
    ) -> Acquired {
        // Mutated in place (never copied out and back): the balancer's tables are not copied per request.
        let excluded = tried.isEmpty ? [] : Self.stillTried(tried, in: slots[service].balancer)
        if let replica = slots[service].balancer.pick(excluding: excluded, now: now) {
            slots[service].balancer.started(id: replica.id)
            return .leased(takeLease(service: service, replica))
        }
        if slots[service].starting {
            let deadline = Moment(now) + settings.queueTimeout
            slots[service].waiters.append(QueuedWaiter(waiter: waiter, deadline: deadline, tried: tried))
            return .queued(until: deadline)
        }
        return .unavailable(triedAny: !tried.isEmpty)
    }

    /// A ready replica not in `excluding`, by the policy, without counting a try (call `started` when one is sent):
    /// for callers that keep their own connections (HTTP/2 streams).
    public mutating func pick(
        service: String, excluding: Set<Int>, now: ContinuousClock.Instant
    )
        -> UpstreamBalancer.Replica?
    {
        guard let id = serviceIDs[service] else { return nil }
        return pick(serviceID: id, excluding: excluding, now: now)
    }

    /// As `pick(service:excluding:now:)`, by the service's id (no name hashed: HTTP/2 calls carry it in their route).
    public mutating func pick(
        serviceID service: ServiceID, excluding: Set<Int>, now: ContinuousClock.Instant
    )
        -> UpstreamBalancer.Replica?
    {
        slots[service].balancer.pick(excluding: excluding, now: now)
    }

    /// A try was sent to the replica (after `pick`): it counts in flight until `finished`.
    public mutating func started(service: String, id: Int) {
        guard let service = serviceIDs[service] else { return }
        started(serviceID: service, id: id)
    }

    /// As `started(service:id:)`, by the service's id.
    public mutating func started(serviceID service: ServiceID, id: Int) {
        slots[service].balancer.started(id: id)
    }

    /// Whether requests for the service should wait for a replica (some are starting) instead of failing at once.
    public func canWait(service: String) -> Bool { serviceIDs[service].map { slots[$0].starting } ?? false }

    /// Queues a waiter without a try to make first (see `acquire`); `.resume` or `.timedOut` follows.
    public mutating func wait(
        service: String, waiter: Waiter, now: ContinuousClock.Instant
    )
        -> ContinuousClock.Instant
    {
        let service = serviceID(service)
        let deadline = Moment(now) + settings.queueTimeout
        slots[service].waiters.append(QueuedWaiter(waiter: waiter, deadline: deadline, tried: [:]))
        return deadline.instant
    }

    /// The waiter no longer waits (its client left, or its deadline passed first).
    public mutating func cancel(_ waiter: Waiter, service: String) {
        guard let service = serviceIDs[service] else { return }
        cancel(waiter, serviceID: service)
    }

    public mutating func cancel(_ waiter: Waiter, serviceID service: ServiceID) {
        slots[service].waiters.removeAll { $0.waiter == waiter }
    }

    /// Fails the waiters whose `queue_timeout` passed.
    public mutating func expireWaiters(now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        let now = Moment(now)
        for service in slots.indices {
            let waiters = slots[service].waiters
            guard waiters.contains(where: { $0.deadline <= now }) else { continue }
            for waiter in waiters where waiter.deadline <= now { actions.append(.timedOut(waiter.waiter)) }
            slots[service].waiters.removeAll { $0.deadline <= now }
        }
        return actions
    }

    /// Ends a try's connection: pooled for the next request when it can carry one, its replica is still in
    /// rotation and the replica's idle list has room; else closed.
    public mutating func release(
        _ connection: Connection, service: String, replica: UpstreamBalancer.Replica, reusable: Bool
    ) -> [Action] {
        guard let service = serviceIDs[service] else { return [.close(connection)] }
        return release(connection, serviceID: service, replica: replica, reusable: reusable)
    }

    /// As `release(_:service:replica:reusable:)`, by the service's id.
    public mutating func release(
        _ connection: Connection, serviceID service: ServiceID, replica: UpstreamBalancer.Replica, reusable: Bool
    ) -> [Action] {
        let current = slots[service].balancer.replica(id: replica.id)
        let inRotation = current.map { $0.port == replica.port && $0.generation == replica.generation } ?? false
        let ready = slots[service].balancer.isInRotation(id: replica.id)
        guard reusable, inRotation, ready else { return [.close(connection)] }
        // One lookup of the replica's idle list, not two (a count, then an append).
        let idle = IdleConnection(connection: connection, port: replica.port)
        let pooled = slots[service].idle.append(idle, id: replica.id, limit: settings.maxIdlePerReplica)
        return pooled ? [] : [.close(connection)]
    }

    /// An idle connection was closed (by the replica, or after an error): it is no longer handed out. `serviceID`
    /// and `replicaID` are where `release` pooled it (the shell keeps them with the connection, so that neither a
    /// release nor a lease hashes the connection); a connection not idle there is ignored.
    public mutating func closed(_ connection: Connection, serviceID service: ServiceID, replicaID id: Int) {
        guard service < slots.count else { return }
        _ = slots[service].idle.remove(connection, id: id)
    }

    /// As `closed(_:serviceID:replicaID:)` for a caller that does not know where the connection was pooled: it is
    /// looked for among every idle connection.
    public mutating func closed(_ connection: Connection) {
        for service in slots.indices {
            if let id = slots[service].idle.id(of: connection) {
                closed(connection, serviceID: service, replicaID: id)
                return
            }
        }
    }

    /// Every idle connection, for closing at shutdown.
    public mutating func takeAllIdle() -> [Connection] {
        var all: [Connection] = []
        for service in slots.indices {
            all += slots[service].idle.removeAll().map(\.connection)
        }
        return all
    }

    mutating func takeLease(service: ServiceID, _ replica: UpstreamBalancer.Replica) -> Lease {
        while let pooled = slots[service].idle.popLast(id: replica.id) {
            // A connection to an older process of this slot (another port) is never reused.
            if pooled.port == replica.port { return Lease(replica: replica, connection: pooled.connection) }
        }
        return Lease(replica: replica, connection: nil)
    }

    /// The tried replicas that are still the same process (same generation) as when they were tried.
    static func stillTried(_ tried: [Int: Int], in balancer: UpstreamBalancer) -> Set<Int> {
        var excluded = Set<Int>()
        for (id, generation) in tried where balancer.replica(id: id).map({ $0.generation == generation }) ?? true {
            excluded.insert(id)
        }
        return excluded
    }
}
