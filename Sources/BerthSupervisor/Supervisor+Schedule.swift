import BerthControlProtocol
import BerthManifest
import BerthSchedule
import Glibc
import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

extension Supervisor {
    /// Takes the `schedule:` services `up` enabled out of the start: they run when their schedule says (or on
    /// `berth run-now`), with what a previous daemon remembered of their last run.
    func startSchedules() {
        for name in manifest.startOrder {
            guard let schedule = services[name]?.spec.schedule, services[name]?.isWanted == true,
                scheduling.jobs[name] == nil
            else { continue }
            services[name]?.unwant()
            let machine = ScheduleMachine(spec: schedule, zone: Self.zone(schedule))
            scheduling.jobs[name] = Scheduling.Job(machine: machine)
            feedSchedule(.started(lastRun: rememberedRun(name)), job: name)
        }
    }

    /// `berth start JOB` (and `berth up` of a daemon that runs): a job not scheduled yet (a partial `up` left it
    /// out) is scheduled, with what it depends on started; one that is scheduled is left alone (`berth run-now`
    /// runs it now).
    func schedule(_ name: String) -> OperationResponse {
        guard scheduling.jobs[name] == nil else {
            return OperationResponse(
                ok: true, message: "\(name) is scheduled; berth run-now \(name) runs it now", status: status())
        }
        for dependency in ServiceSelection.withDependencies([name], in: manifest).sorted() {
            services[dependency]?.want()
        }
        startSchedules()
        reconcile()
        return OperationResponse(ok: true, message: "\(name) scheduled", status: status())
    }

    /// A job `up` handed to its schedule: being up does not wait for it (see `evaluate(.ready)`).
    func isScheduled(_ name: String) -> Bool {
        scheduling.jobs[name] != nil
    }

    /// `berth reload`: removed jobs stop being scheduled, a changed schedule starts over from the last run, and an
    /// added job (or one that gained a schedule) is scheduled rather than started.
    func reloadSchedules(_ diff: ManifestDiff) {
        for name in Array(scheduling.jobs.keys) {
            guard let spec = services[name]?.spec.schedule, !diff.removed.contains(name) else {
                scheduling.jobs.removeValue(forKey: name)?.wake?.cancel()
                continue
            }
            guard let job = scheduling.jobs[name], spec != job.machine.spec else { continue }
            let lastRun = job.machine.lastRun
            scheduling.jobs.removeValue(forKey: name)?.wake?.cancel()
            scheduling.jobs[name] = Scheduling.Job(machine: ScheduleMachine(spec: spec, zone: Self.zone(spec)))
            feedSchedule(.started(lastRun: lastRun), job: name)
        }
        startSchedules()
    }

    static func zone(_ schedule: ScheduleSpec) -> any UTCOffsets {
        switch schedule.trigger {
        case .cron(_, let identifier): SystemZones.named(identifier) ?? SystemZones.utc
        case .every: SystemZones.utc
        }
    }

    /// `berth down`: no more runs.
    func stopSchedules() {
        for job in scheduling.jobs.values { job.wake?.cancel() }
        scheduling.jobs.removeAll()
    }

    /// `berth run-now JOB`: a run now, whatever the schedule (which it does not move). With `wait`, answers once
    /// the run ended: `ok` when every replica of it completed, else the failed ones in `notReady` (see
    /// `runOutcome`).
    func runNow(_ name: String, wait: Bool, timeout: Duration?) async throws(ControlAPIError) -> OperationResponse {
        guard let runtime = services[name] else { throw ControlAPIError.unknownService(name) }
        guard scheduling.jobs[name] != nil else {
            if runtime.spec.schedule == nil {
                throw ControlAPIError.badRequest("\(name) has no schedule; use berth restart \(name) to run it again")
            }
            throw ControlAPIError.conflict("\(name) was not started by berth up; start it with berth up \(name)")
        }
        let actions = feedSchedule(.runNow, job: name)
        for action in actions {
            switch action {
            case .skipped:
                throw ControlAPIError.conflict("a run of \(name) is in progress (concurrency: forbid)")
            case .atLimit(_, let running):
                throw ControlAPIError.conflict(
                    "\(running) runs of \(name) are in progress, its max_concurrent (concurrency: allow)")
            case .run, .replace, .missed, .persist, .wake:
                continue
            }
        }
        let slots = scheduling.jobs[name]?.lastRunSlots ?? []
        let label = runLabel(name, slots: slots)
        guard wait else { return OperationResponse(ok: true, message: "\(label) run started", status: status()) }
        let waited = await self.wait(
            for: slots.isEmpty ? .stopped([name]) : .slotsAtRest(name, Set(slots)), timeout: timeout, success: "")
        guard waited.ok else { return waited }
        return runOutcome(name, slots: slots)
    }

