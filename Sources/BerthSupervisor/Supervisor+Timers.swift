import BerthSupervisorCore

/// What one of the supervisor's timers is for.
enum SupervisorTimer: Hashable, Sendable {
    /// A replica's timer (backoff, stop timeout, next probe).
    case replica(Supervisor.TimerKey)
    /// A rollout's deadline check.
    case rolloutTick(service: String, at: ContinuousClock.Instant)
    /// An operation's `timeout`.
    case waiterTimeout(id: Int)
    /// Writing the state file (coalesced, or retried after a failure).
    case persist
}

extension Supervisor {
    func schedule(_ key: TimerKey, at deadline: ContinuousClock.Instant) {
        guard case .probe = key.timer, clock.probeGrain > .zero else {
            arm(.replica(key), at: deadline)
            return
        }
        arm(.replica(key), at: Self.roundedUp(deadline, to: clock.probeGrain))
    }

    /// `deadline` moved to the next multiple of `grain` (counted from a fixed origin), so that timers due within one
    /// grain share a deadline and fire on one wake-up.
    static func roundedUp(_ deadline: ContinuousClock.Instant, to grain: Duration) -> ContinuousClock.Instant {
        let offset = (deadline - grainOrigin).nanoseconds
        let step = grain.nanoseconds
        guard step > 0, offset > 0 else { return deadline }
        let rounded = (offset + step - 1) / step * step
        return grainOrigin + .nanoseconds(rounded)
    }

    private static let grainOrigin = ContinuousClock.now

    /// Arms `timer` at `deadline` (moving it if armed). One task sleeps until the earliest deadline of all: arming a
    /// later timer costs no task, an earlier one replaces the sleeper.
    func arm(_ timer: SupervisorTimer, at deadline: ContinuousClock.Instant) {
        timers.set(timer, at: deadline)
        wakeInTime()
    }

    func cancelTimers(service: String, slot id: Int) {
        cancelProbeChains(service: service, slot: id, keeping: nil)
        timers.removeAll { timer in
            guard case .replica(let key) = timer else { return false }
            return key.service == service && key.slot == id
        }
    }

    func cancelRolloutTicks(_ name: String) {
        timers.removeAll { timer in
            guard case .rolloutTick(let service, _) = timer else { return false }
            return service == name
        }
    }

    /// `down`: no replica or rollout timer matters any more (operations still time out).
    func cancelReplicaAndRolloutTimers() {
        for chain in probeChains.values { chain.cancel() }
        probeChains = [:]
        timers.removeAll { timer in
            switch timer {
            case .replica, .rolloutTick: true
            case .waiterTimeout, .persist: false
            }
        }
    }

    /// Makes sure the sleeper wakes by the earliest deadline. A cancelled timer leaves the sleeper as it is: it
    /// wakes for nothing at worst, and sleeps again.
    private func wakeInTime() {
        guard !firingTimers, let next = timers.earliest() else { return }
        if let wake = timerWake, wake <= next { return }
        startSleeper(until: next)
    }

    /// One task sleeps from deadline to deadline for as long as timers are armed; it is replaced only when a timer
    /// is armed earlier than its next wake (rare: most timers are armed later than those pending).
    private func startSleeper(until first: ContinuousClock.Instant) {
        timerSleeper?.cancel()
        timerGeneration += 1
        timerWake = first
        let generation = timerGeneration
        let clock = self.clock
        timerSleeper = Task { [weak self] in
            var deadline = first
            while true {
                do {
                    try await clock.sleep(until: deadline)
                } catch {
                    return
                }
                guard let next = await self?.timersDue(generation) else { return }
                deadline = next
            }
        }
    }

    /// Fires the timers that are due; returns when this sleeper should wake next (nil: it ends, because it was
    /// replaced or no timer is armed).
    private func timersDue(_ generation: Int) -> ContinuousClock.Instant? {
        // A sleeper replaced after it woke: its successor wakes no later and does the work.
        guard generation == timerGeneration else { return nil }
        firingTimers = true
        for timer in timers.popDue(at: clock.now) {
            switch timer {
            case .replica(let key):
                queue.append(.replica(.timer(key.timer), service: key.service, slot: key.slot))
            case .rolloutTick(let service, _):
                rolloutTicked(service)
            case .waiterTimeout(let id):
                timeOut(waiter: id)
            case .persist:
                persistNow()
            }
        }
        drainQueue()
        firingTimers = false
        guard let next = timers.earliest() else {
            timerSleeper = nil
            timerWake = nil
            return nil
        }
        timerWake = next
        return next
    }
}
