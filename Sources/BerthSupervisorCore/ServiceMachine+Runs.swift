extension ServiceMachine {
    /// The slots a new run of a scheduled job takes, and how they start. The serving replicas, restarted in place,
    /// when every one of them is at rest (the usual case, and the only one with `forbid` or `replace`); otherwise
    /// (`concurrency: allow`, a run in progress) `desired` slots of an overlapping run at indexes beyond `desired`:
    /// extra-run slots at rest are reused first, the lowest free indexes are added after. The schedule bounds how many
    /// runs overlap (`max_concurrent`); this only places them, below `indexLimit`: the manifest and `berth scale`
    /// keep `replicas` times `max_concurrent` within it, so a run gets fewer slots than `desired` only while
    /// scaled-away replicas still hold their indexes. Nil when the service is not active (its first start makes the
    /// run's slots).
    public mutating func beginRun() -> (slots: [Int], actions: [Action])? {
        guard state == .active else { return nil }
        let serving = slots.indices.filter { slots[$0].role == .serving && !slots[$0].isHeld }
        if serving.allSatisfy({ slots[$0].machine.isAtRest }) {
            let actions = restartInPlace { !$0.isHeld }
            return (serving.map { slots[$0].id }, actions)
        }
        var ids: [Int] = []
        var actions: [Action] = []
        for position in slots.indices
        where slots[position].role == .extraRun && slots[position].machine.isAtRest && ids.count < desired {
            slots[position].revision = revision
            // Reused (completed, failed or stopped): `.restart` starts it again with cleared failure counters.
            actions.append(.deliver(.restart, slot: slots[position].id))
            ids.append(slots[position].id)
        }
        var index = desired
        while ids.count < desired, index < Self.indexLimit {
            if !slots.contains(where: { $0.index == index }) {
                let id = addSlot(index: index, role: .extraRun, revision: revision)
                actions.append(.deliver(.start, slot: id))
                ids.append(id)
            }
            index += 1
        }
        return (ids, actions)
    }

    /// Replica indexes stay below this: the control API names `web.0` to `web.999`
    /// (`ControlCommand.maximumReplicas`; audit5: overlapping runs went past it, and `berth logs job.1000` was
    /// refused).
    public static var indexLimit: Int { 1000 }

    /// Whether every one of these slots is at rest (or gone): the run they make has ended.
    public func areAtRest(_ ids: some Sequence<Int>) -> Bool {
        ids.allSatisfy { slot($0)?.machine.isAtRest ?? true }
    }
}
