import BerthProcess
import BerthResources
import Logging

#if canImport(Glibc)
    import Glibc
#endif

extension Supervisor {
    /// Records the running processes in the state file, coalescing bursts (100 spawns write it once or twice).
    func persistIfNeeded() {
        guard stateDirty, !persistScheduled, configuration.stateFile != nil else { return }
        persistScheduled = true
        // On the timers' next turn: a burst of spawns is written once.
        arm(.persist, at: clock.now)
    }

    func persistNow() {
        persistScheduled = false
        guard stateDirty, let path = configuration.stateFile else { return }
        stateDirty = false
        var processes: [DaemonRecord.ProcessRecord] = []
        for (name, runtime) in services {
            for slot in runtime.slots {
                guard let pid = slot.machine.process?.pid else { continue }
                processes.append(
                    .init(service: name, replica: slot.index, pid: pid, startTime: ProcessTable.startTime(of: pid))
                )
            }
        }
        processes.sort { ($0.service, $0.replica) < ($1.service, $1.replica) }
        var record = DaemonRecord(instanceID: configuration.instanceID, daemonPID: getpid(), processes: processes)
        if let support = configuration.cgroups, support.isRoot {
            record.cgroups = support.layout.projectDirectories(project: manifest.project)
        }
        do {
            try StateFile(path: path).write(record)
            if let since = stateFileFailingSince {
                stateFileFailingSince = nil
                stateFileError = nil
                logger.notice(
                    "the state file is written again (it was not for \(DurationFormat.short(clock.now - since)))",
                    metadata: ["event": "state_file_recovered", "path": "\(path)"])
            }
        } catch {
            // Kept dirty and tried again each second; said once per episode, not per try.
            stateDirty = true
            stateFileError = error.description
            if stateFileFailingSince == nil {
                stateFileFailingSince = clock.now
                let message =
                    "cannot record the running processes: \(error); the previous record stays, a "
                    + "daemon started after a crash of this one may not find every replica; retrying each second"
                logger.error(
                    "\(message)",
                    metadata: ["event": "state_file_failed", "path": "\(path)"])
            }
            persistScheduled = true
            arm(.persist, at: clock.now + .seconds(1))
        }
    }

    /// Removes the state file after a clean `down`: nothing is left to clean up.
    func removeStateFile() {
        guard let path = configuration.stateFile else { return }
        StateFile(path: path).remove()
    }
}
