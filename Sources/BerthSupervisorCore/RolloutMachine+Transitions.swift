extension RolloutMachine {
    /// Feeds one event; returns what to do, in order.
    public mutating func handle(_ event: Event, at now: Instant) -> [Action] {
        guard !isFinished else { return [] }
        var actions: [Action] = []
        switch event {
        case .begin:
            break
        case .replacementReady(let index):
            switch steps[index] {
            case .surging(let target, _):
                steps[index] = .retiring(target)
                actions.append(.promote(index))
            case .startingInPlace(let target, _):
                steps[index] = .settled(runs: target)
                actions.append(.promote(index))
            case .waiting, .retiring, .stoppingOld, .aborting, .settled, nil:
                break  // A late report about a replacement that was already dealt with.
            }
        case .replacementFailed(let index, let reason):
            actions += replacementFailed(index, reason: reason, now: now)
        case .stopped(let index):
            switch steps[index] {
            case .retiring(let target):
                steps[index] = .settled(runs: target)
            case .stoppingOld(let target):
                actions += startInPlace(index, target, now: now)
            case .aborting(let runs, let restart):
                if let restart {
                    actions += startInPlace(index, restart, now: now)
                } else {
                    steps[index] = .settled(runs: runs)
                }
            case .waiting, .surging, .startingInPlace, .settled, nil:
                break
            }
        case .tick:
            for index in order {
                switch steps[index] {
                case .surging(_, let deadline), .startingInPlace(_, let deadline):
                    if deadline <= now {
                        let reason = "not ready within \(Self.format(options.readyTimeout))"
                        actions += replacementFailed(index, reason: reason, now: now)
                    }
                case .waiting, .retiring, .stoppingOld, .aborting, .settled, nil:
                    break
                }
            }
        }
        return actions + advance(now: now)
    }

    private mutating func replacementFailed(_ index: Int, reason: String, now: Instant) -> [Action] {
        var actions: [Action] = []
        switch steps[index] {
        case .surging(let target, _):
            // The process it was meant to replace still serves.
            steps[index] = .aborting(runs: target == .new ? .old : .new, restart: nil)
            if target == .old { abandonedRollbacks.insert(index) }
            actions.append(.abandon(index))
        case .startingInPlace(let target, _):
            switch target {
            case .new:
                // Nothing else serves this index: bring the old spec back in its place.
                steps[index] = .aborting(runs: .old, restart: .old)
                actions.append(.abandon(index))
            case .old:
                // Rolling back in place failed too: keep it, its own restart policy takes over.
                steps[index] = .settled(runs: .old)
                actions.append(.promote(index))
            }
        case .waiting, .retiring, .stoppingOld, .aborting, .settled, nil:
            return []  // Already promoted (its restart policy handles it) or no longer relevant.
        }
        if case .rolling = phase {
            actions += startRollback(reason: "replica \(index): \(reason)")
        }
        return actions
    }

    /// Turns every step towards the old spec.
    private mutating func startRollback(reason: String) -> [Action] {
        phase = .rollingBack(reason: reason)
        var actions: [Action] = []
        for index in order {
            switch steps[index] {
            case .waiting(let runs):
                steps[index] = .settled(runs: runs)
            case .surging(.new, _):
                steps[index] = .aborting(runs: .old, restart: nil)
                actions.append(.abandon(index))
            case .startingInPlace(.new, _):
                steps[index] = .aborting(runs: .old, restart: .old)
                actions.append(.abandon(index))
            case .stoppingOld(.new):
                steps[index] = .stoppingOld(.old)
            case .surging(.old, _), .startingInPlace(.old, _), .stoppingOld(.old), .retiring, .aborting, .settled, nil:
                break  // Replicas already on the new spec are replaced again by `advance`.
            }
        }
        return actions
    }

    private mutating func startInPlace(_ index: Int, _ target: Target, now: Instant) -> [Action] {
        let deadline = now + options.readyTimeout
        steps[index] = .startingInPlace(target, deadline: deadline)
        return [.startInPlace(index, target), .schedule(at: deadline)]
    }

    /// Starts what the limits allow, and finishes once nothing is in progress and nothing is left to replace.
    private mutating func advance(now: Instant) -> [Action] {
        guard !isFinished else { return [] }
        let goal = self.goal
        var beside = 0
        var inPlace = 0
        for step in steps.values {
            switch step {
            case .surging, .retiring, .aborting(_, nil): beside += 1
            case .stoppingOld, .startingInPlace, .aborting(_, .some): inPlace += 1
            case .waiting, .settled: break
            }
        }
        var actions: [Action] = []
        for index in order where !abandonedRollbacks.contains(index) {
            let runs: Target
            switch steps[index] {
            case .waiting(let target), .settled(let target): runs = target
            case .surging, .retiring, .stoppingOld, .startingInPlace, .aborting, nil: continue
            }
            guard runs != goal else { continue }
            if beside < options.besideLimit {
                beside += 1
                let deadline = now + options.readyTimeout
                steps[index] = .surging(goal, deadline: deadline)
                actions += [.startBeside(index, goal), .schedule(at: deadline)]
            } else if inPlace < options.inPlaceLimit {
                inPlace += 1
                steps[index] = .stoppingOld(goal)
                actions.append(.stopServing(index))
            } else {
                return actions
            }
        }
        let busy = steps.values.contains { step in
            switch step {
            case .settled: false
            case .waiting(let runs): runs != goal
            case .surging, .retiring, .stoppingOld, .startingInPlace, .aborting: true
            }
        }
        guard !busy else { return actions }
        let outcome: Outcome
        switch phase {
        case .rolling:
            outcome = .completed
        case .rollingBack(let reason):
            let incomplete = order.filter { steps[$0] == .settled(runs: .new) }
            outcome = .rolledBack(reason: reason, incomplete: incomplete)
        case .finished:
            return actions
        }
        phase = .finished(outcome)
        return actions + [.finished(outcome)]
    }

    static func format(_ duration: Duration) -> String {
        let milliseconds = Int((duration.seconds * 1000).rounded())
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}
