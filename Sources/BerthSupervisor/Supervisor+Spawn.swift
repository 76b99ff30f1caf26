import BerthControlProtocol
import BerthManifest
import BerthProcess
import BerthResources
import BerthSupervisorCore
import Logging

#if canImport(Glibc)
    import Glibc
#endif

extension Supervisor {
    /// Spawns the process of slot `id` of `service` and answers the state machine at once, so that no other event can
    /// reach it while it waits for the answer.
    func spawn(service: String, slot id: Int, incarnation: Int) {
        guard var slot = services[service]?.slot(id) else { return }
        if adoptReplacement(service: service, slot: slot, incarnation: incarnation) { return }
        if slot.port == nil, slot.revision.spec.port == .auto {
            do {
                let port = try PortAllocator.freePort(avoiding: takenPorts(), in: manifest.portRange)
                slot.port = port
                services[service]?.setPort(port, slot: id)
            } catch {
                // No free port now: one may be freed (another replica stops, a foreign process exits).
                answerSpawn(.spawnDeferred(reason: "\(error)"), service: service, slot: id)
                return
            }
        }
        let spec = slot.revision.spec
        var request = spawnRequest(spec, slot: slot, arguments: spec.command, captureOutput: true)
        applyLimits(&request, spec: spec, slot: slot)
        if usesNotify(slot.revision) {
            do {
                request.environment["NOTIFY_SOCKET"] = try openNotifySocket(
                    service: service, slot: id, incarnation: incarnation,
                    otherUser: spec.user != nil || spec.group != nil)
            } catch {
                answerSpawn(.spawnFailed(reason: "\(error)"), service: service, slot: id)
                return
            }
        }
        let launch = replicaLaunch(request, spec: spec, slot: slot, service: service, incarnation: incarnation)
        switch launch.start(ticket: nil) {
        case .success(let pid):
            stateDirty = true
            answerSpawn(.spawned(pid: pid), service: service, slot: id)
        case .failure(let error):
            let event: ReplicaEvent =
                error.isTransient ? .spawnDeferred(reason: error.description) : .spawnFailed(reason: error.description)
            answerSpawn(event, service: service, slot: id)
        }
    }

    /// What starting the process of `slot` needs, so that it can also be started off the supervisor's task (a
    /// prepared replacement, see `RestartHandoff`).
    func replicaLaunch(
        _ request: SpawnRequest, spec: ServiceSpec, slot: ReplicaSlot, service: String, incarnation: Int
    ) -> ReplicaLaunch {
        var request = request
        // Inherited by everything the run starts: what it leaves behind is found by it (`killEscapees`).
        request.environment[Self.runMarkVariable] = Self.runMark(
            service: service, slot: slot.id, incarnation: incarnation)
        return ReplicaLaunch(
            processes: processes, request: request, project: manifest.project, service: service, slot: slot.id,
            replica: slot.index, incarnation: incarnation, writer: logWriter, logs: logs,
            mask: SecretMask(spec.secrets.keys.compactMap { request.environment[$0] } + projectSecrets),
            inputs: inputs, handoff: restartHandoff(service: service, slot: slot.id), clock: clock)
    }

    /// The pid's exit is delivered only if that pid is still the slot's process (an exit can race a newer spawn).
    func processExited(service: String, slot id: Int, incarnation: Int, status: ExitStatus) {
        closeNotifySocket(service: service, slot: id, incarnation: incarnation)
        // A replacement started for this exit that the machine did not take goes (see `RestartHandoff`).
        defer { discardReplacement(service: service, slot: id, exited: incarnation) }
        guard let slot = services[service]?.slot(id), slot.machine.process?.incarnation == incarnation
        else { return }
        let info = exitInfo(status, service: service, slot: id)
        // A failed exec ("could not start: ...") is a failed start, not an exit: it is not retried.
        let event: ReplicaEvent =
            if case .execFailed(let error) = status {
                .execFailed(reason: error.description)
            } else {
                .exited(info)
            }
        deliver(event, service: service, slot: id)
        stateDirty = true
        cancelProbeTimersIfIdle(service: service, slot: id)
        killEscapees(service: service, slot: id, incarnation: incarnation)
    }

    /// The variable that marks every process of one run of a replica (and `runMark` its value).
    static let runMarkVariable = "BERTH_RUN"

    static func runMark(service: String, slot: Int, incarnation: Int) -> String { "\(service).\(slot).\(incarnation)" }

