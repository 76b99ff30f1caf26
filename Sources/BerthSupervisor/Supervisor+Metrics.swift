import BerthSupervisorCore

extension Supervisor {
    /// Records what one delivered event changed: exits by cause, restarts, and the service's replicas by state.
    func recordMetrics(
        _ event: ReplicaEvent, service: String, before: ReplicaMachine.Phase, restartsBefore: Int, slot: ReplicaSlot
    ) {
        switch event {
        case .exited(let info):
            metrics.exited(service: service, cause: Self.exitCause(info, before: before))
        case .execFailed:
            metrics.exited(service: service, cause: .execFailed)
        default:
            break
        }
        metrics.restarted(service: service, count: slot.machine.restarts - restartsBefore)
        if !slot.machine.phase.hasSameOutline(as: before), let slots = services[service]?.slots {
            metrics.replicaStates(service: service, slots: slots)
        }
    }

    static func exitCause(_ info: ExitInfo, before: ReplicaMachine.Phase) -> SupervisorMetrics.ExitCause {
        switch before {
        case .draining, .stopping:
            return .stopped
        case .stopped, .spawning, .running, .backoff, .failed, .completed:
            if info.succeeded { return .success }
            if info.outOfMemory { return .oom }
            return info.description.hasPrefix("killed by") ? .signal : .failure
        }
    }
}
