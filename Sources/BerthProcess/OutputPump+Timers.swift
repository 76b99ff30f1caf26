import BerthSystem
import CBerthShim

/// Timers on the pump's epoll thread (`ReadinessLoop.after`): a probe's next round is armed here by the probe that
/// just ended, so that steady-state probing wakes only this thread (no supervisor timer, no task per probe).
extension OutputPump {
    func after(_ deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () -> Void) {
        timers.withLock { $0.insert(body, at: deadline) }
        let wakeEarlier = watchers.withLock { table in
            guard table.plannedWake.map({ deadline < $0 }) ?? true else { return false }
            table.plannedWake = deadline
            return true
        }
        if wakeEarlier { berth_eventfd_signal(wakeFD) }
    }

    /// Runs the timers that are due, outside the lock (a body may arm the next one).
    func fireTimers() {
        let now = ContinuousClock.now
        let due = timers.withLock { heap -> [@Sendable () -> Void] in
            guard let earliest = heap.earliest, earliest <= now else { return [] }
            return heap.popDue(at: now)
        }
        for body in due { body() }
    }
}
