/// When a scheduled job runs: a value type fed with events and the current wall-clock time, returning the actions
/// to carry out (start a run, stop and restart it, wake me at, persist the last run). It performs no I/O and reads no
/// clock, so its tests are scripts with a manual clock; `Supervisor+Schedule` is the thin shell around it.
public struct ScheduleMachine: Sendable {
    public enum Event: Sendable, Equatable {
        /// The daemon started supervising the job; `lastRun` is what the state directory remembers (nil: never ran).
        case started(lastRun: WallTime?)
        /// A wake-up asked for by `.wake` arrived (maybe early, maybe late).
        case timer
        /// `berth run-now JOB`.
        case runNow
        /// The run in progress finished (whatever its outcome).
        case runEnded
    }

    /// Why a run starts, for events and logs.
    public enum Reason: Sendable, Equatable {
        /// It was due at this time.
        case scheduled(due: WallTime)
        /// It was due while the daemon was down, within `starting_deadline`.
        case missed(due: WallTime)
        /// `berth run-now`.
        case manual
    }

    public enum Action: Sendable, Equatable {
        /// Start a run.
        case run(Reason)
        /// Stop the run in progress, then start a new one (`concurrency: replace`).
        case replace(Reason)
        /// A run was due but the last one still runs (`concurrency: forbid`): nothing starts.
        case skipped(Reason)
        /// A run was due but `max_concurrent` runs are in progress (`concurrency: allow`): nothing starts.
        case atLimit(Reason, running: Int)
        /// A run due while the daemon was down is too old to start (`starting_deadline`).
        case missed(due: WallTime)
        /// Remember the start of the last run (the state directory), for the next daemon start.
        case persist(lastRun: WallTime)
        /// Deliver `.timer` at this time.
        case wake(at: WallTime)
    }

    public let spec: ScheduleSpec
    let zone: any UTCOffsets
    /// When the last run started (this daemon's or a previous one's).
    public internal(set) var lastRun: WallTime?
    /// When the next run is due; nil before `.started` or when a cron expression has no future run.
    public internal(set) var nextRun: WallTime?
    /// Runs in progress (more than one only with `concurrency: allow`).
    public internal(set) var running = 0

    /// `zone` is the cron expression's time zone (ignored by `every:`).
    public init(spec: ScheduleSpec, zone: any UTCOffsets) {
        self.spec = spec
        self.zone = zone
    }
}
