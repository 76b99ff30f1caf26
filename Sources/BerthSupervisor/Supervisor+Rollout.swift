import BerthControlProtocol
import BerthManifest
import BerthSupervisorCore
import Logging

extension Supervisor {
    /// Replaces every replica of `name` with one running `spec` as a new generation (see `RolloutMachine` and
    /// `ServiceMachine.beginRollout`): a rolling restart when the spec is the same, an update when it changed.
    /// `indexes` are the replicas to replace (all live ones that are not held by default).
    func beginRollout(_ name: String, to spec: ServiceSpec, indexes: [Int]? = nil) throws(ControlAPIError) {
        guard let runtime = services[name] else { throw ControlAPIError.unknownService(name) }
        guard runtime.rollout == nil else { throw ControlAPIError.conflict("a rollout of \(name) is in progress") }
        let old = runtime.revision
        // Drained through the gateway when it routes to the service (a reload may have added or removed its route).
        let routed = manifest.gateway?.routes.contains { $0.service == name } ?? false
        var new = ServiceRevision(spec: spec, generation: old.generation + 1, drainBeforeStop: traffic != nil && routed)
        new.builtFingerprint = Self.builtFingerprint(spec, in: configuration.buildsDirectory)
        let fixedPort = [old.spec.port, spec.port].contains { if case .base = $0 { true } else { false } }
        let options = RolloutMachine.Options(
            maxSurge: spec.rollout.maxSurge,
            maxUnavailable: spec.rollout.maxUnavailable,
            readyTimeout: spec.rollout.readyTimeout,
            canSurge: !fixedPort
        )
        let count = indexes?.count ?? Set(runtime.current.filter { !$0.isHeld }.map(\.index)).count
        let replicas = count == 1 ? "1 replica" : "\(count) replicas"
        note(name, "rollout_started", "rolling out generation \(new.generation) to \(replicas)")
        let actions = services[name]?.beginRollout(to: new, indexes: indexes, options: options, at: clock.now) ?? []
        run(actions, service: name)
        reconcile()
    }

    /// Feeds `.tick` to the service's rollout at `deadline` (its replacements' ready deadlines).
    func scheduleRolloutTick(service name: String, at deadline: ContinuousClock.Instant) {
        arm(.rolloutTick(service: name, at: deadline), at: deadline)
    }

    func rolloutTicked(_ name: String) {
        run(services[name]?.feedRollout(.tick, at: clock.now) ?? [], service: name)
    }

    /// The rollout of `name` ended: its timers go, and the outcome is a daemon event.
    func rolloutFinished(_ name: String, outcome: RolloutMachine.Outcome, generation: Int, failure: String?) {
        cancelRolloutTicks(name)
        switch outcome {
        case .completed:
            note(name, "rollout_completed", "generation \(generation) rolled out")
        case .rolledBack:
            note(name, "rolled_back", failure ?? "rolled back", level: .warning)
        }
    }

    /// Drops a rollout in progress (`stop`, `down`): its replacements stop with the rest of the service.
    func cancelRollout(_ name: String) {
        guard let rollout = services[name]?.cancelRollout() else { return }
        cancelRolloutTicks(name)
        note(name, "rollout_cancelled", "rollout of generation \(rollout.new.generation) cancelled")
    }

    /// A daemon event about the service's rollout (journal / log files, and the daemon's stderr).
    private func note(_ name: String, _ event: String, _ message: String, level: Logger.Level = .info) {
        // Not `logEvent`: an event without a replica is shown as `berthd | SERVICE: MESSAGE` already.
        logger.log(level: level, "\(message)", metadata: ["event": "\(event)", "service": "\(name)"])
        events.publish(DaemonEvent(time: wallClockNow(), kind: .rollout, service: name, message: message))
    }
}
