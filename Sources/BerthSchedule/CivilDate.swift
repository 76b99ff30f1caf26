/// A proleptic Gregorian calendar date, with the day arithmetic cron needs (Howard Hinnant's `days_from_civil`).
///
/// Kept free of `Calendar` so that finding the next run is plain integer arithmetic: only the UTC offset comes from
/// the time zone database.
struct CivilDate: Sendable, Hashable {
    var year: Int64
    var month: Int
    var day: Int

    /// Days since 1970-01-01.
    var dayNumber: Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    init(year: Int64, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    init(dayNumber: Int64) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// 0 = Sunday ... 6 = Saturday (cron's numbering).
    var weekday: Int {
        Int(((dayNumber + 4) % 7 + 7) % 7)
    }
}

/// Floor division for possibly negative seconds.
func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
}
