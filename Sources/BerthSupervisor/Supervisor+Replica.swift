public import BerthControlProtocol
import BerthSupervision

extension Supervisor {
    /// Starts, stops or restarts one replica of a running service (`berth stop web.1`, the dashboard's buttons).
    ///
    /// A stopped replica is *held*: resizing, rolling restarts and rollouts leave it stopped, and its service still
    /// counts as ready without it, until it (or the whole service) is started again. It keeps its index, so the
    /// replica indexes stay contiguous and a later start gives it back its `BERTH_REPLICA` and (fixed) port.
    func replica(
        _ service: String, _ index: Int, _ action: ReplicaOperation, timeout: Duration?
    ) async throws(ControlAPIError) -> OperationResponse {
        guard let runtime = services[service] else { throw ControlAPIError.unknownService(service) }
        let label = "\(service).\(index)"
        guard runtime.enabled else {
            throw ControlAPIError.conflict("\(service) is stopped: start the service with `berth start \(service)`")
        }
        guard runtime.active else {
            throw ControlAPIError.conflict("\(service) has not started yet (it waits for its dependencies)")
        }
        guard runtime.rollout == nil else {
            throw ControlAPIError.conflict("a rollout of \(service) is in progress; try again once it has finished")
        }
        guard var position = runtime.servingPosition(index: index), !runtime.slots[position].removing else {
            let count = runtime.desired
            throw ControlAPIError.notFound(
                "\(service) has no replica \(index) (it has \(count) replica\(count == 1 ? "" : "s"): "
                    + (count == 0 ? "none" : "0 to \(count - 1)") + ")")
        }
        switch action {
        case .stop:
            let wasHeld = services[service]!.slots[position].held
            services[service]!.slots[position].held = true
            if !wasHeld {
                logEvent("held", service: service, replica: index, message: "stopped on request; stays stopped")
            }
            deliver(.stop, service: service, slot: services[service]!.slots[position].id)
            reconcile()
            return await wait(for: .replicaStopped(service, index), timeout: timeout, success: "\(label) stopped")
        case .start, .restart:
            if services[service]!.slots[position].held {
                position = releaseHold(service, position: position)
            }
            let id = services[service]!.slots[position].id
            deliver(action == .start ? .start : .restart, service: service, slot: id)
            reconcile()
            let verb = action == .start ? "started" : "restarted"
            return await wait(for: .replicaReady(service, index), timeout: timeout, success: "\(label) \(verb)")
        }
    }

    /// Clears every hold of a service (`berth start SERVICE`): its stopped replicas start with the next resize.
    func releaseHolds(_ service: String) {
        guard let slots = services[service]?.slots else { return }
        for slot in slots where slot.held {
            if let position = services[service]!.slotPosition(slot.id) {
                _ = releaseHold(service, position: position)
            }
        }
    }

    /// Clears one hold; returns the position of the slot that now serves the index. A held replica that a rollout
    /// passed over still has the old spec: it is replaced by a fresh slot with the service's current one (its
    /// fixed port is recomputed from the index, `port: auto` picks a new port).
    private func releaseHold(_ service: String, position: Int) -> Int {
        let slot = services[service]!.slots[position]
        services[service]!.slots[position].held = false
        let current = services[service]!.revision
        guard slot.revision.generation != current.generation, slot.machine.isAtRest else { return position }
        services[service]!.slots.remove(at: position)
        cancelTimers(service: service, slot: slot.id)
        stateDirty = true
        let id = addSlot(service, index: slot.index, revision: current)
        return services[service]!.slotPosition(id)!
    }
}
