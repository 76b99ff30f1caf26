import BerthSupervision

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
        arm(.replica(key), at: deadline)
    }

    /// Arms `timer` at `deadline` (moving it if armed). One task sleeps until the earliest deadline of all: arming a
    /// later timer costs no task, an earlier one replaces the sleeper.
    func arm(_ timer: SupervisorTimer, at deadline: ContinuousClock.Instant) {
        timers.set(timer, at: deadline)
        wakeInTime()
    }

    func cancelTimers(service: String, slot id: Int) {
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
        guard let next = timers.earliest() else { return }
        if let wake = timerWake, wake <= next { return }
        timerSleeper?.cancel()
        timerGeneration += 1
        timerWake = next
        let generation = timerGeneration
        let clock = self.clock
        timerSleeper = Task { [weak self] in
            guard (try? await clock.sleep(until: next)) != nil else { return }
            await self?.timersDue(generation)
        }
    }

    private func timersDue(_ generation: Int) {
        if generation == timerGeneration {
            timerSleeper = nil
            timerWake = nil
        }
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
        wakeInTime()
    }
}
