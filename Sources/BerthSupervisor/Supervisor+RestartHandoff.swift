import BerthProcess
import BerthSupervisorCore

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps each replica's prepared replacement (`RestartHandoff`) in line with its machine's prediction.
extension Supervisor {
    func restartHandoff(service: String, slot id: Int) -> RestartHandoff {
        let key = "\(service).\(id)"
        if let handoff = restartHandoffs[key] { return handoff }
        let handoff = RestartHandoff()
        restartHandoffs[key] = handoff
        return handoff
    }

    /// After the machine of a slot handled an event, before its actions run (a stop's signal must find nothing
    /// prepared): withdraws the replacement when an exit no longer restarts at once, else asks for one to be built on
    /// a later turn (building a request costs more than a spawn's answer should wait for, and 100 replicas starting
    /// at once should not pay it before the last one has started).
    func followRestartPrediction(service: String, slot id: Int) {
        let key = "\(service).\(id)"
        guard let slot = services[service]?.slot(id), let next = slot.machine.immediateRestart,
            canHandOff(slot)
        else {
            restartHandoffs[key]?.withdraw()
            return
        }
        guard !restartHandoff(service: service, slot: id).follow(next) else { return }
        inputs.yield(.prepareRestart(service: service, slot: id, incarnation: next.incarnation))
    }

    /// Builds the replacement asked for by `followRestartPrediction`, if the machine still predicts it.
    func prepareRestart(service: String, slot id: Int, incarnation: Int) {
        guard let slot = services[service]?.slot(id), let next = slot.machine.immediateRestart,
            next.incarnation == incarnation, let process = slot.machine.process, canHandOff(slot)
        else { return }
        let handoff = restartHandoff(service: service, slot: id)
        guard !handoff.isPrepared(for: incarnation) else { return }
        let spec = slot.revision.spec
        var request = spawnRequest(spec, slot: slot, arguments: spec.command, captureOutput: true)
        request.openFilesLimit = spec.limits.openFiles
        request.coreLimit = spec.limits.coreBytes
        let launch = replicaLaunch(request, spec: spec, slot: slot, service: service, incarnation: incarnation)
        handoff.prepare(
            RestartHandoff.Prepared(after: process.incarnation, restart: next) { ticket in
                launch.start(ticket: ticket)
            })
    }

    /// A replacement is prepared only for what `spawn` would do without the supervisor's help: no sd_notify socket
    /// to open, no cgroup to set up, no port to find; and no user or group to look up (the passwd lookup may ask a
    /// directory service, and the thread that reports exits must not wait for one).
    func canHandOff(_ slot: ReplicaSlot) -> Bool {
        let spec = slot.revision.spec
        if usesNotify(slot.revision) || spec.user != nil || spec.group != nil { return false }
        if slot.port == nil, spec.port == .auto { return false }
        return !hasCgroupLimits(spec)
    }

    /// Answers the machine's `.spawn` with the replacement started at the exit, if there is one.
    func adoptReplacement(service: String, slot: ReplicaSlot, incarnation: Int) -> Bool {
        guard let started = restartHandoffs["\(service).\(slot.id)"]?.takeStarted(incarnation: incarnation) else {
            return false
        }
        forgetCgroups(spec: slot.revision.spec, slot: slot)
        switch started.result {
        case .success(let pid):
            stateDirty = true
            answerSpawn(.spawned(pid: pid), service: service, slot: slot.id)
        case .failure(let error):
            let event: ReplicaEvent =
                error.isTransient ? .spawnDeferred(reason: error.description) : .spawnFailed(reason: error.description)
            answerSpawn(event, service: service, slot: slot.id)
        }
        return true
    }

    /// Stops the replacement started at the exit of `incarnation` if the machine did not take it (it decided
    /// otherwise after all).
    func discardReplacement(service: String, slot id: Int, exited incarnation: Int) {
        guard let started = restartHandoffs["\(service).\(id)"]?.takeStarted(incarnation: incarnation + 1) else {
            return
        }
        started.ticket.discard()
        guard case .success(let pid) = started.result else { return }
        processes.signalGroup(pid, SIGKILL)
        logEvent(
            "replacement_discarded", service: service, replica: services[service]?.slot(id)?.index,
            message: "stopped the replacement started at the exit (the replica is not restarted)", pid: pid)
    }

    /// After a reload (new specs, a new environment; `apply` withdrew every prepared replacement before changing
    /// anything): each is rebuilt from the new state.
    func refollowRestartPredictions() {
        for (name, runtime) in services {
            for slot in runtime.slots { followRestartPrediction(service: name, slot: slot.id) }
        }
    }
}
