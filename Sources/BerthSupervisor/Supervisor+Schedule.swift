import BerthControlProtocol
import BerthManifest
import BerthSchedule
import Foundation
import Logging

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

    /// `berth run-now JOB`: a run now, whatever the schedule (which it does not move).
    func runNow(_ name: String) throws(ControlAPIError) -> OperationResponse {
        guard let runtime = services[name] else { throw ControlAPIError.unknownService(name) }
        guard scheduling.jobs[name] != nil else {
            if runtime.spec.schedule == nil {
                throw ControlAPIError.badRequest("\(name) has no schedule; use berth restart \(name) to run it again")
            }
            throw ControlAPIError.conflict("\(name) was not started by berth up; start it with berth up \(name)")
        }
        let actions = feedSchedule(.runNow, job: name)
        if actions.contains(where: { if case .skipped = $0 { true } else { false } }) {
            throw ControlAPIError.conflict("a run of \(name) is in progress (concurrency: forbid)")
        }
        return OperationResponse(ok: true, message: "\(name) run started", status: status())
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
                announceRun(name, "run started (\(describe(reason)))")
                beginRun(name, replacing: false)
            case .replace(let reason):
                announceRun(name, "run replaces the one in progress (\(describe(reason)))")
                beginRun(name, replacing: true)
            case .skipped(let reason):
                announceRun(name, "run skipped: the last one still runs (\(describe(reason)), concurrency: forbid)")
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

    private func beginRun(_ name: String, replacing: Bool) {
        services[name]?.want()
        if services[name]?.isActive == true {
            // A `berth reload` may have changed the spec since the last run: this run uses the current one.
            run(services[name]?.restartInPlace(where: { replacing || $0.machine.isAtRest }) ?? [], service: name)
        }
        reconcile()
        guard !replacing else { return }
        // The run ends when every replica is at rest again (completed, or failed for good).
        Task { [weak self] in
            _ = await self?.wait(for: .stopped([name]), timeout: nil, success: "")
            await self?.feedSchedule(.runEnded, job: name)
        }
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
            let milliseconds = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
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
