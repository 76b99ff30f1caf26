import BerthSupervisorCore

/// Work waiting in the supervisor's one queue: an event for one replica. Actions that cause events (a resize
/// starting slots, a rollout stopping one) queue them instead of calling back into the feeding code.
enum QueuedWork: Sendable {
    case replica(ReplicaEvent, service: String, slot: Int)
}
