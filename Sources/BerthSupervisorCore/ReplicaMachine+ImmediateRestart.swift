/// When an exit of the running process would be answered by a spawn at once, known before the exit happens: the
/// supervisor uses it to have the replacement started on the thread that reaps the process, right after the reap,
/// instead of after the exit has travelled to the supervisor's task (issue 16: kill -9 → new pid ≤ 2 ms).
///
/// It is a prediction of what `handle(.exited)` will return, never a decision of its own: the machine still handles
/// the exit as always, and a replacement started for an exit the machine did not answer with `.spawn` is stopped.
public struct ImmediateRestart: Sendable, Equatable {
    /// The incarnation the replacement will have.
    public var incarnation: Int
    /// The first instant from which an exit restarts at once (no backoff delay left, the give-up window has room).
    public var from: ContinuousClock.Instant
    /// Only a failed exit restarts (`restart: on-failure`); a clean one completes the replica.
    public var onlyAfterFailure: Bool
}

extension ReplicaMachine {
    /// Whether, and from when, an exit of the running process restarts it at once. nil while no process runs or is
    /// not `.running` (starting, draining, stopping: a stop, scale-down, reload or hold moves it there first), under
    /// `restart: never`, and while a failed replica has not been ready since: its exit waits a backoff delay.
    ///
    /// Later instants only widen it: restarts leave the give-up window and a replica that stays ready reaches
    /// `reset_after`, so a prediction made now holds for every exit at or after `from` until the phase changes.
    public var immediateRestart: ImmediateRestart? {
        guard case .running(let process) = phase else { return nil }
        let onlyAfterFailure: Bool
        switch policy.restart {
        case .never: return nil
        case .onFailure: onlyAfterFailure = true
        case .always: onlyAfterFailure = false
        }
        var from = process.startedAt
        if consecutiveFailures > 0 {
            // `restartAfterFailure` forgets the failures once the process has been ready for `reset_after`.
            guard let readySince = process.readySince else { return nil }
            from = readySince + policy.resetAfter
        }
        guard giveUp.limit.restarts > 0 else { return nil }
        if let roomFrom = giveUp.roomFrom { from = max(from, roomFrom) }
        return ImmediateRestart(incarnation: incarnations + 1, from: from, onlyAfterFailure: onlyAfterFailure)
    }
}

extension GiveUpWindow {
    /// The first instant at which `allowRestart` records a restart when the window is full now (given none is
    /// recorded meanwhile); nil when it has room at any instant from now on. (A limit of zero never has room.)
    public var roomFrom: ContinuousClock.Instant? {
        guard restarts.count >= limit.restarts, limit.restarts > 0 else { return nil }
        // The oldest `count - limit + 1` restarts must have left the window.
        return restarts[restarts.count - limit.restarts] + limit.within
    }
}
