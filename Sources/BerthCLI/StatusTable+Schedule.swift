import BerthControlProtocol

extension StatusTable {
    /// "schedule: every 2s, last run 2026-...Z, next run 2026-...Z" under a scheduled job's rows.
    static func scheduleNote(_ schedule: ScheduleStatus) -> String {
        var parts = ["schedule: \(schedule.schedule)"]
        if schedule.concurrency != "forbid" { parts.append("concurrency \(schedule.concurrency)") }
        parts.append("last run " + (schedule.lastRun ?? "never") + (schedule.running ? " (running)" : ""))
        parts.append("next run " + (schedule.nextRun ?? "none"))
        return parts.joined(separator: ", ")
    }
}
