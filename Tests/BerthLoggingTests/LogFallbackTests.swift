import BerthLogging
import Foundation
import Testing

@Suite("LogFallback: where a line goes while journald is away")
struct LogFallbackTests {
    let start = ContinuousClock.now

    @Test func linesGoToThePrimaryUntilItFails() {
        var fallback = LogFallback(retryInterval: .seconds(1))
        #expect(fallback.route(now: start) == .primary)
        let started = fallback.primaryFailed(now: start)
        #expect(started)
        #expect(fallback.route(now: start) == .fallback)
        fallback.wroteToFallback()
        fallback.wroteToFallback()
        #expect(fallback.route(now: start + .milliseconds(999)) == .fallback)
        #expect(fallback.route(now: start + .seconds(1)) == .tryPrimary(since: start, lines: 2))
    }

    @Test func aFailedRetryWaitsAnotherIntervalAndKeepsTheGapsStart() {
        var fallback = LogFallback(retryInterval: .seconds(1))
        _ = fallback.primaryFailed(now: start)
        fallback.wroteToFallback()
        let again = fallback.primaryFailed(now: start + .seconds(1))
        #expect(!again, "the gap started already: no second event")
        fallback.wroteToFallback()
        #expect(fallback.route(now: start + .milliseconds(1500)) == .fallback)
        #expect(fallback.route(now: start + .seconds(2)) == .tryPrimary(since: start, lines: 2))
    }

    @Test func recoveryEndsTheGapAndANewFailureStartsANewOne() {
        var fallback = LogFallback(retryInterval: .seconds(1))
        _ = fallback.primaryFailed(now: start)
        fallback.primaryRecovered()
        #expect(fallback.mode == .primary)
        #expect(fallback.route(now: start + .seconds(5)) == .primary)
        let next = fallback.primaryFailed(now: start + .seconds(5))
        #expect(next)
        #expect(fallback.route(now: start + .seconds(6)) == .tryPrimary(since: start + .seconds(5), lines: 0))
    }
}

/// A destination that can be told to refuse lines, standing for journald going away; what it stored is kept.
final class SwitchableDriver: LogDriver, @unchecked Sendable {
    let name = "journald"
    var refusing = false
    var stored: [LogRecord] = []

    func write(_ record: LogRecord) throws(LogDriverError) {
        if refusing { throw LogDriverError("sd_journal_sendv: Connection refused") }
        stored.append(record)
    }
}

@Suite("FallbackLogDriver with the real file driver behind it")
struct FallbackLogDriverTests {
    @Test func everyLineIsStoredOnceAndTheGapIsReportedBothWays() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualInstant()
        let journal = SwitchableDriver()
        let driver = FallbackLogDriver(
            primary: journal, directory: directory.path + "/logs", retryInterval: .seconds(1), now: { clock.now })
        try driver.write(record("web", 0, "seq 1", time: 1))
        clock.advance(.seconds(2))
        for line in 2...3 { try driver.write(record("web", 0, "seq \(line)", time: Double(line))) }
        journal.refusing = true
        for line in 4...6 { try driver.write(record("web", 0, "seq \(line)", time: Double(line))) }
        clock.advance(.seconds(1))
        try driver.write(record("web", 0, "seq 7", time: 7))  // the retry fails: still the files
        journal.refusing = false
        try driver.write(record("web", 0, "seq 8", time: 8))  // not yet time to retry
        clock.advance(.seconds(1))
        try driver.write(record("web", 0, "seq 9", time: 9))
        try driver.write(record("web", 0, "seq 10", time: 10))
        #expect(driver.mode == .primary)

        let files = try FileLogReader(directory: directory.path + "/logs").records(LogFilter(project: "p"), limit: nil)
        let inJournal = journal.stored.filter { $0.event == nil }.map(\.message)
        let inFiles = files.filter { $0.event == nil }.map(\.message)
        #expect(inJournal == ["seq 1", "seq 2", "seq 3", "seq 9", "seq 10"])
        // seq 2 and 3 went to journald in the second before it failed: repeated in the files, in case it never read
        // them; seq 1 is older than that.
        #expect(inFiles == ["seq 2", "seq 3", "seq 4", "seq 5", "seq 6", "seq 7", "seq 8"])
        let fallbackEvents = files.filter { $0.event == "log_fallback" }
        #expect(fallbackEvents.count == 1)
        #expect(fallbackEvents.first?.message.contains("Connection refused") == true)
        #expect(fallbackEvents.first?.message.contains("the 2 lines sent to it in the second before") == true)
        let recovered = journal.stored.filter { $0.event == "log_recovered" }
        #expect(recovered.count == 1)
        #expect(recovered.first?.message.contains("after 2.0 s; the 5 lines of the gap") == true)
        #expect(journal.stored.firstIndex { $0.event == "log_recovered" } == 3, "the event comes before seq 9")
    }
}

/// A clock the test moves by hand.
final class ManualInstant: @unchecked Sendable {
    private(set) var now = ContinuousClock.now

    func advance(_ duration: Duration) { now += duration }
}

@Suite("RecentRecords: what journald may not have read yet")
struct RecentRecordsTests {
    @Test func keepsTheLastWindowUpToCapacityAndForgetsOnDrain() {
        let start = ContinuousClock.now
        var recent = RecentRecords(window: .seconds(1), capacity: 3)
        for index in 0..<5 {
            let at = start + .milliseconds(300 * index)
            recent.append(record("web", 0, "line \(index)", time: Double(index)), at: at)
        }
        // Capacity 3 keeps lines 2-4 (at 0.6, 0.9, 1.2 s); at 1.7 s the window of 1 s keeps 0.9 and 1.2.
        #expect(recent.drain(now: start + .milliseconds(1700)).map(\.message) == ["line 3", "line 4"])
        #expect(recent.drain(now: start + .milliseconds(1700)).isEmpty)
        for index in 0..<10 { recent.append(record("web", 0, "again \(index)", time: 0), at: start) }
        #expect(recent.drain(now: start).map(\.message) == ["again 7", "again 8", "again 9"])
    }
}
