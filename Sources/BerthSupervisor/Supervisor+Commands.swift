public import BerthControlProtocol
import BerthManifest
import BerthProcess
import Logging

#if canImport(Glibc)
    import Glibc
#endif

extension Supervisor {
    /// Carries out one control operation and answers once it is done (or failed, or timed out).
    public func perform(_ command: ControlCommand) async throws(ControlAPIError) -> OperationResponse {
        guard !shuttingDown || isDown(command) else {
            throw ControlAPIError.conflict("the daemon is shutting down")
        }
        switch command {
        case .scale(let request):
            return try await scale(request)
        case .start(let service, let timeout):
            try check(service)
            if services[service]?.spec.schedule != nil { return schedule(service) }
            // A service never started (`berth up web` or a profile left it out) pulls in what it depends on, as
            // `berth up` would have; a dependency stopped with `berth stop` starts again too.
            let needed = ServiceSelection.withDependencies([service], in: manifest).subtracting([service])
            for name in needed.sorted() {
                services[name]?.want()
            }
            services[service]?.want()
            releaseHolds(service)
            resize(service)
            reconcile()
            return await wait(for: .ready([service]), timeout: duration(timeout), success: "\(service) started")
        case .stop(let service, let timeout):
            try check(service)
            services[service]?.unwant()
            cancelRollout(service)
            stopAll(service)
            return await wait(for: .stopped([service]), timeout: duration(timeout), success: "\(service) stopped")
        case .restart(let service, let timeout):
            let runtime = try check(service)
            // Held replicas (stopped on their own) stay stopped: a restart restarts what runs.
            let serving = runtime.current.filter { $0.machine.isReady && !$0.isHeld }
            if runtime.isActive, runtime.policy.restart == .always, !serving.isEmpty {
                // A rolling restart of the replicas that serve: each is replaced by a new process that is ready
                // before the old one leaves the gateway's rotation. The others serve nothing: restarted in place.
                try beginRollout(service, to: runtime.spec, indexes: serving.map(\.index))
                let restarted = services[service]?.restartInPlace(where: { !$0.machine.isReady && !$0.isHeld }) ?? []
                run(restarted, service: service)
                let generation = services[service]?.revision.generation ?? runtime.revision.generation
                return await wait(
                    for: .rolledOut(service), timeout: duration(timeout),
                    success: "\(service) restarted (generation \(generation))")
            } else if runtime.isActive {
                for slot in runtime.current where !slot.isHeld {
                    deliver(.restart, service: service, slot: slot.id)
                }
            } else {
                services[service]?.want()
                reconcile()
            }
            return await wait(for: .ready([service]), timeout: duration(timeout), success: "\(service) restarted")
        case .runNow(let service, let wait, let timeout):
            return try await runNow(service, wait: wait, timeout: duration(timeout))
        case .replica(let service, let index, let action, let timeout):
            return try await replica(service, index, action, timeout: duration(timeout))
        case .waitReady(let timeout):
            let all = Set(services.filter(\.value.isWanted).keys)
            return await wait(for: .ready(all), timeout: duration(timeout), success: "\(all.count) services ready")
        case .down(let timeout):
            return await down(timeout: duration(timeout))
        case .reload(let request):
            return try await reload(request)
        case .status, .logs, .events, .dashboardLogin:
            throw ControlAPIError.badRequest("not an operation")
        }
    }

    private func isDown(_ command: ControlCommand) -> Bool {
        if case .down = command { return true }
        return false
    }

    private func scale(_ request: ScaleRequest) async throws(ControlAPIError) -> OperationResponse {
        for name in request.services.keys.sorted() {
            let runtime = try check(name)
            if runtime.rollout != nil {
                throw ControlAPIError.conflict("a rollout of \(name) is in progress; scale it once it has finished")
            }
            // As the manifest's check (audit5): overlapping runs take replicas of their own past the serving ones,
            // and every index must stay nameable (`job.999` at most).
            if let schedule = runtime.spec.schedule, schedule.concurrency == .allow, let count = request.services[name],
                count * schedule.maxConcurrent > ControlCommand.maximumReplicas
            {
                throw ControlAPIError.badRequest(
                    "\(name) runs up to \(schedule.maxConcurrent) times at once (concurrency: allow), each run in "
                        + "replicas of its own: at most \(ControlCommand.maximumReplicas / schedule.maxConcurrent) "
                        + "replicas, got \(count)")
            }
        }
        var waitFor: Set<String> = []
        var messages: [String] = []
        for (name, count) in request.services.sorted(by: { $0.key < $1.key }) {
            let actions = services[name]?.scale(to: count) ?? []
            events.publish(
                DaemonEvent(
                    time: wallClockNow(), kind: .scaled, service: name, desired: count,
                    message: "scaled to \(count) replica\(count == 1 ? "" : "s")"))
            if services[name]?.isWanted ?? false {
                waitFor.insert(name)
            }
            run(actions, service: name)
            messages.append("\(name)=\(count)")
        }
        reconcile()
        return await wait(
            for: .ready(waitFor),
            timeout: duration(request.timeoutMilliseconds),
            success: "scaled " + messages.joined(separator: " ")
        )
    }

    /// Stops every service in reverse dependency order and waits until all is at rest, then kills anything left
    /// that carries this daemon's mark (a grandchild that left its process group).
    public func down(timeout: Duration?) async -> OperationResponse {
        shuttingDown = true
        for name in services.keys {
            services[name]?.unwant()
            cancelRollout(name)
        }
        reconcile()
        var answer = await wait(for: .stopped(Set(services.keys)), timeout: timeout, success: "stopped")
        let leftovers = ProcessTable.pids(withEnvironment: "BERTH_INSTANCE", value: configuration.instanceID)
            .filter { $0 != getpid() }
        for pid in leftovers {
            processes.signalGroup(pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        if !leftovers.isEmpty {
            let why = answer.ok ? "had left their replica's group" : "still ran when the down's timeout passed"
            logger.notice("killed processes that \(why)", metadata: ["pids": "\(leftovers)"])
        }
        if !answer.ok, !leftovers.isEmpty, let timeout {
            // The replicas still stopping at the timeout (a stop signal ignored, a longer `stop.timeout`) were just
            // killed with the rest, and SIGKILL cannot be ignored: the project does stop. Their exits are awaited
            // (bounded) and the answer says what was done; it said "timed out ... still stopping", exit 1, for
            // replicas gone a moment later (audit11).
            let killed =
                "stopped (killed \(leftovers.count) process\(leftovers.count == 1 ? "" : "es") still running after "
                + "\(DurationFormat.short(timeout)))"
            let after = await wait(for: .stopped(Set(services.keys)), timeout: .seconds(5), success: killed)
            if after.ok { answer = after }
        }
        cancelReplicaAndRolloutTimers()
        stopSchedules()
        if answer.ok { removeStateFile() }
        answer.status = status()
        return answer
    }

    /// The service named `service`, or the error that says it does not exist.
    @discardableResult
    private func check(_ service: String) throws(ControlAPIError) -> ServiceRuntime {
        guard let runtime = services[service] else { throw ControlAPIError.unknownService(service) }
        return runtime
    }

    private func duration(_ milliseconds: Int?) -> Duration? {
        milliseconds.map { Duration.milliseconds($0) }
    }
}
