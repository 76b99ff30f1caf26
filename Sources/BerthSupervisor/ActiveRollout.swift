import BerthSupervision

/// A rollout in progress on one service: its planner, the two revisions it moves between, and the events waiting
/// to be fed to the planner (actions can cause events; they are fed one at a time, in order).
struct ActiveRollout: Sendable {
    var machine: RolloutMachine
    var old: ServiceRevision
    var new: ServiceRevision
    var timers: [Task<Void, Never>] = []
    var pending: [RolloutMachine.Event] = []
    var feeding = false

    func revision(_ target: RolloutMachine.Target) -> ServiceRevision {
        switch target {
        case .new: new
        case .old: old
        }
    }

    /// "generation 3: 1 of 4 replaced", or "rolling back (replica 0: not ready within 5s)".
    var progress: String {
        switch machine.phase {
        case .rolling:
            let done = machine.steps.values.filter { $0 == .settled(runs: .new) }.count
            return "generation \(new.generation): \(done) of \(machine.steps.count) replaced"
        case .rollingBack(let reason):
            return "rolling back to generation \(old.generation) (\(reason))"
        case .finished:
            return "finished"
        }
    }
}
