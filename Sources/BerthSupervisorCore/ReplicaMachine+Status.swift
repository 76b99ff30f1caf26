extension ReplicaMachine {
    /// The user-facing state names (`berth status`), as documented in docs/control-api.md.
    public enum DisplayState: String, Sendable, CaseIterable {
        case starting, running, draining, stopping, backoff, failed, stopped, completed
    }

    public var displayState: DisplayState {
        switch phase {
        case .stopped: .stopped
        case .spawning: .starting
        case .running(let process): process.everReady ? .running : .starting
        case .draining: .draining
        case .stopping: .stopping
        case .backoff: .backoff
        case .failed: .failed
        case .completed: .completed
        }
    }

    /// Whether this replica counts as "started" for `depends_on: started` (a process was spawned at least once).
    /// Latches: a later restart or spawn failure does not take it back.
    public var hasStarted: Bool {
        everSpawned
    }
}
