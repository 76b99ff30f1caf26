/// The decisions of a service's `watch:`: when a burst of file changes has gone quiet, build; after a good build,
/// roll the replicas; a change that comes while a build or rollout runs is kept and handled once it ends. A failed
/// build or rollout leaves the old version serving (the machine starts nothing else) until the next change.
///
/// Events in (with the current instant), actions out; the watcher in berthd lists files, runs the build and asks
/// for the rolling restart.
public struct WatchMachine: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public enum State: Sendable, Equatable {
        case idle
        /// Changes seen; the build starts at `deadline` unless more come first.
        case settling(deadline: Instant)
        /// The build runs; `pending`: files changed meanwhile.
        case building(pending: Bool)
        /// The rolling restart runs; `pending`: files changed meanwhile.
        case rolling(pending: Bool)
    }

    public enum Event: Sendable, Equatable {
        /// Matching files changed (the watcher filtered them).
        case changed([String])
        /// The timer set by `.schedule` fired.
        case timer
        case buildEnded(succeeded: Bool, detail: String)
        case rolloutEnded(succeeded: Bool, detail: String)
    }

    public enum Action: Sendable, Equatable {
        /// Wake the machine with `.timer` at this instant (a later schedule replaces an earlier one).
        case schedule(at: Instant)
        /// Run the service's `build:` step (or go straight to `.rollout` when it has none: the machine is told by
        /// `hasBuild`).
        case build(changed: [String])
        case rollout
        /// Tell people (the terminal of `berth up`, `berth events`): what happened and whether it is a failure.
        case report(String, failure: Bool)
    }

    public internal(set) var state: State = .idle
    public let debounce: Duration
    public let hasBuild: Bool
    /// The changed files of the coming build, first ones first (shown in its report).
    var changed: [String] = []

    public init(debounce: Duration, hasBuild: Bool) {
        self.debounce = debounce
        self.hasBuild = hasBuild
    }
}
