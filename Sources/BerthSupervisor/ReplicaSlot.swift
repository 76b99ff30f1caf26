import BerthSupervision

/// One replica slot of a service at run time: its state machine plus what the I/O layer keeps beside it.
struct ReplicaSlot: Sendable {
    let index: Int
    var machine: ReplicaMachine
    /// The slot's port, kept across restarts (`port: auto` picks it once; a base port gives base+index).
    var port: Int?
    /// Scaled away: removed from the service once at rest.
    var removing = false
    /// What its process sent over sd_notify (services with `ready: { notify: true }` or `health: { watchdog }`).
    var notify = NotifyChecks()

    init(index: Int, policy: ReplicaPolicy, port: Int?) {
        self.index = index
        self.machine = ReplicaMachine(policy: policy, seed: UInt64(truncatingIfNeeded: index &* 7919 &+ 17))
        self.port = port
    }
}

extension ReplicaMachine {
    /// What users see change: state, process and readiness (probe bookkeeping is not news).
    struct Summary: Equatable {
        var state: DisplayState
        var pid: Int32?
        var ready: Bool
    }

    var summary: Summary {
        Summary(state: displayState, pid: process?.pid, ready: isReady)
    }
}
