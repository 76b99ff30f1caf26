import BerthSchedule

/// The supervisor's scheduled jobs: one pure `ScheduleMachine` per `schedule:` service that `berth up` started, with
/// the sleeping task that will deliver its next `.timer`. Kept in one value so that the supervisor gains one property.
struct Scheduling: Sendable {
    struct Job: Sendable {
        var machine: ScheduleMachine
        var wake: Task<Void, Never>?
        /// The slots the last run took (for `berth run-now` to wait on).
        var lastRunSlots: [Int] = []
    }

    var jobs: [String: Job] = [:]
    /// Wake-ups are bounded so that a wall-clock change (NTP step, suspend) is noticed within this time.
    static let longestSleep = Duration.seconds(30)
}
