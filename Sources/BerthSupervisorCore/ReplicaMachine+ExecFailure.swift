extension ReplicaMachine {
    /// The process reported as `.spawned` never reached its program (the spawner learns the exec outcome after it
    /// returned the pid). Like `.spawnFailed`, this is a failed start: the replica fails at once, with no backoff and
    /// no restart counted, because retrying an exec that failed cannot succeed by itself.
    mutating func execFailed(reason why: String, now: Instant) -> [ReplicaAction] {
        switch phase {
        case .running(let process):
            var actions: [ReplicaAction] = [.killGroup(pid: process.pid)]
            if process.ready { actions.append(.readinessChanged(false)) }
            uncountRestart(process)
            fail(reason: why)
            return actions
        case .stopping(let process, let then, _), .draining(let process, let then):
            // Being stopped already (readiness was withdrawn then): a stop stays a stop; a restart, whether asked
            // for by a command or after a failed liveness check, is not attempted with a program that cannot start.
            uncountRestart(process)
            if then == .stay {
                phase = .stopped
            } else {
                fail(reason: why)
            }
            return [.killGroup(pid: process.pid)]
        case .stopped, .spawning, .backoff, .failed, .completed:
            preconditionFailure("exec failure without a running process in \(phase)")
        }
    }

    /// `.spawned` counted the process as a restart; a start that failed does not count (as with `.spawnFailed`).
    private mutating func uncountRestart(_ process: Process) {
        if process.incarnation > 1 { restarts -= 1 }
    }

    private mutating func fail(reason why: String) {
        reason = "could not start: \(why)"
        phase = .failed(reason: reason!)
    }
}