    /// Kills what a run of a replica left behind when it ended: processes that left its process group (`setsid`, a
    /// double fork) and outlived the process that started them, which the kernel then gave to berthd, the child
    /// subreaper. The group's stop signal never reached them, and each restart would add another copy (audit4).
    /// They carry the run's mark (`BERTH_RUN`) and this daemon's; they get SIGKILL, their group too, as `berth down`
    /// does with what is left. Only adopted processes are read (usually none), not the replicas.
    func killEscapees(service: String, slot id: Int, incarnation: Int) {
        let mark = Self.runMark(service: service, slot: id, incarnation: incarnation)
        var killed: [Int32] = []
        let marks = [(Self.runMarkVariable, mark), ("BERTH_INSTANCE", configuration.instanceID)]
        for pid in processes.orphans(among: ProcScan.children(of: getpid()) ?? [])
        where ProcessTable.hasEnvironment(pid, marks) {
            processes.signalGroup(pid, SIGKILL)
            kill(pid, SIGKILL)
            killed.append(pid)
        }
        guard !killed.isEmpty else { return }
        logger.notice(
            "killed processes that \(service) replica's run had left behind (they had left its process group)",
            metadata: ["event": "escapees_killed", "service": "\(service)", "pids": "\(killed)"])
    }

    private func cancelProbeTimersIfIdle(service: String, slot id: Int) {
        guard let slot = services[service]?.slot(id), slot.machine.process == nil else { return }
        timers.removeAll { timer in
            guard case .replica(let key) = timer, key.service == service, key.slot == id,
                case .probe = key.timer
            else { return false }
            return true
        }
    }

    func takenPorts() -> Set<Int> {
        Set(services.values.flatMap { $0.slots.compactMap(\.port) })
    }

    /// The complete request for a replica's process or one of its exec probes.
    func spawnRequest(_ spec: ServiceSpec, slot: ReplicaSlot, arguments: [String], captureOutput: Bool) -> SpawnRequest
    {
        // Only what `env_inherit` allows (docs/security.md, "What a replica inherits"); never berthd's own
        // control variables, nor what secrets were interpolated from (the manifest may still set those).
        let withheld = manifest.withheldVariables.union(Self.daemonVariables)
        var environment = configuration.baseEnvironment.filter { key, _ in
            spec.envInherit.inherits(key) && !withheld.contains(key)
        }
        var replica: [String: String] = [
            "BERTH_PROJECT": manifest.project,
            "BERTH_SERVICE": spec.name,
            "BERTH_REPLICA": String(slot.index),
            "BERTH_INSTANCE": configuration.instanceID,
        ]
        if let port = slot.port { replica["PORT"] = String(port) }
        if let gatewayURL { replica["BERTH_GATEWAY_URL"] = gatewayURL }
        if spec.user != nil {
            environment.merge(Self.accountEnvironment(user: spec.user)) { _, account in account }
        }
        // `${services.NAME.port}` references are filled in too, but are no variables of the replica.
        let values = replica.merging(serviceAddressValues(spec)) { own, _ in own }
        for (key, value) in spec.environment {
            environment[key] = ReplicaVariables.expand(value, values: values)
        }
        for (key, secret) in spec.secrets {
            environment[key] = ReplicaVariables.expand(secret.revealed, values: values)
        }
        environment.merge(replica) { _, new in new }
        return SpawnRequest(
            arguments: arguments.map { ReplicaVariables.expand($0, values: values) },
            environment: environment,
            workingDirectory: spec.workdir,
            user: spec.user,
            group: spec.group,
            captureOutput: captureOutput
        )
    }

    /// berthd's own variables, or its supervisor's (systemd's socket activation and notify socket): a replica gets
    /// its own `NOTIFY_SOCKET` or none.
    static let daemonVariables: Set<String> = [
        "BERTH_SOCKET", "BERTH_STATE_DIR", "NOTIFY_SOCKET", "LISTEN_FDS",
        "LISTEN_PID",
    ]

    /// Secrets of the whole project that any replica could print: the admin token and the values of the variables
    /// that secrets interpolate (a service's own secrets are added per spawn).
    var projectSecrets: [String] {
        [manifest.admin?.token].compactMap { $0 }
            + manifest.secretVariables.compactMap { configuration.baseEnvironment[$0] }
            + manifest.secretVariables.compactMap { configuration.reloadEnvironment[$0] }
    }

    /// `HOME`, `USER` and `LOGNAME` of the replica's user (a manifest `env` value still wins): the daemon's own
    /// (root's `HOME=/root`) would send a program looking for its configuration to a folder it cannot read.
    static func accountEnvironment(user: String?) -> [String: String] {
        guard let user else { return [:] }
        guard let account = SystemAccount.user(user) else {
            // A numeric uid without a passwd entry: no name, no home.
            return ["HOME": "/", "USER": user, "LOGNAME": user]
        }
        return ["HOME": account.home, "USER": account.name, "LOGNAME": account.name]
    }

