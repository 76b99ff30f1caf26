import BerthControlProtocol
import BerthManifest
import BerthSupervision
import Logging

extension Supervisor {
    /// Replaces every replica of `name` with one running `spec` as a new generation (see `RolloutMachine`):
    /// a rolling restart when the spec is the same, an update when it changed.
    /// `indexes` are the replicas to replace (all live ones by default).
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
        // A held replica stays stopped: it gets the new spec when it is started again (see `startReplica`).
        let indexes = indexes ?? Set(runtime.current.filter { !$0.held }.map(\.index)).sorted()
        services[name]!.revision = new
        services[name]!.lastRolloutFailure = nil
        services[name]!.rollout = ActiveRollout(
            machine: RolloutMachine(indexes: indexes, options: options), old: old, new: new)
        let replicas = indexes.count == 1 ? "1 replica" : "\(indexes.count) replicas"
        note(name, "rollout_started", "rolling out generation \(new.generation) to \(replicas)")
        rolloutEvent(.begin, service: name)
        reconcile()
    }

    /// Feeds the service's rollout planner one event (queued if it is being fed) and carries out its actions.
    func rolloutEvent(_ event: RolloutMachine.Event, service name: String) {
        guard services[name]?.rollout != nil else { return }
        services[name]!.rollout!.pending.append(event)
        guard !services[name]!.rollout!.feeding else { return }
        services[name]!.rollout!.feeding = true
        while var rollout = services[name]?.rollout, !rollout.pending.isEmpty {
            let next = rollout.pending.removeFirst()
            let actions = rollout.machine.handle(next, at: .now)
            services[name]!.rollout = rollout
            for action in actions { carryOut(action, service: name) }
        }
        services[name]?.rollout?.feeding = false
        // A rollout that finished, promoted or retired changes what waiters and dependants see; reconcile now rather
        // than at the next replica event (which, for a quiet service, may never come).
        reconcile()
    }

    private func carryOut(_ action: RolloutMachine.Action, service name: String) {
        guard let rollout = services[name]?.rollout else { return }
        switch action {
        case .startBeside(let index, let target), .startInPlace(let index, let target):
            let id = addSlot(name, index: index, revision: rollout.revision(target), incoming: true)
            deliver(.start, service: name, slot: id)
        case .stopServing(let index):
            guard let position = services[name]!.servingPosition(index: index) else {
                services[name]!.rollout!.pending.append(.stopped(index))
                return
            }
            retire(name, position: position)
        case .promote(let index):
            guard let position = services[name]!.incomingPosition(index: index) else { return }
            let id = services[name]!.slots[position].id
            services[name]!.slots[position].incoming = false
            let old = services[name]!.slots.firstIndex {
                $0.index == index && $0.id != id && !$0.incoming && !$0.retired
            }
            if let old { retire(name, position: old) }
        case .abandon(let index):
            guard let position = services[name]!.incomingPosition(index: index) else {
                services[name]!.rollout!.pending.append(.stopped(index))
                return
            }
            services[name]!.slots[position].incoming = false
            retire(name, position: position)
        case .schedule(let deadline):
            let timer = Task { [weak self] in
                guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
                await self?.rolloutEvent(.tick, service: name)
            }
            services[name]!.rollout!.timers.append(timer)
        case .finished(let outcome):
            for timer in rollout.timers { timer.cancel() }
            services[name]!.rollout = nil
            switch outcome {
            case .completed:
                note(name, "rollout_completed", "generation \(rollout.new.generation) rolled out")
            case .rolledBack(let reason, let incomplete):
                services[name]!.revision = rollout.old
                var failure = "rolled back to generation \(rollout.old.generation): \(reason)"
                if !incomplete.isEmpty {
                    failure += "; replicas \(incomplete.map(String.init).joined(separator: ", ")) still run "
                        + "generation \(rollout.new.generation)"
                }
                services[name]!.lastRolloutFailure = failure
                note(name, "rolled_back", failure, level: .warning)
            }
            reconcileAgain = true
        }
    }

    /// Drains and stops a slot for good; the planner hears `.stopped` once it is gone (see `removeRestedSlots`).
    private func retire(_ name: String, position: Int) {
        services[name]!.slots[position].retired = true
        services[name]!.slots[position].removing = true
        deliver(.stop, service: name, slot: services[name]!.slots[position].id)
    }

    /// Tells the planner when a replacement became ready or failed.
    func observeReplacement(_ event: ReplicaEvent, service name: String, slot id: Int) {
        guard services[name]?.rollout != nil,
            let slot = services[name]?.slots.first(where: { $0.id == id }), slot.incoming
        else { return }
        switch event {
        case .exited(let info):
            rolloutEvent(.replacementFailed(slot.index, reason: info.description), service: name)
        case .execFailed(let reason), .spawnFailed(let reason), .spawnDeferred(let reason):
            rolloutEvent(.replacementFailed(slot.index, reason: reason), service: name)
        case .start, .stop, .restart, .spawned, .spawnDeferred, .drained, .timer, .probeResult, .gatewayFailures:
            if slot.machine.isReady {
                rolloutEvent(.replacementReady(slot.index), service: name)
            } else if case .failed(let reason) = slot.machine.phase {
                rolloutEvent(.replacementFailed(slot.index, reason: reason), service: name)
            }
        }
    }

    /// Drops a rollout in progress (`stop`, `down`): its replacements stop with the rest of the service.
    func cancelRollout(_ name: String) {
        guard let rollout = services[name]?.rollout else { return }
        for timer in rollout.timers { timer.cancel() }
        services[name]!.rollout = nil
        for position in services[name]!.slots.indices where services[name]!.slots[position].incoming {
            services[name]!.slots[position].incoming = false
            services[name]!.slots[position].retired = true
            services[name]!.slots[position].removing = true
        }
        note(name, "rollout_cancelled", "rollout of generation \(rollout.new.generation) cancelled")
    }

    /// A daemon event about the service's rollout (journal / log files, and the daemon's stderr).
    private func note(_ name: String, _ event: String, _ message: String, level: Logger.Level = .info) {
        // Not `logEvent`: an event without a replica is shown as `berthd | SERVICE: MESSAGE` already.
        logger.log(level: level, "\(message)", metadata: ["event": "\(event)", "service": "\(name)"])
        events.publish(DaemonEvent(time: wallClockNow(), kind: .rollout, service: name, message: message))
    }
}
