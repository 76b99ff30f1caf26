/// A five-field cron schedule (`minute hour day-of-month month day-of-week`), parsed once and matched as sets.
///
/// Semantics are Vixie cron's, which is what crontab(5), Kubernetes' CronJob and most users know: when both day fields
/// are restricted a day matches if either does; `7` is Sunday like `0`; names (`jan`, `mon`) and `@hourly`-style
/// shorthands are accepted. `@reboot` is not: Berth has `depends_on` and one-shot services for that.
public struct CronExpression: Sendable, Codable, Hashable, CustomStringConvertible {
    public var minutes: Set<Int>
    public var hours: Set<Int>
    public var daysOfMonth: Set<Int>
    public var months: Set<Int>
    /// 0 = Sunday ... 6 = Saturday.
    public var daysOfWeek: Set<Int>
    /// The day-of-month field was `*` (or `?`): only the day-of-week field restricts days.
    public var anyDayOfMonth: Bool
    /// The day-of-week field was `*`.
    public var anyDayOfWeek: Bool
    /// The text it was parsed from, for status and exports.
    public var text: String

    public var description: String { text }

    /// Whether the civil date is a day the expression runs on.
    func matches(_ date: CivilDate) -> Bool {
        guard months.contains(date.month) else { return false }
        let dayOfMonth = daysOfMonth.contains(date.day)
        let dayOfWeek = daysOfWeek.contains(date.weekday)
        switch (anyDayOfMonth, anyDayOfWeek) {
        case (true, true): return true
        case (true, false): return dayOfWeek
        case (false, true): return dayOfMonth
        case (false, false): return dayOfMonth || dayOfWeek
        }
    }

    /// The five-field form (shorthands expanded), as Kubernetes and systemd exports need it.
    public var fiveFields: String {
        switch text {
        case "@yearly", "@annually": return "0 0 1 1 *"
        case "@monthly": return "0 0 1 * *"
        case "@weekly": return "0 0 * * 0"
        case "@daily", "@midnight": return "0 0 * * *"
        case "@hourly": return "0 * * * *"
        default: return text
        }
    }
}