    /// How a run ended: ok when every one of its replicas completed; else the failed ones, each with its last exit
    /// (the CLI turns the first into its exit code, 128 + N for signal N).
    func runOutcome(_ name: String, slots ids: [Int]) -> OperationResponse {
        let slots = ids.compactMap { services[name]?.slot($0) }
        let failed = slots.filter { $0.machine.phase != .completed }
        guard !failed.isEmpty else {
            return OperationResponse(ok: true, message: "\(runLabel(name, slots: ids)) completed", status: status())
        }
        let notReady = failed.map { slot in
            NotReady(
                service: name, replica: slot.index,
                state: ReplicaStateName(rawValue: slot.machine.displayState.rawValue),
                reason: slot.machine.lastExit?.description ?? explain(slot))
        }
        let first = notReady[0]
        return OperationResponse(
            ok: false, message: "\(name).\(first.replica ?? 0) failed: \(first.reason)", notReady: notReady,
            status: status())
    }

    /// `job` or `job.2`, `job.2-3`: which replicas a run took, for events and answers.
    func runLabel(_ name: String, slots ids: [Int]) -> String {
        let indexes = ids.compactMap { services[name]?.slot($0)?.index }.sorted()
        guard let first = indexes.first, let last = indexes.last, first > 0 || indexes.count > 1 else { return name }
        return first == last ? "\(name).\(first)" : "\(name).\(first)-\(last)"
    }

    /// Feeds the job's machine at the wall clock's now and carries out what it returns.
    @discardableResult
    func feedSchedule(_ event: ScheduleMachine.Event, job name: String) -> [ScheduleMachine.Action] {
        guard !shuttingDown, let actions = scheduling.jobs[name]?.machine.handle(event, at: WallTime.now) else {
            return []
        }
        for action in actions {
            switch action {
            case .run(let reason):
                let slots = beginRun(name, replacing: false)
                announceRun(name, "\(runLabel(name, slots: slots)) run started (\(describe(reason)))")
            case .replace(let reason):
                announceRun(name, "run replaces the one in progress (\(describe(reason)))")
                beginRun(name, replacing: true)
            case .skipped(let reason):
                announceRun(name, "run skipped: the last one still runs (\(describe(reason)), concurrency: forbid)")
            case .atLimit(let reason, let running):
                announceRun(
                    name,
                    "run skipped: \(running) runs still run, its max_concurrent (\(describe(reason)), "
                        + "concurrency: allow)")
            case .missed(let due):
                announceRun(
                    name,
                    "missed the run due at \(due.rfc3339) while the daemon was down; "
                        + (services[name]?.spec.schedule?.startingDeadline == nil
                            ? "no starting_deadline, skipped" : "past its starting_deadline, skipped"))
            case .persist(let lastRun):
                remember(lastRun, job: name)
            case .wake(let at):
                wake(name, at: at)
            }
        }
        return actions
    }

