import BerthNotify
import BerthProcess
import BerthSupervisorCore

/// Everything that reaches the supervisor from outside its actor, in arrival order, through one stream: process
/// exits (the reaper's thread), sd_notify messages (the listeners), probe results and drains (child tasks).
/// No input starts a task of its own; the one consumer (see `Supervisor.consumeInputs`) applies them in order and
/// runs the asynchronous work as children of its task group, which ends with the supervisor.
enum SupervisorInput: Sendable {
    case exited(service: String, slot: Int, incarnation: Int, status: ExitStatus)
    case notify(NotifyMessage, NotifyAccess, service: String, slot: Int, incarnation: Int)
    /// An event for a replica answered on a later turn (a probe result, a drain that finished).
    case event(ReplicaEvent, service: String, slot: Int)
    /// Asynchronous work (a probe, a drain through the gateway) that answers with another input.
    case child(@Sendable () async -> Void)
    /// Probe results wait in `probeInbox`, taken in one batch.
    case probeResults
    /// Build the replacement a replica's next exit starts at once (see `RestartHandoff`).
    case prepareRestart(service: String, slot: Int, incarnation: Int)
}

extension Supervisor {
    /// The consumer of `inputs`: started by `init`, ends when the supervisor is released (its deinit finishes the
    /// stream). Holds the supervisor only while it applies one input.
    nonisolated static func consumeInputs(_ stream: AsyncStream<SupervisorInput>, of supervisor: Supervisor) {
        Task { [weak supervisor] in
            await withDiscardingTaskGroup { group in
                for await input in stream {
                    if case .child(let work) = input {
                        group.addTask(operation: work)
                        continue
                    }
                    guard let supervisor else { return }
                    await supervisor.accept(input)
                }
                group.cancelAll()
            }
        }
    }

    private func accept(_ input: SupervisorInput) {
        switch input {
        case .exited(let service, let slot, let incarnation, let status):
            processExited(service: service, slot: slot, incarnation: incarnation, status: status)
        case .notify(let message, let access, let service, let slot, let incarnation):
            notifyReceived(message, from: access, service: service, slot: slot, incarnation: incarnation)
        case .event(let event, let service, let slot):
            deliver(event, service: service, slot: slot)
        case .probeResults:
            for result in probeInbox.take() {
                queue.append(
                    .replica(
                        .probeResult(
                            result.kind, incarnation: result.incarnation, success: result.success,
                            detail: result.detail),
                        service: result.service, slot: result.slot))
            }
            drainQueue()
        case .prepareRestart(let service, let slot, let incarnation):
            prepareRestart(service: service, slot: slot, incarnation: incarnation)
        case .child:
            preconditionFailure("child work is run by the consumer's task group")
        }
    }
}
