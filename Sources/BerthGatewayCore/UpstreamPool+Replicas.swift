extension UpstreamPool {
    /// A replica is ready: it enters rotation, and waiting requests of its service get it (or another ready one).
    public mutating func replicaReady(
        service: String, _ replica: UpstreamBalancer.Replica, now: ContinuousClock.Instant
    ) -> [Action] {
        declare(service: service)
        services[service]!.balancer.setReady(replica)
        return wakeWaiters(service, now: now)
    }

    /// A replica left rotation (not ready, draining, gone): its idle connections close; a drain completes once its
    /// in-flight count is zero.
    public mutating func replicaLeft(service: String, id: Int) -> [Action] {
        services[service]?.balancer.remove(id: id)
        let key = ReplicaKey(service: service, id: id)
        var actions: [Action] = []
        for pooled in idle.removeValue(forKey: key) ?? [] {
            idleKeys[pooled.connection] = nil
            actions.append(.close(pooled.connection))
        }
        actions += checkDrained(key)
        return actions
    }

    /// Whether replicas of the service are starting; when none is and none is ready, the waiters are failed.
    public mutating func setStarting(service: String, _ starting: Bool) -> [Action] {
        declare(service: service)
        services[service]!.starting = starting
        guard !starting, services[service]!.balancer.readyCount == 0 else { return [] }
        let waiters = services[service]!.waiters
        services[service]!.waiters = []
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
        guard services[service] != nil else { return [] }
        let key = ReplicaKey(service: service, id: replica.id)
        let ejection = services[service]!.balancer.finished(
            id: replica.id, generation: replica.generation, outcome: outcome, now: now)
        var actions: [Action] = []
        let balancer = services[service]!.balancer
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
        guard drains.contains(key), (services[key.service]?.balancer.inFlight(id: key.id) ?? 0) == 0 else { return [] }
        drains.remove(key)
        return [.drained(key)]
    }

    /// Gives ready replicas to the waiters in arrival order; a waiter whose only ready replicas are the ones it
    /// already failed on keeps waiting without holding up those behind it.
    private mutating func wakeWaiters(_ service: String, now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        var index = 0
        while let waiters = services[service]?.waiters, index < waiters.count {
            let excluded = Self.stillTried(waiters[index].tried, in: services[service]!.balancer)
            guard let replica = services[service]!.balancer.pick(excluding: excluded, now: now) else {
                if excluded.isEmpty { break }
                index += 1
                continue
            }
            let waiter = services[service]!.waiters.remove(at: index).waiter
            services[service]!.balancer.started(id: replica.id)
            actions.append(.resume(waiter, takeLease(service: service, replica)))
        }
        return actions
    }
}
