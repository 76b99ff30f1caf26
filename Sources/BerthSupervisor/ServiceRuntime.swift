import BerthManifest
import BerthSupervision

/// One service at run time: its spec, how many replicas it should have, whether it should run, and its slots.
struct ServiceRuntime: Sendable {
    /// The spec new replicas get (during a rollout: the one it moves to).
    var revision: ServiceRevision
    var desired: Int
    /// The user wants it running (`up`, `start`); false after `stop` and during `down`.
    var enabled = true
    /// Its replicas were started (its dependencies were met).
    var active = false
    var slots: [ReplicaSlot] = []
    /// Conditions reached so far; they latch, see `DependencyPlanner`.
    var achieved: Set<DependencyPlanner.Condition> = []
    /// The slot id the next slot gets: unique within the service, so that the old and the new process of one
    /// replica index can be told apart (by timers, exits, probes and the gateway) while both run.
    var nextSlotID = 0
    var rollout: ActiveRollout?
    /// How the last rollout ended, for `berth status` (nil once a later one completed).
    var lastRolloutFailure: String?
    /// Gone from the manifest (`berth reload`): dropped once all its replicas are at rest.
    var removed = false

    init(spec: ServiceSpec, drainBeforeStop: Bool = false) {
        self.revision = ServiceRevision(spec: spec, generation: 1, drainBeforeStop: drainBeforeStop)
        self.desired = spec.replicas
    }

    var spec: ServiceSpec { revision.spec }
    var policy: ReplicaPolicy { revision.policy }

    /// The position of the slot with this id.
    func slotPosition(_ id: Int) -> Int? {
        slots.firstIndex { $0.id == id }
    }

    /// The slot serving replica `index` (neither a replacement being started nor one being retired).
    func servingPosition(index: Int) -> Int? {
        slots.firstIndex { $0.index == index && !$0.incoming && !$0.retired }
    }

    /// The replacement of replica `index` a rollout is starting.
    func incomingPosition(index: Int) -> Int? {
        slots.firstIndex { $0.index == index && $0.incoming }
    }

    /// A new slot id.
    mutating func allocateSlotID() -> Int {
        defer { nextSlotID += 1 }
        return nextSlotID
    }

    /// The live slots: neither scaled away nor retired, nor a replacement not promoted yet.
    var current: [ReplicaSlot] { slots.filter { !$0.removing && !$0.incoming } }

    /// Recomputes the latched conditions from the slots.
    /// One pass over the slots and no copies: it runs after every event that changed something.
    mutating func updateAchieved() {
        guard active else { return }
        var count = 0
        var started = true
        var ready = true
        var completed = true
        for slot in slots where !slot.removing && !slot.incoming {
            count += 1
            // A replica the user stopped on its own does not hold its service back.
            guard !slot.held else { continue }
            let machine = slot.machine
            let done = machine.phase == .completed
            started = started && machine.hasStarted
            ready = ready && (machine.isReady || done)
            completed = completed && done
        }
        guard count == desired else { return }
        if started { achieved.insert(.started) }
        if ready { achieved.insert(.ready) }
        if completed { achieved.insert(.completed) }
    }

    var isAtRest: Bool { slots.allSatisfy(\.machine.isAtRest) }
}
