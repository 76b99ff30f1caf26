extension ServiceMachine {
    /// Replaces the replicas at `indexes` (by default every serving one that is not held) with ones running `new`,
    /// one `RolloutMachine` step at a time. The caller checks that no rollout is in progress.
    public mutating func beginRollout(
        to new: Revision, indexes: [Int]? = nil, options: RolloutMachine.Options, at now: Instant
    ) -> [Action] {
        precondition(rollout == nil, "a rollout is in progress: the caller refuses a second one")
        // A held replica stays stopped: it gets the new spec when it is started again (see `release(index:)`).
        let indexes = indexes ?? Set(current.filter { !$0.isHeld }.map(\.index)).sorted()
        let old = revision
        revision = new
        lastRolloutFailure = nil
        rollout = Rollout(machine: RolloutMachine(indexes: indexes, options: options), old: old, new: new)
        return feedRollout(.begin, at: now)
    }

    /// Feeds the rollout one event and carries out its planner's actions on the slots. Answers the planner needs
    /// at once (a replica that is already gone) are fed in order, from a local list: nothing re-enters.
    public mutating func feedRollout(_ event: RolloutMachine.Event, at now: Instant) -> [Action] {
        var pending = [event]
        var actions: [Action] = []
        while !pending.isEmpty, var current = rollout {
            let planned = current.machine.handle(pending.removeFirst(), at: now)
            rollout = current
            for step in planned {
                actions += carryOut(step, answers: &pending)
            }
        }
        return actions
    }

    private mutating func carryOut(_ step: RolloutMachine.Action, answers: inout [RolloutMachine.Event]) -> [Action] {
        guard let current = rollout else { return [] }
        switch step {
        case .startBeside(let index, let target), .startInPlace(let index, let target):
            let id = addSlot(index: index, role: .incoming, revision: current.revision(target))
            return [.deliver(.start, slot: id)]
        case .stopServing(let index):
            guard let position = servingPosition(index) else {
                answers.append(.stopped(index))
                return []
            }
            return retire(position)
        case .promote(let index):
            guard let position = slots.firstIndex(where: { $0.index == index && $0.role == .incoming }) else {
                return []
            }
            slots[position].role = .serving
            let id = slots[position].id
            guard let old = servingPosition(index, except: id) else { return [] }
            return retire(old)
        case .abandon(let index):
            guard let position = slots.firstIndex(where: { $0.index == index && $0.role == .incoming }) else {
                answers.append(.stopped(index))
                return []
            }
            return retire(position)
        case .schedule(let deadline):
            return [.scheduleRolloutTick(at: deadline)]
        case .finished(let outcome):
            rollout = nil
            switch outcome {
            case .completed:
                return [.rolloutFinished(outcome, generation: current.new.generation, failure: nil)]
            case .rolledBack(let reason, let incomplete):
                revision = current.old
                var failure = "rolled back to generation \(current.old.generation): \(reason)"
                if !incomplete.isEmpty {
                    failure +=
                        "; replicas \(incomplete.map(String.init).joined(separator: ", ")) still run "
                        + "generation \(current.new.generation)"
                }
                lastRolloutFailure = failure
                return [.rolloutFinished(outcome, generation: current.new.generation, failure: failure)]
            }
        }
    }

    /// The position of the slot serving `index` (also when scaled away and still stopping).
    func servingPosition(_ index: Int, except id: Int? = nil) -> Int? {
        slots.firstIndex { $0.index == index && $0.id != id && ($0.role == .serving || $0.role == .scaledAway) }
    }

    /// Drains and stops a slot for good; the planner hears `.stopped` once it is gone (see `removeRestedSlots`).
    private mutating func retire(_ position: Int) -> [Action] {
        slots[position].role = .retired
        return [.deliver(.stop, slot: slots[position].id)]
    }

    /// Tells the rollout when its replacement in slot `id` became ready or failed, after the replica handled `event`.
    public mutating func observeReplacement(_ event: ReplicaEvent, slot id: Int, at now: Instant) -> [Action] {
        guard rollout != nil, let slot = slot(id), slot.role == .incoming else { return [] }
        switch event {
        case .exited(let info):
            return feedRollout(.replacementFailed(slot.index, reason: info.description), at: now)
        case .execFailed(let reason), .spawnFailed(let reason), .spawnDeferred(let reason):
            // A deferred spawn (no free port) fails the replacement too: the old process still serves the index.
            return feedRollout(.replacementFailed(slot.index, reason: reason), at: now)
        case .start, .stop, .restart, .spawned, .drained, .timer, .probeResult, .gatewayFailures:
            if slot.machine.isReady {
                return feedRollout(.replacementReady(slot.index), at: now)
            } else if case .failed(let reason) = slot.machine.phase {
                return feedRollout(.replacementFailed(slot.index, reason: reason), at: now)
            }
            return []
        }
    }

    /// Drops the rollout in progress (`stop`, `down`, removal): its replacements stop with the rest of the service.
    /// Returns it (nil when there was none).
    public mutating func cancelRollout() -> Rollout? {
        guard let cancelled = rollout else { return nil }
        rollout = nil
        for position in slots.indices where slots[position].role == .incoming {
            slots[position].role = .retired
        }
        return cancelled
    }

    /// "generation 3: 1 of 4 replaced", or "rolling back (replica 0: not ready within 5s)".
    public var rolloutProgress: String? {
        guard let rollout else { return nil }
        switch rollout.machine.phase {
        case .rolling:
            let done = rollout.machine.steps.values.filter { $0 == .settled(runs: .new) }.count
            return "generation \(rollout.new.generation): \(done) of \(rollout.machine.steps.count) replaced"
        case .rollingBack(let reason):
            return "rolling back to generation \(rollout.old.generation) (\(reason))"
        case .finished:
            return "finished"
        }
    }
}
