import Testing

@testable import BerthSupervisorCore

/// A revision for service-level tests: a policy and a generation, with an optional base port.
struct TestRevision: ReplicaTemplate {
    var policy = ReplicaPolicy(backoff: exactBackoff)
    var generation = 1
    var basePort: Int?

    func fixedPort(index: Int) -> Int? { basePort.map { $0 + index } }
}

/// Plays the supervisor for a `ServiceMachine` with no processes: carries out its actions in queue order, answers
/// every spawn with a new pid at once, and lets the test decide when a signalled process exits.
struct ServiceDriver {
    typealias Machine = ServiceMachine<TestRevision>

    var service: Machine
    var clock = ManualClock()
    var nextPID: Int32 = 100
    /// Slots whose replica was removed, in order.
    var removed: [Int] = []
    var ticks: [ContinuousClock.Instant] = []
    var finished: [RolloutMachine.Outcome] = []
    /// Processes signalled to stop, by pid, not exited yet.
    var signalled: Set<Int32> = []
    /// Slots whose process was declared hung.
    var hung: [Int] = []

    init(desired: Int, revision: TestRevision = TestRevision(), state: Machine.State = .stopped) {
        service = Machine(revision: revision, desired: desired, state: state)
    }

    /// Runs `actions`, then reconciles like the supervisor until nothing changes.
    mutating func run(_ actions: [Machine.Action]) {
        var queue = actions
        repeat {
            while !queue.isEmpty {
                queue += carryOut(queue.removeFirst())
            }
            service.updateAchieved()
            queue = service.removeRestedSlots(at: clock.now)
        } while !queue.isEmpty
    }

    /// Starts a stopped service whose dependencies are met.
    mutating func up() {
        service.want()
        run(service.activate(dependenciesMet: true))
    }

    /// The process of slot `id` exits with `info`.
    mutating func exit(slot id: Int, _ info: ExitInfo = killed) {
        if let pid = service.slot(id)?.machine.process?.pid { signalled.remove(pid) }
        run([.deliver(.exited(info), slot: id)])
    }

    /// Every process signalled so far exits (not those signalled as a consequence).
    mutating func exitSignalled() {
        let pids = signalled
        let slots = service.slots.filter { $0.machine.process.map { pids.contains($0.pid) } ?? false }
        for slot in slots {
            exit(slot: slot.id, cleanExit)
        }
    }

    private mutating func carryOut(_ action: Machine.Action) -> [Machine.Action] {
        switch action {
        case .deliver(let event, let slot):
            return deliver(event, slot: slot)
        case .slotRemoved(let slot, _, _):
            removed.append(slot)
        case .scheduleRolloutTick(let at):
            ticks.append(at)
        case .rolloutFinished(let outcome, _, _):
            finished.append(outcome)
        }
        return []
    }

    private mutating func deliver(_ event: ReplicaEvent, slot id: Int) -> [Machine.Action] {
        guard let actions = service.handle(event, slot: id, at: clock.now) else { return [] }
        var follow: [Machine.Action] = []
        for action in actions {
            switch action {
            case .spawn:
                nextPID += 1
                // Answered before anything else reaches the replica, as the supervisor does.
                follow += deliver(.spawned(pid: nextPID), slot: id)
            case .signalStop(let pid):
                signalled.insert(pid)
            case .drain(let incarnation):
                follow += deliver(.drained(incarnation: incarnation), slot: id)
            case .hung:
                hung.append(id)
            case .killGroup, .schedule, .probe, .readinessChanged:
                break
            }
        }
        return service.observeReplacement(event, slot: id, at: clock.now) + follow
    }

    /// (index, generation, role) of every slot, in order.
    var layout: [String] {
        service.slots.map { "\($0.index)g\($0.revision.generation):\($0.role)" }
    }

    var readyIndexes: [Int] {
        service.current.filter(\.machine.isReady).map(\.index)
    }
}
