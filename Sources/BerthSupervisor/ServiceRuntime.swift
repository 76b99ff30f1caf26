import BerthManifest
import BerthSupervision

/// One service at run time: its spec, how many replicas it should have, whether it should run, and its slots.
struct ServiceRuntime: Sendable {
    var spec: ServiceSpec
    var policy: ReplicaPolicy
    /// The check behind readiness: the manifest's `ready`, or a TCP connect to the port when there is none.
    var readyCheck: ProbeSpec?
    var desired: Int
    /// The user wants it running (`up`, `start`); false after `stop` and during `down`.
    var enabled = true
    /// Its replicas were started (its dependencies were met).
    var active = false
    var slots: [ReplicaSlot] = []
    /// Conditions reached so far; they latch, see `DependencyPlanner`.
    var achieved: Set<DependencyPlanner.Condition> = []

    init(spec: ServiceSpec, drainBeforeStop: Bool = false) {
        self.spec = spec
        self.desired = spec.replicas
        self.readyCheck = spec.ready ?? (spec.notify ? Self.notifyReadyCheck : Self.implicitReadyCheck(spec))
        self.policy = ReplicaPolicy(
            restart: {
                switch spec.restart.policy {
                case .always: .always
                case .onFailure: .onFailure
                case .never: .never
                }
            }(),
            backoff: Backoff(
                initial: spec.restart.backoff.initial,
                max: spec.restart.backoff.max,
                multiplier: spec.restart.backoff.multiplier,
                jitter: spec.restart.backoff.jitter
            ),
            giveUp: .init(restarts: spec.restart.giveUp.restarts, within: spec.restart.giveUp.within),
            resetAfter: spec.restart.resetAfter,
            stopTimeout: spec.stop.timeout,
            ready: readyCheck.map(Self.policy),
            health: spec.health.map(Self.policy),
            gatewayFailureThreshold: spec.gatewayFailures,
            drainBeforeStop: drainBeforeStop
        )
    }

    /// `notify: true` without a `ready` probe: `ready: { notify: true }` with the default timings.
    static let notifyReadyCheck = ProbeSpec(
        check: .notify, interval: ManifestSchema.Defaults.readyInterval, timeout: ManifestSchema.Defaults.readyTimeout)

    /// A replica with a port and no `ready` probe is ready when its port accepts connections.
    private static func implicitReadyCheck(_ spec: ServiceSpec) -> ProbeSpec? {
        guard spec.port != .none else { return nil }
        return ProbeSpec(check: .tcp, interval: .seconds(1), timeout: .seconds(1))
    }

    private static func policy(_ probe: ProbeSpec) -> ProbePolicy {
        ProbePolicy(
            interval: probe.interval,
            timeout: probe.timeout,
            failureThreshold: probe.failureThreshold,
            successThreshold: probe.successThreshold,
            initialDelay: probe.initialDelay
        )
    }

    func slotPosition(_ index: Int) -> Int? {
        slots.firstIndex { $0.index == index }
    }

    /// The live (not scaled-away) slots.
    var current: [ReplicaSlot] { slots.filter { !$0.removing } }

    /// Recomputes the latched conditions from the slots.
    mutating func updateAchieved() {
        let live = current
        guard active, live.count == desired else { return }
        if live.allSatisfy(\.machine.hasStarted) { achieved.insert(.started) }
        if live.allSatisfy({ $0.machine.isReady || $0.machine.phase == .completed }) { achieved.insert(.ready) }
        if live.allSatisfy({ $0.machine.phase == .completed }) { achieved.insert(.completed) }
    }

    var isAtRest: Bool { slots.allSatisfy(\.machine.isAtRest) }
}
