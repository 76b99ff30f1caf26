import BerthSupervisorCore

/// One replica slot of a service at run time: its state machine, its role and hold, its revision and port.
typealias ReplicaSlot = ServiceMachine<ServiceRevision>.Slot

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
