import Testing

@testable import BerthSchedule

@Suite("CronExpression.nextRun")
struct CronNextRunTests {
    func next(_ text: String, after: String, in zone: any UTCOffsets) throws -> String? {
        try CronExpression.parse(text).nextRun(after: utc(after), in: zone)?.rfc3339
    }

    @Test func everyMinuteIsStrictlyAfter() throws {
        #expect(try next("* * * * *", after: "2026-01-01T00:00:00Z", in: utcZone) == "2026-01-01T00:01:00Z")
        #expect(try next("* * * * *", after: "2026-01-01T00:00:30Z", in: utcZone) == "2026-01-01T00:01:00Z")
    }

    @Test func dailyInAZone() throws {
        // 03:00 in Berlin in winter is 02:00 UTC.
        #expect(try next("0 3 * * *", after: "2026-01-10T12:00:00Z", in: berlin) == "2026-01-11T02:00:00Z")
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothAreRestricted() throws {
        // 2026-01-01 is a Thursday; the 13th or a Friday: Friday the 2nd comes first.
        #expect(try next("0 0 13 * fri", after: "2026-01-01T00:00:00Z", in: utcZone) == "2026-01-02T00:00:00Z")
        #expect(try next("0 0 13 * *", after: "2026-01-01T00:00:00Z", in: utcZone) == "2026-01-13T00:00:00Z")
    }

    @Test func leapDay() throws {
        #expect(try next("0 0 29 2 *", after: "2026-01-01T00:00:00Z", in: utcZone) == "2028-02-29T00:00:00Z")
    }

    @Test func springForwardGapRunsAtTheJump() throws {
        // Europe/Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00Z). 02:30 does not exist: it runs at 03:00
        // local, the jump, once.
        #expect(try next("30 2 * * *", after: "2026-03-28T12:00:00Z", in: berlin) == "2026-03-29T01:00:00Z")
        // And the next day at 02:30 CEST again (00:30Z).
        #expect(try next("30 2 * * *", after: "2026-03-29T01:00:00Z", in: berlin) == "2026-03-30T00:30:00Z")
        // Every minute in the gap maps to the jump: one run there, then 03:01 local.
        #expect(try next("* * * * *", after: "2026-03-29T00:59:00Z", in: berlin) == "2026-03-29T01:00:00Z")
        #expect(try next("* * * * *", after: "2026-03-29T01:00:00Z", in: berlin) == "2026-03-29T01:01:00Z")
    }

    @Test func fallBackRepeatedTimeRunsOnceAtItsFirstOccurrence() throws {
        // America/New_York, 2026-11-01: 02:00 EDT falls back to 01:00 EST (06:00Z). 01:30 happens at 05:30Z (EDT)
        // and 06:30Z (EST); it runs at 05:30Z only, and next on the 2nd at 01:30 EST (06:30Z).
        #expect(try next("30 1 * * *", after: "2026-10-31T12:00:00Z", in: newYork) == "2026-11-01T05:30:00Z")
        #expect(try next("30 1 * * *", after: "2026-11-01T05:30:00Z", in: newYork) == "2026-11-02T06:30:00Z")
    }

    @Test func handWrittenZoneGapAndOverlap() throws {
        // +1h until 2026-03-29T01:00Z, then +2h: local 02:xx is skipped.
        let spring = OneChangeZone(before: 3600, after: 7200, transition: utc("2026-03-29T01:00:00Z").seconds)
        #expect(try next("15 2 * * *", after: "2026-03-29T00:00:00Z", in: spring) == "2026-03-29T01:00:00Z")
        // +2h until 2026-10-25T01:00Z, then +1h: local 02:xx happens twice; the first is taken.
        let autumn = OneChangeZone(before: 7200, after: 3600, transition: utc("2026-10-25T01:00:00Z").seconds)
        #expect(try next("15 2 * * *", after: "2026-10-24T12:00:00Z", in: autumn) == "2026-10-25T00:15:00Z")
        #expect(try next("15 2 * * *", after: "2026-10-25T00:15:00Z", in: autumn) == "2026-10-26T01:15:00Z")
    }

    @Test func civilDateRoundTrips() {
        for day in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let date = CivilDate(dayNumber: day)
            #expect(date.dayNumber == day)
        }
        #expect(CivilDate(year: 1970, month: 1, day: 1).weekday == 4)
        #expect(CivilDate(year: 1969, month: 12, day: 28).weekday == 0)
    }
}