    /// Starts a run and returns the ids of the slots it took (see `ServiceMachine.beginRun`); the run ends when
    /// they are all at rest again (completed, or failed for good), which the machine hears as `.runEnded`.
    @discardableResult
    private func beginRun(_ name: String, replacing: Bool) -> [Int] {
        services[name]?.want()
        var slots: [Int] = []
        var placed = false
        if replacing {
            // A `berth reload` may have changed the spec since the last run: this run uses the current one.
            run(services[name]?.restartInPlace(where: { _ in true }) ?? [], service: name)
        } else if let begun = services[name]?.beginRun() {
            slots = begun.slots
            placed = true
            run(begun.actions, service: name)
            if let desired = services[name]?.desired, slots.count < desired {
                announceRun(
                    name,
                    "run takes \(slots.count) of \(desired) replicas: the others would be past "
                        + "\(name).\(ServiceRuntime.indexLimit - 1) while scaled-away replicas stop")
            }
        }
        reconcile()
        if slots.isEmpty, !placed {
            // Replacing, or not active before (its activation made the slots of this run): the serving ones.
            slots = services[name]?.current.map(\.id) ?? []
        }
        scheduling.jobs[name]?.lastRunSlots = slots
        guard !replacing else { return slots }
        let goal: Goal = slots.isEmpty && !placed ? .stopped([name]) : .slotsAtRest(name, Set(slots))
        Task { [weak self] in
            _ = await self?.wait(for: goal, timeout: nil, success: "")
            await self?.endRun(name, slots: slots)
        }
        return slots
    }

    private func endRun(_ name: String, slots: [Int]) {
        if services[name]?.spec.schedule?.concurrency == .allow {
            let outcome = runOutcome(name, slots: slots)
            announceRun(name, "\(outcome.ok ? outcome.message : "run of " + outcome.message)")
        }
        feedSchedule(.runEnded, job: name)
    }

    private func wake(_ name: String, at time: WallTime) {
        scheduling.jobs[name]?.wake?.cancel()
        let delay = min(max(time - WallTime.now, .zero), Scheduling.longestSleep)
        scheduling.jobs[name]?.wake = Task { [weak self] in
            guard (try? await Task.sleep(for: delay)) != nil else { return }
            await self?.feedSchedule(.timer, job: name)
        }
    }

    private func announceRun(_ name: String, _ message: String) {
        logEvent("schedule", service: name, replica: nil, message: message)
        events.publish(DaemonEvent(time: wallClockNow(), kind: .schedule, service: name, message: message))
    }

    private func describe(_ reason: ScheduleMachine.Reason) -> String {
        switch reason {
        case .scheduled(let due): "due at \(due.rfc3339)"
        case .missed(let due): "missed at \(due.rfc3339) while the daemon was down, within starting_deadline"
        case .manual: "run-now"
        }
    }

    // MARK: The last run, remembered in the state directory

    private func rememberedRun(_ name: String) -> WallTime? {
        guard let directory = configuration.scheduleDirectory,
            let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8),
            let milliseconds = Int64(text.trimmingASCIIWhitespace())
        else { return nil }
        return WallTime(milliseconds: milliseconds)
    }

    private func remember(_ run: WallTime, job name: String) {
        guard let directory = configuration.scheduleDirectory else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            try "\(run.milliseconds)\n".write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        } catch {
            logEvent(
                "schedule", service: name, replica: nil,
                message: "cannot remember the last run in \(directory): \(error)", level: .warning)
        }
    }

    // MARK: Status

    func scheduleStatus(_ name: String) -> ScheduleStatus? {
        guard let spec = services[name]?.spec.schedule else { return nil }
        let machine = scheduling.jobs[name]?.machine
        let text: String =
            switch spec.trigger {
            case .cron(let expression, let zone): "\(expression.text) (\(zone))"
            case .every(let interval): "every \(DurationText.format(interval))"
            }
        return ScheduleStatus(
            schedule: text, concurrency: spec.concurrency.rawValue,
            lastRun: (machine?.lastRun ?? rememberedRun(name))?.rfc3339, nextRun: machine?.nextRun?.rfc3339,
            running: (machine?.running ?? 0) > 0)
    }
}

extension WallTime {
    /// The wall clock now.
    static var now: WallTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return WallTime(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}
