extension ServiceMachine {
    // MARK: Commands

    /// `berth up`, `berth start`: the service should run; it starts once its dependencies allow (see `activate`).
    /// A removed service stays removed.
    public mutating func want() {
        if state == .stopped { state = .waiting }
    }

    /// `berth stop`, `berth down`: the service should not run. Its replicas are stopped by `stopAll`.
    public mutating func unwant() {
        if state != .removed { state = .stopped }
    }

    /// Gone from the manifest: its rollout is dropped, its replicas stop, and it leaves once they are at rest.
    public mutating func remove() -> [Action] {
        _ = cancelRollout()
        state = .removed
        return stopAll()
    }

    /// Starts the service when it waits and `dependenciesMet` (see `DependencyPlanner.canStart`).
    public mutating func activate(dependenciesMet: Bool) -> [Action] {
        guard state == .waiting, dependenciesMet else { return [] }
        state = .active
        return resize()
    }

    /// Makes the slots of an active service match `desired`: missing indexes get a slot that starts, stopped
    /// serving replicas start again (unless held), indexes beyond `desired` stop and leave.
    public mutating func resize() -> [Action] {
        guard state == .active else { return [] }
        var actions: [Action] = []
        // Scaled up over the indexes of overlapping runs: those give their index back (stopped, then removed).
        for position in slots.indices where slots[position].role == .extraRun && slots[position].index < desired {
            slots[position].role = .retired
            actions.append(.deliver(.stop, slot: slots[position].id))
        }
        for index in 0..<desired {
            if let position = servingPosition(index) {
                // Scaled away and back before it stopped: `.start` turns its stop into a restart.
                let wasLeaving = slots[position].role == .scaledAway
                slots[position].role = .serving
                if slots[position].machine.phase == .stopped || wasLeaving, !slots[position].isHeld {
                    actions.append(.deliver(.start, slot: slots[position].id))
                }
            } else if incoming(index: index) == nil {
                actions.append(.deliver(.start, slot: addSlot(index: index, role: .serving, revision: revision)))
            }
        }
        for position in slots.indices
        where slots[position].index >= desired && slots[position].role != .retired
            && slots[position].role != .extraRun
        {
            slots[position].role = slots[position].role == .incoming ? .retired : .scaledAway
            actions.append(.deliver(.stop, slot: slots[position].id))
        }
        return actions
    }

    /// Restarts the serving replicas that `matches` selects in place, with the current revision (`berth restart`
    /// of replicas that serve nothing, beside a rolling restart of those that do).
    public mutating func restartInPlace(where matches: (Slot) -> Bool) -> [Action] {
        var actions: [Action] = []
        for position in slots.indices where slots[position].role == .serving && matches(slots[position]) {
            slots[position].revision = revision
            actions.append(.deliver(.restart, slot: slots[position].id))
        }
        return actions
    }

    /// Sends stop to every slot not at rest and not already stopping for good (idempotent).
    public func stopAll() -> [Action] {
        slots.compactMap { slot in
            switch slot.machine.phase {
            case .stopped, .failed, .completed, .stopping(_, .stay, _), .draining(_, .stay):
                // At rest, or already stopping for good: a stop would change nothing (and `down` reconciles until
                // every service is at rest, so it must not queue events that change nothing).
                return nil
            case .spawning, .running, .backoff, .stopping, .draining:
                return .deliver(.stop, slot: slot.id)
            }
        }
    }

    /// Adds a slot for replica `index` running `revision`; returns its id.
    mutating func addSlot(index: Int, role: Role, revision: Revision) -> Int {
        let id = nextSlotID
        nextSlotID += 1
        insert(Slot(id: id, index: index, role: role, revision: revision))
        return id
    }

    // MARK: Holds

    /// `berth stop web.1`: the replica serving `index` stops and stays stopped. Returns whether it was newly held,
    /// with the actions; nil when no replica serves the index.
    public mutating func hold(index: Int) -> (newlyHeld: Bool, actions: [Action])? {
        guard let position = slots.firstIndex(where: { $0.index == index && $0.role == .serving }) else { return nil }
        let newly = !slots[position].isHeld
        slots[position].hold = .stoppedByUser
        return (newly, [.deliver(.stop, slot: slots[position].id)])
    }

    /// Clears the hold of the replica serving `index`; returns the id of the slot that now serves it. A held replica
    /// that a rollout passed over still has the old spec: it is replaced by a fresh slot with the current one (its
    /// fixed port recomputed from the index, `port: auto` picks a new one).
    public mutating func release(index: Int) -> (slot: Int, actions: [Action])? {
        guard let position = slots.firstIndex(where: { $0.index == index && $0.role == .serving }) else { return nil }
        slots[position].hold = .none
        let slot = slots[position]
        guard slot.revision.generation != revision.generation, slot.machine.isAtRest else { return (slot.id, []) }
        _ = remove { $0.id == slot.id }
        let id = addSlot(index: index, role: .serving, revision: revision)
        return (id, [.slotRemoved(slot: slot.id, index: index, lastOfIndex: false)])
    }

    /// The port `slot` will listen on when it runs next, which `berth status` shows. Its own, except for a held
    /// replica at rest that a rollout passed over: `release(index:)` replaces it with a slot of the current revision,
    /// so it starts on the current spec's port for its index (nil with `port: auto`, which picks one at the spawn).
    public func upcomingPort(of slot: Slot) -> Int? {
        guard slot.isHeld, slot.revision.generation != revision.generation, slot.machine.isAtRest else {
            return slot.port
        }
        return revision.fixedPort(index: slot.index)
    }

    /// `berth start SERVICE`: every hold goes; the stopped replicas start with the next resize.
    public mutating func releaseHolds() -> [Action] {
        slots.filter(\.isHeld).flatMap { release(index: $0.index)?.actions ?? [] }
    }

    // MARK: After each change

    /// Recomputes the latched conditions from the slots. One pass and no copies: it runs after every change.
    public mutating func updateAchieved() {
        guard state == .active else { return }
        var count = 0
        var started = true
        var ready = true
        var completed = true
        for slot in slots where slot.role == .serving {
            count += 1
            // A replica the user stopped on its own does not hold its service back.
            guard !slot.isHeld else { continue }
            let machine = slot.machine
            let done = machine.phase == .completed
            started = started && machine.hasStarted
            ready = ready && (machine.isReady || done)
            completed = completed && done
        }
        guard count == desired else { return }
        if started { achieved.insert(.started) }
        if ready { achieved.insert(.ready) }
        if completed { achieved.insert(.completed) }
    }

    /// Drops the leaving slots that are at rest; a retired one tells the rollout its old process is gone.
    public mutating func removeRestedSlots(at now: Instant) -> [Action] {
        let gone = remove { $0.role.isLeaving && $0.machine.isAtRest }
        guard !gone.isEmpty else { return [] }
        var actions: [Action] = gone.map { slot in
            .slotRemoved(slot: slot.id, index: slot.index, lastOfIndex: !slots.contains { $0.index == slot.index })
        }
        for slot in gone where slot.role == .retired {
            actions += feedRollout(.stopped(slot.index), at: now)
        }
        return actions
    }
}
