import Testing

@testable import BerthSchedule

@Suite("CronExpression.parse")
struct CronParsingTests {
    @Test func fieldsListsRangesStepsAndNames() throws {
        let cron = try CronExpression.parse("*/15 9-17 * jan,jul mon-fri")
        #expect(cron.minutes == [0, 15, 30, 45])
        #expect(cron.hours == Set(9...17))
        #expect(cron.months == [1, 7])
        #expect(cron.daysOfWeek == Set(1...5))
        #expect(cron.anyDayOfMonth && !cron.anyDayOfWeek)
    }

    @Test func sundayIsZeroOrSeven() throws {
        #expect(try CronExpression.parse("0 0 * * 7").daysOfWeek == [0])
        #expect(try CronExpression.parse("0 0 * * 5-7").daysOfWeek == [5, 6, 0])
    }

    @Test func startSlashStepRunsToTheEnd() throws {
        #expect(try CronExpression.parse("5/20 * * * *").minutes == [5, 25, 45])
    }

    @Test func shorthands() throws {
        #expect(try CronExpression.parse("@hourly").fiveFields == "0 * * * *")
        #expect(try CronExpression.parse("@daily").minutes == [0])
        #expect(try CronExpression.parse("@weekly").daysOfWeek == [0])
        #expect(try CronExpression.parse("@yearly").text == "@yearly")
    }

    @Test(arguments: [
        ("* * * *", "5 fields"),
        ("60 * * * *", "minute 60 is out of range 0-59"),
        ("* 24 * * *", "hour 24 is out of range 0-23"),
        ("* * 0 * *", "day of month 0 is out of range 1-31"),
        ("* * * 13 *", "month 13 is out of range 1-12"),
        ("* * * * 8", "day of week 8 is out of range 0-7"),
        ("*/0 * * * *", "invalid step '0'"),
        ("5-1 * * * *", "goes backwards"),
        ("* * * foo *", "invalid month 'foo'"),
        ("@reboot", "unknown cron shorthand '@reboot'"),
        ("0 0 30 2 *", "never runs"),
    ])
    func refusesWithAClearMessage(text: String, message: String) {
        #expect {
            try CronExpression.parse(text)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func errorOffsetPointsAtTheField() {
        do {
            _ = try CronExpression.parse("0  99 * * *")
            Issue.record("parsed")
        } catch {
            #expect(error.offset == 3)
        }
    }
}
