extension WatchMachine {
    public mutating func handle(_ event: Event, at now: Instant) -> [Action] {
        switch (state, event) {
        case (.idle, .changed(let paths)), (.settling, .changed(let paths)):
            remember(paths)
            let deadline = now + debounce
            state = .settling(deadline: deadline)
            return [.schedule(at: deadline)]
        case (.building, .changed(let paths)):
            remember(paths)
            state = .building(pending: true)
            return []
        case (.rolling, .changed(let paths)):
            remember(paths)
            state = .rolling(pending: true)
            return []
        case (.settling(let deadline), .timer):
            // A timer of an earlier deadline (a change came after it was set) is stale.
            guard now >= deadline else { return [] }
            return start()
        case (.idle, .timer), (.building, .timer), (.rolling, .timer):
            // Stale: a timer set before the last change or before the build started.
            return []
        case (.building(let pending), .buildEnded(let succeeded, let detail)):
            guard succeeded else {
                state = .idle
                let actions: [Action] = [
                    .report(
                        "build failed (\(detail)); the running version keeps serving",
                        failure: true)
                ]
                return pending ? actions + settle(now) : actions
            }
            state = .rolling(pending: pending)
            return [.report("build succeeded (\(detail)); rolling out", failure: false), .rollout]
        case (.rolling(let pending), .rolloutEnded(let succeeded, let detail)):
            state = .idle
            let report: Action =
                succeeded
                ? .report("rolled out: \(detail)", failure: false)
                : .report("rollout failed (\(detail)); the running version keeps serving", failure: true)
            return pending ? [report] + settle(now) : [report]
        case (.idle, .buildEnded), (.settling, .buildEnded), (.rolling, .buildEnded),
            (.idle, .rolloutEnded), (.settling, .rolloutEnded), (.building, .rolloutEnded):
            preconditionFailure("watch: \(event) in state \(state)")
        }
    }

    private mutating func remember(_ paths: [String]) {
        for path in paths where !changed.contains(path) && changed.count < 20 {
            changed.append(path)
        }
    }

    /// Changes that came during the build or rollout: another quiet period, then another build.
    private mutating func settle(_ now: Instant) -> [Action] {
        let deadline = now + debounce
        state = .settling(deadline: deadline)
        return [.schedule(at: deadline)]
    }

    private mutating func start() -> [Action] {
        let paths = changed
        changed = []
        if hasBuild {
            state = .building(pending: false)
            return [.build(changed: paths)]
        }
        state = .rolling(pending: false)
        return [.report("changed: \(paths.joined(separator: ", ")); rolling out", failure: false), .rollout]
    }
}
