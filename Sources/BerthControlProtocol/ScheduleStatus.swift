/// A scheduled job's timetable in `GET /v1/status` (`services[].schedule`): what drives it and when it last and next
/// runs. Times are RFC 3339 in UTC; absent fields mean "never ran" or "no future run".
public struct ScheduleStatus: Codable, Sendable, Equatable {
    /// `every 2s` or the cron expression with its zone, `0 3 * * * (Europe/Berlin)`.
    public var schedule: String
    public var concurrency: String
    public var lastRun: String?
    public var nextRun: String?
    /// Whether a run is in progress.
    public var running: Bool

    public init(schedule: String, concurrency: String, lastRun: String?, nextRun: String?, running: Bool) {
        self.schedule = schedule
        self.concurrency = concurrency
        self.lastRun = lastRun
        self.nextRun = nextRun
        self.running = running
    }

    enum CodingKeys: String, CodingKey {
        case schedule, concurrency, running
        case lastRun = "last_run"
        case nextRun = "next_run"
    }
}
