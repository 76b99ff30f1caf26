extension CronExpression {
    /// How far ahead `nextRun` looks before it says "never" (a Feb 29 on a Monday can be 28 years away; five years
    /// covers every leap day, which is what real schedules need).
    static let searchDays: Int64 = 5 * 366

    /// The first run strictly after `after`, in `zone`; nil if there is none within five years.
    ///
    /// Daylight saving time, the documented policy:
    /// - a wall-clock time skipped by a jump forward (02:30 on the spring night in Europe/Berlin) runs once, at the
    ///   jump (03:00 local), as Vixie cron does; never silently skipped;
    /// - a wall-clock time that happens twice (01:30 on the autumn night in America/New_York) runs once, at its first
    ///   occurrence.
    public func nextRun(after: WallTime, in zone: any UTCOffsets) -> WallTime? {
        let afterSeconds = after.seconds
        // The local date of `after` (the offset there is good enough to choose where to begin: one day earlier is
        // also looked at, for zones where the offset changes around midnight).
        let localStart = afterSeconds + Int64(zone.secondsFromGMT(atEpochSeconds: afterSeconds))
        let firstDay = floorDivide(localStart, 86_400) - 1
        let sortedHours = hours.sorted()
        let sortedMinutes = minutes.sorted()
        for dayNumber in firstDay...(firstDay + Self.searchDays) {
            let date = CivilDate(dayNumber: dayNumber)
            guard matches(date) else { continue }
            for hour in sortedHours {
                for minute in sortedMinutes {
                    let local = dayNumber * 86_400 + Int64(hour * 3600 + minute * 60)
                    // No zone is more than 26 hours from UTC: times this far before `after` cannot be after it.
                    if local < localStart - 26 * 3600 { continue }
                    let instant = Self.instant(ofLocal: local, in: zone)
                    if instant > afterSeconds { return WallTime(seconds: instant) }
                }
            }
        }
        return nil
    }

    /// The instant a local wall-clock time (seconds since the epoch as if the zone were UTC) stands for: its first
    /// occurrence when it happens twice, the moment of the jump when it does not happen at all.
    static func instant(ofLocal local: Int64, in zone: any UTCOffsets) -> Int64 {
        // Offsets a day either side: a zone changes its offset at most once within two days.
        let before = Int64(zone.secondsFromGMT(atEpochSeconds: local - 86_400))
        let after = Int64(zone.secondsFromGMT(atEpochSeconds: local + 86_400))
        let candidates = Set([local - before, local - after]).sorted()
        for candidate in candidates where candidate + Int64(zone.secondsFromGMT(atEpochSeconds: candidate)) == local {
            return candidate
        }
        // In a gap: the jump lies between the two candidates; find its instant (binary search on the offset).
        var low = candidates.first!
        var high = candidates.last!
        let lowOffset = zone.secondsFromGMT(atEpochSeconds: low)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if zone.secondsFromGMT(atEpochSeconds: middle) == lowOffset {
                low = middle
            } else {
                high = middle
            }
        }
        return high
    }
}
