extension UpstreamBalancer {
    /// The replica is ready: it enters rotation, and its ejection and failure record are cleared (the supervisor
    /// knows better than passive health that it works).
    public mutating func setReady(_ replica: Replica) {
        var entry = entries[replica.id] ?? Entry(replica: replica, ready: true)
        entry.replica = replica
        entry.ready = true
        entry.consecutiveFailures = 0
        entry.ejectedUntil = nil
        entry.ejections = 0
        entries[replica.id] = entry
        if !rotation.contains(replica.id) {
            rotation.append(replica.id)
            rotation.sort()
        }
    }

    /// The replica is not ready, draining or gone: it leaves rotation at once; its in-flight count is kept until
    /// those requests finish.
    public mutating func remove(id: Int) {
        rotation.removeAll { $0 == id }
        guard var entry = entries[id] else { return }
        if entry.inFlight == 0 {
            entries[id] = nil
        } else {
            entry.ready = false
            entries[id] = entry
        }
    }

    /// A request was sent to the replica (call after `pick`).
    public mutating func started(id: Int) {
        entries.update(id) { $0.inFlight += 1 }
    }

    /// A request on the replica ended; returns the ejection it caused, if any.
    @discardableResult
    public mutating func finished(id: Int, outcome: Outcome, now: ContinuousClock.Instant) -> Ejection? {
        finished(id: id, generation: nil, outcome: outcome, now: now)
    }

    /// As `finished(id:outcome:now:)`; an outcome of an older generation only ends its in-flight count.
    @discardableResult
    public mutating func finished(
        id: Int,
        generation: Int?,
        outcome: Outcome,
        now: ContinuousClock.Instant
    ) -> Ejection? {
        guard var entry = entries[id] else { return nil }
        entry.inFlight = max(0, entry.inFlight - 1)
        defer {
            if !entry.ready && entry.inFlight == 0 {
                entries[id] = nil
            } else {
                entries[id] = entry
            }
        }
        if let generation, generation != entry.replica.generation { return nil }
        guard entry.ready else { return nil }
        if outcome == .notJudged { return nil }
        guard outcome.isFailure else {
            entry.consecutiveFailures = 0
            entry.ejectedUntil = nil
            entry.ejections = 0
            return nil
        }
        entry.consecutiveFailures += 1
        let now = Moment(now)
        if let until = entry.ejectedUntil, until > now { return nil }
        guard entry.consecutiveFailures >= failureThreshold, hasOtherEligible(than: id, now: now) else { return nil }
        let cooldown = cooldown(afterEjections: entry.ejections)
        entry.ejections += 1
        entry.ejectedUntil = now + cooldown
        return Ejection(
            id: id,
            generation: entry.replica.generation,
            consecutiveFailures: entry.consecutiveFailures,
            cooldown: cooldown,
            ends: now + cooldown
        )
    }

    /// `initialCooldown * 2^ejections`, at most `maxCooldown`.
    func cooldown(afterEjections ejections: Int) -> Duration {
        var cooldown = initialCooldown
        for _ in 0..<min(ejections, 32) {
            cooldown *= 2
            if cooldown >= maxCooldown { return maxCooldown }
        }
        return min(cooldown, maxCooldown)
    }

    func isEligible(_ id: Int, now: Moment) -> Bool {
        guard let entry = entries[id], entry.ready else { return false }
        guard let until = entry.ejectedUntil else { return true }
        return until <= now
    }

    private func hasOtherEligible(than id: Int, now: Moment) -> Bool {
        rotation.contains { $0 != id && isEligible($0, now: now) }
    }
}
