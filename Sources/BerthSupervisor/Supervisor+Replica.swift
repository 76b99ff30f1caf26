public import BerthControlProtocol
import BerthSupervisorCore

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
        guard runtime.isWanted else {
            throw ControlAPIError.conflict("\(service) is stopped: start the service with `berth start \(service)`")
        }
        guard runtime.isActive else {
            throw ControlAPIError.conflict("\(service) has not started yet (it waits for its dependencies)")
        }
        guard runtime.rollout == nil else {
            throw ControlAPIError.conflict("a rollout of \(service) is in progress; try again once it has finished")
        }
        guard runtime.serving(index: index)?.role == .serving else {
            let count = runtime.desired
            throw ControlAPIError.notFound(
                "\(service) has no replica \(index) (it has \(count) replica\(count == 1 ? "" : "s"): "
                    + (count == 0 ? "none" : "0 to \(count - 1)") + ")")
        }
        switch action {
        case .stop:
            guard let held = services[service]?.hold(index: index) else { break }
            if held.newlyHeld {
                logEvent("held", service: service, replica: index, message: "stopped on request; stays stopped")
            }
            run(held.actions, service: service)
            reconcile()
            return await wait(for: .replicaStopped(service, index), timeout: timeout, success: "\(label) stopped")
        case .start, .restart:
            guard let released = services[service]?.release(index: index) else { break }
            run(released.actions, service: service)
            deliver(action == .start ? .start : .restart, service: service, slot: released.slot)
            reconcile()
            let verb = action == .start ? "started" : "restarted"
            return await wait(for: .replicaReady(service, index), timeout: timeout, success: "\(label) \(verb)")
        }
        throw ControlAPIError.notFound("\(service) has no replica \(index)")
    }

    /// Clears every hold of a service (`berth start SERVICE`): its stopped replicas start with the next resize.
    func releaseHolds(_ service: String) {
        run(services[service]?.releaseHolds() ?? [], service: service)
    }
}
