/// One hook of the manifest (`on_failure:` / `on_event:`, per service or project-wide): what runs, on which events,
/// and how hard a webhook is tried.
public struct HookSpec: Sendable, Codable, Equatable {
    public enum Target: Sendable, Codable, Equatable {
        /// A program and its arguments; the event as JSON on stdin and as `BERTH_EVENT_*` variables.
        case command([String])
        /// An `http://` or `https://` URL the event is POSTed to as JSON (with curl).
        case webhook(String)
    }

    public var target: Target
    public var events: Set<HookEventKind>
    /// The service it belongs to; nil for project-wide hooks (every service).
    public var service: String?
    /// How long one attempt may take before it is killed and counts as failed.
    public var timeout: Duration
    /// Further attempts after a failed one, with a doubling delay (1 s, 2 s, 4 s, ... at most 30 s).
    public var retries: Int
    /// `restarted` fires at every `restarts`-th restart of a replica (1: each one).
    public var restarts: Int

    public init(
        target: Target, events: Set<HookEventKind>, service: String? = nil, timeout: Duration = .seconds(10),
        retries: Int = 3, restarts: Int = 1
    ) {
        self.target = target
        self.events = events
        self.service = service
        self.timeout = timeout
        self.retries = retries
        self.restarts = restarts
    }

    /// Whether this hook wants `event`.
    public func matches(_ event: HookEvent) -> Bool {
        guard events.contains(event.kind), service == nil || service == event.service else { return false }
        if event.kind == .restarted {
            return (event.restarts ?? 0) > 0 && (event.restarts ?? 0) % max(restarts, 1) == 0
        }
        return true
    }
}

/// The events hooks can fire on: the ones that need a person.
public enum HookEventKind: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    /// A replica failed for good: its restart policy's `give_up` limit was reached.
    case gaveUp = "gave_up"
    /// A replica crashed and is restarted (see `HookSpec.restarts`).
    case restarted
    /// The kernel's OOM killer ended a replica at its `limits.memory`.
    case oomKilled = "oom_killed"
    /// A rollout (`berth reload`, `berth restart`) was rolled back.
    case rolledBack = "rolled_back"

    /// What `on_failure:` fires on.
    public static let failures: Set<HookEventKind> = [.gaveUp, .oomKilled, .rolledBack]
}
