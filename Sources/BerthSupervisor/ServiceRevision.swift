import BerthManifest
import BerthSupervisorCore

/// One version of a service's spec, numbered: what a replica's process runs. A rollout moves a service's replicas
/// from one revision to the next; the numbers are shown as `generation` in `berth status`.
struct ServiceRevision: Sendable {
    var spec: ServiceSpec
    var policy: ReplicaPolicy
    /// The check behind readiness: the manifest's `ready`, or a TCP connect to the port when there is none.
    var readyCheck: ProbeSpec?
    var generation: Int
    /// The fingerprint of the service's last successful `build:` when this revision was made (see
    /// `Supervisor.builtFingerprint`); nil without a build.
    var builtFingerprint: String?

    init(spec: ServiceSpec, generation: Int, drainBeforeStop: Bool) {
        self.spec = spec
        self.generation = generation
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
}
