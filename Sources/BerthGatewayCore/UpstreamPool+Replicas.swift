extension UpstreamPool {
    /// A replica is ready: it enters rotation, and waiting requests of its service get it (or another ready one).
    public mutating func replicaReady(
        service: String, _ replica: UpstreamBalancer.Replica, now: ContinuousClock.Instant
    ) -> [Action] {
        let service = serviceID(service)
        slots[service].balancer.setReady(replica)
        return wakeWaiters(service, now: now)
    }

    /// A replica left rotation (not ready, draining, gone): its idle connections close; a drain completes once its
    /// in-flight count is zero.
    public mutating func replicaLeft(service name: String, id: Int) -> [Action] {
        let key = ReplicaKey(service: name, id: id)
        var actions: [Action] = []
        if let service = serviceIDs[name] {
            slots[service].balancer.remove(id: id)
            for pooled in slots[service].idle.removeAll(id: id) {
                actions.append(.close(pooled.connection))
            }
        }
        actions += checkDrained(key)
        return actions
    }

    /// Whether replicas of the service are starting; when none is and none is ready, the waiters are failed.
    public mutating func setStarting(service: String, _ starting: Bool) -> [Action] {
        let service = serviceID(service)
        slots[service].starting = starting
        guard !starting, slots[service].balancer.readyCount == 0 else { return [] }
        let waiters = slots[service].waiters
        slots[service].waiters = []
        return waiters.map { .giveUp($0.waiter) }
    }

    /// Takes the replica out of rotation; `.drained` comes (maybe at once) when its in-flight requests have ended.
    public mutating func drain(service: String, id: Int) -> [Action] {
        drains.insert(ReplicaKey(service: service, id: id))
        return replicaLeft(service: service, id: id)
    }

    /// Whether a drain of the replica is still waiting for its in-flight requests.
    public func isDraining(_ key: ReplicaKey) -> Bool { drains.contains(key) }

    /// A try on a replica ended, with the outcome the exchange machine decided (the one place a try is accounted
    /// for): updates passive health, and may report a failure, an ejection, or the end of a drain.
    public mutating func finished(
        service: String, _ replica: UpstreamBalancer.Replica, outcome: UpstreamBalancer.Outcome,
        now: ContinuousClock.Instant
    ) -> [Action] {
        guard let service = serviceIDs[service] else { return [] }
        return finished(serviceID: service, replica, outcome: outcome, now: now)
    }

    /// As `finished(service:_:outcome:now:)`, by the service's id (no name hashed on success).
    public mutating func finished(
        serviceID service: ServiceID, _ replica: UpstreamBalancer.Replica, outcome: UpstreamBalancer.Outcome,
        now: ContinuousClock.Instant
    ) -> [Action] {
        let ejection = slots[service].balancer.finished(
            id: replica.id, generation: replica.generation, outcome: outcome, now: now)
        guard outcome.isFailure || ejection != nil || !drains.isEmpty else { return [] }
        let key = ReplicaKey(service: slots[service].name, id: replica.id)
        var actions: [Action] = []
        let balancer = slots[service].balancer
        if outcome.isFailure, balancer.replica(id: replica.id)?.generation == replica.generation {
            actions.append(
                .failed(
                    key, generation: replica.generation, consecutive: balancer.consecutiveFailures(id: replica.id),
                    outcome: outcome))
        }
        if let ejection {
            let index = balancer.replica(id: replica.id)?.index ?? replica.index
            actions.append(.ejected(key, index: index, ejection))
        }
        actions += checkDrained(key)
        return actions
    }

    private mutating func checkDrained(_ key: ReplicaKey) -> [Action] {
        guard !drains.isEmpty, drains.contains(key) else { return [] }
        let inFlight = serviceIDs[key.service].map { slots[$0].balancer.inFlight(id: key.id) } ?? 0
        guard inFlight == 0 else { return [] }
        drains.remove(key)
        return [.drained(key)]
    }

    /// Gives ready replicas to the waiters in arrival order; a waiter whose only ready replicas are the ones it
    /// already failed on keeps waiting without holding up those behind it.
    private mutating func wakeWaiters(_ service: ServiceID, now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        var index = 0
        while index < slots[service].waiters.count {
            let excluded = Self.stillTried(slots[service].waiters[index].tried, in: slots[service].balancer)
            guard let replica = slots[service].balancer.pick(excluding: excluded, now: now) else {
                if excluded.isEmpty { break }
                index += 1
                continue
            }
            let waiter = slots[service].waiters.remove(at: index).waiter
            slots[service].balancer.started(id: replica.id)
            actions.append(.resume(waiter, takeLease(service: service, replica)))
        }
        return actions
    }
}
