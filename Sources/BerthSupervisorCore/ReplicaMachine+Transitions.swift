extension ReplicaMachine {
    /// Feeds one event at `now` and returns the side effects to carry out, in order.
    public mutating func handle(_ event: ReplicaEvent, at now: Instant) -> [ReplicaAction] {
        switch event {
        case .start: return start(now: now)
        case .stop: return stop(then: .stay, now: now)
        case .restart: return restartCommand(now: now)
        case .spawned(let pid): return spawned(pid: pid, now: now)
        case .spawnFailed(let reason): return spawnFailed(reason: reason)
        case .spawnDeferred(let reason): return spawnDeferred(reason: reason, now: now)
        case .exited(let info): return exited(info, now: now)
        case .execFailed(let reason): return execFailed(reason: reason, now: now)
        case .drained(let incarnation): return drained(incarnation: incarnation, now: now)
        case .timer(let timer): return fired(timer, now: now)
        case .probeResult(let kind, let incarnation, let success, let detail):
            return probeResult(kind, incarnation: incarnation, success: success, detail: detail, now: now)
        case .gatewayFailures(let incarnation, let consecutive, let detail):
            return gatewayFailures(incarnation: incarnation, consecutive: consecutive, detail: detail, now: now)
        }
    }

    // MARK: Commands

    private mutating func start(now: Instant) -> [ReplicaAction] {
        switch phase {
        case .stopped, .failed, .completed:
            giveUp.reset()
            consecutiveFailures = 0
            reason = nil
            return spawn()
        case .stopping(let process, _, let killed):
            phase = .stopping(process, then: .startFresh, killed: killed)
            return []
        case .draining(let process, _):
            phase = .draining(process, then: .startFresh)
            return []
        case .spawning, .running, .backoff:
            return []
        }
    }

    private mutating func stop(then: AfterStop, now: Instant) -> [ReplicaAction] {
        switch phase {
        case .running(let process):
            var actions: [ReplicaAction] = process.ready ? [.readinessChanged(false)] : []
            if policy.drainBeforeStop, !then.isFailure {
                phase = .draining(process, then: then)
                actions.append(.drain(incarnation: process.incarnation))
                return actions
            }
            phase = .stopping(process, then: then, killed: false)
            actions.append(.signalStop(pid: process.pid))
            if then.isFailure { actions.append(.hung(incarnation: process.incarnation)) }
            actions.append(.schedule(.stopTimeout(incarnation: process.incarnation), at: now + stopGrace(then)))
            return actions
        case .stopping(let process, _, let killed):
            phase = .stopping(process, then: then, killed: killed)
            return []
        case .draining(let process, _):
            phase = .draining(process, then: then)
            return []
        case .backoff, .failed, .completed:
            phase = .stopped
            return []
        case .stopped:
            return []
        case .spawning:
            // The supervisor answers a spawn before it delivers any other event, so this cannot happen.
            preconditionFailure("stop while spawning: the spawn must be answered first")
        }
    }

    private mutating func restartCommand(now: Instant) -> [ReplicaAction] {
        switch phase {
        case .running:
            return stop(then: .startFresh, now: now)
        case .stopping(let process, _, let killed):
            phase = .stopping(process, then: .startFresh, killed: killed)
            return []
        case .draining(let process, _):
            phase = .draining(process, then: .startFresh)
            return []
        case .stopped, .failed, .completed, .backoff:
            giveUp.reset()
            consecutiveFailures = 0
            reason = nil
            return spawn()
        case .spawning:
            preconditionFailure("restart while spawning: the spawn must be answered first")
        }
    }

    // MARK: Process events

    private mutating func spawn() -> [ReplicaAction] {
        incarnations += 1
        phase = .spawning
        return [.spawn(incarnation: incarnations)]
    }

    private mutating func spawned(pid: Int32, now: Instant) -> [ReplicaAction] {
        guard case .spawning = phase else {
            preconditionFailure("spawned without a spawn request in \(phase)")
        }
        if incarnations > 1 { restarts += 1 }
        everSpawned = true
        var process = Process(
            pid: pid, incarnation: incarnations, startedAt: now, ready: false, everReady: false, readySince: nil
        )
        var actions: [ReplicaAction] = []
        if let ready = policy.ready {
            actions.append(.schedule(.probe(.ready, incarnation: incarnations), at: now + ready.initialDelay))
        } else {
            process.ready = true
            process.everReady = true
            process.readySince = now
            actions.append(.readinessChanged(true))
        }
        if let health = policy.health {
            actions.append(.schedule(.probe(.health, incarnation: incarnations), at: now + health.initialDelay))
        }
        phase = .running(process)
        return actions
    }

    private mutating func spawnFailed(reason: String) -> [ReplicaAction] {
        guard case .spawning = phase else {
            preconditionFailure("spawnFailed without a spawn request in \(phase)")
        }
        // Retrying an exec that failed (missing binary, no permission, unknown user) cannot succeed by itself.
        self.reason = "could not start: \(reason)"
        phase = .failed(reason: self.reason!)
        return []
    }

    private mutating func spawnDeferred(reason: String, now: Instant) -> [ReplicaAction] {
        guard case .spawning = phase else {
            preconditionFailure("spawnDeferred without a spawn request in \(phase)")
        }
        // The attempt did not start a process: it is not a restart.
        incarnations -= 1
        // Never at once: the shortage is still there a moment later.
        return backOff(reason: "could not start: \(reason)", now: now, atLeast: policy.backoff.initial)
    }

    private mutating func exited(_ info: ExitInfo, now: Instant) -> [ReplicaAction] {
        lastExit = info
        switch phase {
        case .running(let process):
            var actions: [ReplicaAction] = [.killGroup(pid: process.pid)]
            if process.ready { actions.append(.readinessChanged(false)) }
            actions += afterUnexpectedExit(process, info: info, now: now)
            return actions
        case .stopping(let process, let then, _), .draining(let process, let then):
            var actions: [ReplicaAction] = [.killGroup(pid: process.pid)]
            switch then {
            case .stay:
                phase = .stopped
            case .startFresh:
                giveUp.reset()
                consecutiveFailures = 0
                reason = nil
                actions += spawn()
            case .restartAfterFailure(let why) where policy.restart == .never:
                // Killed for failing its liveness check; `never` means it is not started again.
                reason = "\(why) (restart policy: never)"
                phase = .failed(reason: reason!)
            case .restartAfterFailure(let why):
                actions += restartAfterFailure(process, reason: why, now: now)
            }
            return actions
        case .stopped, .spawning, .backoff, .failed, .completed:
            preconditionFailure("exit without a running process in \(phase)")
        }
    }

    private mutating func drained(incarnation: Int, now: Instant) -> [ReplicaAction] {
        guard case .draining(let process, let then) = phase, process.incarnation == incarnation else {
            return []  // The process exited while draining, or a late answer for an older one.
        }
        phase = .stopping(process, then: then, killed: false)
        return [
            .signalStop(pid: process.pid),
            .schedule(.stopTimeout(incarnation: process.incarnation), at: now + policy.stopTimeout),
        ]
    }

    /// The process exited by itself: restart, complete or fail according to the restart policy.
    private mutating func afterUnexpectedExit(_ process: Process, info: ExitInfo, now: Instant) -> [ReplicaAction] {
        switch (policy.restart, info.succeeded) {
        case (.never, true), (.onFailure, true):
            reason = nil
            phase = .completed
            return []
        case (.never, false):
            reason = "\(info.description) (restart policy: never)"
            phase = .failed(reason: reason!)
            return []
        case (.always, _), (.onFailure, false):
            return restartAfterFailure(process, reason: info.description, now: now)
        }
    }

    private mutating func restartAfterFailure(_ process: Process, reason why: String, now: Instant) -> [ReplicaAction] {
        if let upSince = process.readySince, now - upSince >= policy.resetAfter {
            consecutiveFailures = 0
        }
        return backOff(reason: why, now: now)
    }

    /// Waits the backoff delay before the next start, or gives up (`failed`) when the give-up window is full.
    private mutating func backOff(
        reason why: String, now: Instant, atLeast minimum: Duration = .zero
    )
        -> [ReplicaAction]
    {
        guard giveUp.allowRestart(at: now) else {
            let limit = policy.giveUp
            let noun = limit.restarts == 1 ? "restart" : "restarts"
            reason = "gave up after \(limit.restarts) \(noun) within \(format(limit.within)); last: \(why)"
            phase = .failed(reason: reason!)
            return []
        }
        let delay = max(minimum, policy.backoff.delay(afterFailures: consecutiveFailures, unit: random.nextUnit()))
        consecutiveFailures += 1
        reason = why
        if delay == .zero {
            return spawn()
        }
        phase = .backoff(until: now + delay)
        return [.schedule(.backoffElapsed, at: now + delay)]
    }

    // MARK: Timers and probes

    private mutating func fired(_ timer: ReplicaTimer, now: Instant) -> [ReplicaAction] {
        switch (timer, phase) {
        case (.backoffElapsed, .backoff(let until)) where now >= until:
            return spawn()
        case (.stopTimeout(let incarnation), .stopping(let process, let then, false))
        where process.incarnation == incarnation:
            phase = .stopping(process, then: then, killed: true)
            return [.killGroup(pid: process.pid)]
        case (.probe(let kind, let incarnation), .running(var process)) where process.incarnation == incarnation:
            guard !process.tracker(kind).inFlight else { return [] }
            process.modifyTracker(kind) { $0.inFlight = true }
            phase = .running(process)
            return [.probe(kind, incarnation: incarnation)]
        default:
            // Stale timers: the phase moved on (a restart cancelled the backoff, the process exited before its
            // stop timeout, or a probe timer of an older incarnation). Expected races, ignored.
            return []
        }
    }

    private mutating func probeResult(
        _ kind: ProbeKind, incarnation: Int, success: Bool, detail: String, now: Instant
    ) -> [ReplicaAction] {
        guard case .running(var process) = phase, process.incarnation == incarnation else {
            return []  // The probe outlived its process: ignore.
        }
        process.modifyTracker(kind) { $0.record(success: success, detail: detail) }
        var actions: [ReplicaAction] = []
        switch kind {
        case .ready:
            guard let probe = policy.ready else { return [] }
            let tracker = process.readyProbe
            if !process.ready, tracker.consecutiveSuccesses >= probe.successThreshold {
                process.ready = true
                process.everReady = true
                process.readySince = now
                actions.append(.readinessChanged(true))
            } else if process.ready, tracker.consecutiveFailures >= probe.failureThreshold {
                process.ready = false
                process.readySince = nil
                actions.append(.readinessChanged(false))
            }
            let interval = process.everReady ? probe.interval : min(probe.interval, ProbePolicy.startupProbeCeiling)
            actions.append(.schedule(.probe(.ready, incarnation: incarnation), at: now + interval))
            phase = .running(process)
        case .health:
            guard let probe = policy.health else { return [] }
            phase = .running(process)
            if process.healthProbe.consecutiveFailures >= probe.failureThreshold {
                let why = "liveness check failed \(probe.failureThreshold) times: \(detail)"
                reason = why
                return stop(then: .restartAfterFailure(reason: why), now: now)
            }
            actions.append(.schedule(.probe(.health, incarnation: incarnation), at: now + probe.interval))
        }
        return actions
    }
}

