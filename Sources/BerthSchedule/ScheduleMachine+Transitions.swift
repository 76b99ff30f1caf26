extension ScheduleMachine {
    /// Feeds one event at `now` and returns what to do, in order.
    public mutating func handle(_ event: Event, at now: WallTime) -> [Action] {
        switch event {
        case .started(let remembered):
            return started(lastRun: remembered, now: now)
        case .timer:
            return timer(now: now)
        case .runNow:
            return due(.manual, now: now)
        case .runEnded:
            // A run that ends after `replace` stopped it, or twice for one run, must not go below zero.
            running = max(0, running - 1)
            return []
        }
    }

    private mutating func started(lastRun remembered: WallTime?, now: WallTime) -> [Action] {
        lastRun = remembered
        var actions: [Action] = []
        if let remembered, let missed = firstRun(after: remembered), missed <= now {
            // Missed while the daemon was down: one run at most, however many were missed.
            if let deadline = spec.startingDeadline, now - missed <= deadline {
                actions += due(.missed(due: missed), now: now)
            } else {
                actions.append(.missed(due: missed))
            }
        }
        nextRun = following(now, previous: lastRun)
        if let nextRun { actions.append(.wake(at: nextRun)) }
        return actions
    }

    private mutating func timer(now: WallTime) -> [Action] {
        guard let due = nextRun else { return [] }
        guard now >= due else {
            // Woken early (sleeps are bounded so that wall-clock jumps are noticed): sleep again.
            return [.wake(at: due)]
        }
        nextRun = following(now, previous: due)
        var actions = self.due(.scheduled(due: due), now: now)
        if let nextRun { actions.append(.wake(at: nextRun)) }
        return actions
    }

    /// A run is due now: start it, or what `concurrency` says when one is running.
    private mutating func due(_ reason: Reason, now: WallTime) -> [Action] {
        guard running > 0 else {
            running = 1
            lastRun = now
            return [.run(reason), .persist(lastRun: now)]
        }
        switch spec.concurrency {
        case .forbid:
            return [.skipped(reason)]
        case .replace:
            lastRun = now
            return [.replace(reason), .persist(lastRun: now)]
        case .allow:
            guard running < spec.maxConcurrent else { return [.atLimit(reason, running: running)] }
            running += 1
            lastRun = now
            return [.run(reason), .persist(lastRun: now)]
        }
    }

    /// The first run the trigger gives after a run at `run`.
    private func firstRun(after run: WallTime) -> WallTime? {
        switch spec.trigger {
        case .cron(let expression, _): return expression.nextRun(after: run, in: zone)
        case .every(let interval): return run + interval
        }
    }

    /// The next run after `now`. An interval keeps its grid (counted from `previous`, the last due time or run),
    /// skipping points that passed while the daemon was late or down; cron asks the expression.
    private func following(_ now: WallTime, previous: WallTime?) -> WallTime? {
        switch spec.trigger {
        case .cron(let expression, _):
            return expression.nextRun(after: now, in: zone)
        case .every(let interval):
            guard let previous else { return now + interval }
            let step = max(interval.wholeMilliseconds, 1)
            let elapsed = now.milliseconds - previous.milliseconds
            let steps = elapsed < 0 ? 1 : elapsed / step + 1
            return WallTime(milliseconds: previous.milliseconds + steps * step)
        }
    }
}
