public import BerthControlProtocol

extension HookEvent {
    /// The hook event a daemon event stands for, if any. The supervisor's events are worded for people; these are
    /// the states and phrases it uses for the four situations (`Supervisor+Spawn.announce`, `Supervisor+Limits`,
    /// `Supervisor+Rollout`), so a change of wording there must change this too (tests pin both).
    /// `restarts` is the replica's restart count including this one, kept by the caller.
    public static func classify(_ event: DaemonEvent, project: String, restarts: Int?) -> [HookEvent] {
        guard let service = event.service else { return [] }
        func make(_ kind: HookEventKind, restarts: Int? = nil) -> HookEvent {
            HookEvent(
                kind: kind, project: project, service: service, replica: event.replica, message: event.message,
                time: event.time, restarts: restarts)
        }
        switch event.kind {
        case .replica:
            var found: [HookEvent] = []
            if event.message.contains("OOM killer") { found.append(make(.oomKilled)) }
            if event.state == .failed, event.message.hasPrefix("failed: gave up") { found.append(make(.gaveUp)) }
            if isRestart(event) { found.append(make(.restarted, restarts: restarts)) }
            return found
        case .rollout:
            return event.message.hasPrefix("rolled back") ? [make(.rolledBack)] : []
        case .scaled, .ejected, .rates, .certificate, .schedule, .watch:
            return []
        }
    }

    /// "exited with status 1; restarting in 250 ms", "killed by SIGKILL; restarting at once", "...; restarted at
    /// once (pid N)".
    public static func isRestart(_ event: DaemonEvent) -> Bool {
        event.kind == .replica
            && (event.message.contains("; restarting in ") || event.message.contains("; restarting at once")
                || event.message.contains("; restarted at once"))
    }
}
