/// `schedule:` of a one-shot service: when it runs, what happens when a run is due while the last one still runs,
/// and how late a run missed while the daemon was down may still start.
public struct ScheduleSpec: Sendable, Codable, Equatable {
    public enum Trigger: Sendable, Codable, Equatable {
        /// A cron expression read in a time zone (an IANA name such as `Europe/Berlin`; `UTC` by default).
        case cron(CronExpression, timeZone: String)
        /// `every: 30s`: one run per interval, counted from the last run.
        case every(Duration)
    }

    /// What a due run does while the previous run of the job is still going.
    public enum Concurrency: String, Sendable, Codable, Equatable, CaseIterable {
        /// Skip the due run (said in an event); the default, as in Kubernetes' `Forbid` and systemd timers.
        case forbid
        /// Start it beside the running ones, each run in replicas of its own, up to `maxConcurrent` runs at once.
        case allow
        /// Stop the running one, then start the due run.
        case replace
    }

    public var trigger: Trigger
    public var concurrency: Concurrency
    /// A run missed while the daemon was down starts at the daemon's start if it was due at most this long ago;
    /// nil: missed runs are skipped.
    public var startingDeadline: Duration?
    /// With `concurrency: allow`: how many runs may be in progress at once; a run due beyond it is skipped (said in
    /// an event), so that a job slower than its interval cannot pile up processes without bound.
    public var maxConcurrent: Int

    /// `max_concurrent` when the manifest does not say.
    public static let defaultMaxConcurrent = 3
    /// The largest `max_concurrent` accepted (each run has replicas of its own).
    public static let maximumMaxConcurrent = 100

    public init(
        trigger: Trigger, concurrency: Concurrency = .forbid, startingDeadline: Duration? = nil,
        maxConcurrent: Int = ScheduleSpec.defaultMaxConcurrent
    ) {
        self.trigger = trigger
        self.concurrency = concurrency
        self.startingDeadline = startingDeadline
        self.maxConcurrent = maxConcurrent
    }
}