extension ReplicaMachine {
    /// With `health: { gateway_failures: N }`, N failed requests in a row are a failed liveness check: the replica
    /// is restarted like one whose probe failed. Reports about an older incarnation are ignored.
    private mutating func gatewayFailures(
        incarnation: Int, consecutive: Int, detail: String, now: Instant
    ) -> [ReplicaAction] {
        guard let threshold = policy.gatewayFailureThreshold, consecutive >= threshold,
            case .running(let process) = phase, process.incarnation == incarnation
        else { return [] }
        let why = "\(consecutive) requests in a row failed at the gateway: \(detail)"
        reason = why
        return stop(then: .restartAfterFailure(reason: why), now: now)
    }
}

extension ReplicaMachine {
    /// How long a stopped process gets before SIGKILL: `stop.timeout`, but at most `failedStopGrace` for one that
    /// failed (liveness, `gateway_failures`). Nothing will finish there (the gateway already replayed or answered
    /// what it held), and a hung or SIGSTOPped process never acts on SIGTERM: waiting the whole stop timeout only
    /// delayed its replacement (11 s with the default 10 s, found by the outside audit, audit6).
    func stopGrace(_ then: AfterStop) -> Duration {
        then.isFailure ? min(policy.stopTimeout, Self.failedStopGrace) : policy.stopTimeout
    }

    /// The SIGTERM-to-SIGKILL grace of a replica that failed.
    public static let failedStopGrace: Duration = .seconds(1)
}

extension ReplicaMachine.AfterStop {
    /// Stopping because it failed its liveness check: a hung replica is not waited for.
    var isFailure: Bool {
        if case .restartAfterFailure = self { return true }
        return false
    }
}

extension ReplicaMachine.Process {
    func tracker(_ kind: ProbeKind) -> ProbeTracker {
        kind == .ready ? readyProbe : healthProbe
    }

    mutating func modifyTracker(_ kind: ProbeKind, _ body: (inout ProbeTracker) -> Void) {
        switch kind {
        case .ready: body(&readyProbe)
        case .health: body(&healthProbe)
        }
    }
}

func format(_ duration: Duration) -> String {
    let seconds = duration.seconds
    if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
    if seconds == seconds.rounded() { return "\(Int(seconds))s" }
    return "\(seconds)s"
}
