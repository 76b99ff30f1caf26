import BerthSupervision

/// One replica slot of a service at run time: its state machine plus what the I/O layer keeps beside it.
struct ReplicaSlot: Sendable {
    /// Unique within the service (see `ServiceRuntime.nextSlotID`); the gateway knows the replica by it.
    let id: Int
    /// The replica index users see (`service.N`, `BERTH_REPLICA`): a replacement takes its predecessor's.
    let index: Int
    var machine: ReplicaMachine
    /// The spec its process runs.
    var revision: ServiceRevision
    /// The slot's port, kept across restarts (`port: auto` picks it once; a base port gives base+index).
    var port: Int?
    /// Scaled away or retired: removed from the service once at rest.
    var removing = false
    /// Replaced by a rollout (or a replacement abandoned): stopping, then removed.
    var retired = false
    /// A rollout's replacement that is not serving the index yet.
    var incoming = false
    /// Stopped by the user (`berth stop web.1`): stays stopped, skipped by resizing and rollouts, until the replica
    /// or its service is started again. Not kept across a daemon restart (the manifest is the truth then).
    var held = false
    /// What its process sent over sd_notify (services with `ready: { notify: true }` or `health: { watchdog }`).
    var notify = NotifyChecks()

    init(id: Int, index: Int, revision: ServiceRevision, port: Int?) {
        self.id = id
        self.index = index
        self.revision = revision
        self.machine = ReplicaMachine(policy: revision.policy, seed: UInt64(truncatingIfNeeded: id &* 7919 &+ 17))
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
