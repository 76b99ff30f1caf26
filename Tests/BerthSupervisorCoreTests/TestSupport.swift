import Testing

@testable import BerthSupervisorCore

let crash = ExitInfo(succeeded: false, description: "exited with status 1")
let cleanExit = ExitInfo(succeeded: true, description: "exited with status 0")
let killed = ExitInfo(succeeded: false, description: "killed by SIGKILL")

/// Backoff without jitter, so that every delay the machine schedules is exact.
let exactBackoff = Backoff(initial: .seconds(1), max: .seconds(8), multiplier: 2, jitter: 0)

extension ReplicaMachine {
    /// Sends `.start` and answers the spawn with `pid`; returns the actions of `.spawned`.
    @discardableResult
    mutating func startRunning(
        pid: Int32, at now: Instant, sourceLocation: SourceLocation = #_sourceLocation
    ) -> [ReplicaAction] {
        let next = incarnations + 1
        #expect(handle(.start, at: now) == [.spawn(incarnation: next)], sourceLocation: sourceLocation)
        return handle(.spawned(pid: pid), at: now)
    }

    /// The `then` of a stopping replica, nil in any other phase.
    var afterStop: AfterStop? {
        if case .stopping(_, let then, _) = phase { return then }
        return nil
    }

    /// Whether the stop timeout already escalated to SIGKILL; nil when not stopping.
    var wasKilled: Bool? {
        if case .stopping(_, _, let killed) = phase { return killed }
        return nil
    }
}
