public import BerthControlProtocol

#if canImport(Glibc)
    import Glibc
#endif

extension Supervisor {
    /// The status of every service and replica, sorted by service name and replica index.
    public func status() -> StatusResponse {
        let now = clock.now
        let list = services.sorted(by: { $0.key < $1.key }).map { name, runtime in
            let replicas = runtime.slots.map { slot in
                let machine = slot.machine
                let failedOrBackoff = machine.displayState == .failed || machine.displayState == .backoff
                var replica = ReplicaStatus(
                    index: slot.index,
                    pid: machine.process?.pid,
                    port: runtime.upcomingPort(of: slot),
                    state: ReplicaStateName(rawValue: machine.displayState.rawValue) ?? .stopped,
                    ready: machine.isReady,
                    restarts: machine.restarts,
                    uptimeSeconds: machine.process.map { ((now - $0.startedAt).seconds * 1000).rounded() / 1000 },
                    lastExit: machine.lastExit?.description,
                    reason: failedOrBackoff ? machine.reason : nil,
                    lastStderr: failedOrBackoff ? logs.lastStderr(service: name, replica: slot.index) : nil
                )
                replica.generation = slot.revision.generation
                replica.slot = slot.id
                if slot.isHeld { replica.held = true }
                replica.exitCode = machine.lastExit?.exitCode
                addUsage(to: &replica, service: name, slot: slot)
                return replica
            }
            var service = ServiceStatus(
                name: name, desired: runtime.desired, replicas: replicas, generation: runtime.revision.generation,
                rollout: runtime.rolloutProgress.map { "rolling out: \($0)" } ?? runtime.lastRolloutFailure
            )
            service.schedule = scheduleStatus(name)
            return service
        }
        var response = StatusResponse(
            project: manifest.project, daemonPID: getpid(), manifest: manifest.file,
            services: list, logDriver: logWriter?.driverName)
        var problems: [String] = []
        if let since = stateFileFailingSince {
            problems.append(
                "the state file \(configuration.stateFile ?? "") cannot be written (for "
                    + "\(DurationFormat.short(clock.now - since))): \(stateFileError ?? "unknown error")")
        }
        if let failure = logWriter?.recentFailure {
            problems.append("\(failure.count) log lines could not be stored in the last minute: \(failure.last)")
        }
        if !problems.isEmpty { response.problems = problems }
        return response
    }
}

extension Supervisor {
    public func hasService(_ name: String) -> Bool {
        services[name] != nil
    }
}

extension Supervisor {
    /// Services that the gateway routes to.
    public var routedServices: [String] {
        manifest.gateway?.routes.map(\.service) ?? []
    }
}