    /// The gateway's first plain-HTTP listen address (else its first HTTPS one) as a URL replicas can reach.
    var gatewayURL: String? {
        guard let gateway = manifest.gateway,
            let listen = gateway.listen.first(where: { gateway.tls[$0] == nil }) ?? gateway.listen.first
        else { return nil }
        var host = listen.host
        if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        if host.contains(":") { host = "[\(host)]" }
        return "\(gateway.tls[listen] == nil ? "http" : "https")://\(host):\(listen.port)"
    }

    /// Writes a lifecycle line to the logs and the daemon's logger when a replica changed state. Each kind of line
    /// has a stable name (`event` metadata, `BERTH_EVENT` in the journal).
    func announce(_ slot: ReplicaSlot, service: String, event: ReplicaEvent, previousPID: Int32? = nil) {
        let machine = slot.machine
        if case .exited(let info) = event {
            logEvent(
                "exited", service: service, replica: slot.index, message: info.description,
                level: info.succeeded ? .info : .warning, pid: previousPID)
        }
        var message: String
        var name: String
        switch machine.phase {
        case .running(let process):
            message = process.everReady ? "ready (pid \(process.pid))" : "started (pid \(process.pid))"
            name = process.everReady ? "ready" : "started"
            if case .spawned = event, process.everReady {
                // Ready at once (no `ready:` probe): the start is still a line of its own. A one-shot job is never
                // "ready", it reads "started", then "completed" or "exited".
                let job = services[service].map { $0.revision.spec.restart.policy != .always } ?? false
                if job {
                    (message, name) = ("started (pid \(process.pid))", "started")
                } else {
                    logEvent(
                        "started", service: service, replica: slot.index,
                        message: "started (pid \(process.pid))", pid: process.pid)
                }
            }
        case .backoff(let until):
            let delay = until - clock.now
            message = "\(machine.lastExit?.description ?? "failed"); restarting in \(milliseconds(delay)) ms"
            name = "restarting"
        case .failed(let reason):
            message = "failed: \(reason)"
            name = reason.hasPrefix("gave up") ? "gave_up" : "failed"
        case .completed:
            message = "completed (\(machine.lastExit?.description ?? "exited"))"
            name = "completed"
        case .stopped:
            message = "stopped" + (machine.lastExit.map { " (\($0.description))" } ?? "")
            name = "stopped"
        case .draining:
            message = "draining"
            name = "draining"
        case .stopping:
            message = "stopping"
            name = "stopping"
        case .spawning:
            // Announced once spawned (or failed); a restart without delay is announced here.
            guard case .exited(let info) = event else { return }
            message = "\(info.description); restarting at once"
            name = "restarting"
        }
        if case .exited(let info) = event, case .running = machine.phase {
            message = "\(info.description); restarted at once (pid \(machine.process?.pid ?? 0))"
            name = "restarted"
        }
        let level: Logger.Level =
            switch name {
            case "failed", "gave_up": .error
            case "restarting", "restarted": .warning
            default: .info
            }
        logEvent(
            name, service: service, replica: slot.index, message: message, level: level,
            pid: machine.process?.pid ?? previousPID)
        logs.append(
            LogEntry(service: service, replica: slot.index, stream: .daemon, time: wallClockNow(), line: message))
        events.publish(
            DaemonEvent(
                time: wallClockNow(), kind: .replica, service: service, replica: slot.index,
                state: ReplicaStateName(rawValue: machine.displayState.rawValue), ready: machine.isReady,
                pid: machine.process?.pid, message: message))
    }

    /// One named daemon event about a replica (or a whole service when `replica` is nil) in the daemon's log.
    func logEvent(
        _ name: String, service: String, replica: Int?, message: String, level: Logger.Level = .info,
        pid: Int32? = nil
    ) {
        var metadata: Logger.Metadata = ["event": "\(name)", "service": "\(service)"]
        if let replica { metadata["replica"] = "\(replica)" }
        if let pid, pid > 0 { metadata["pid"] = "\(pid)" }
        let label = replica.map { "\(service).\($0)" } ?? service
        logger.log(level: level, "\(label): \(message)", metadata: metadata)
    }
}

private func milliseconds(_ duration: Duration) -> Int {
    max(0, Int((duration.seconds * 1000).rounded()))
}

/// Seconds since the Unix epoch.
func wallClockNow() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
