import Testing

@testable import BerthSchedule

/// Scripts against a manual wall clock: each step feeds an event at a time and checks the actions.
@Suite("ScheduleMachine")
struct ScheduleMachineTests {
    let t0 = WallTime(seconds: 1_000_000)

    func machine(
        _ trigger: ScheduleSpec.Trigger, _ concurrency: ScheduleSpec.Concurrency = .forbid,
        deadline: Duration? = nil
    ) -> ScheduleMachine {
        ScheduleMachine(
            spec: ScheduleSpec(trigger: trigger, concurrency: concurrency, startingDeadline: deadline),
            zone: utcZone)
    }

    @Test func intervalRunsOnItsGrid() {
        var m = machine(.every(.seconds(2)))
        #expect(m.handle(.started(lastRun: nil), at: t0) == [.wake(at: t0 + .seconds(2))])
        // Woken early: sleep again.
        #expect(m.handle(.timer, at: t0 + .seconds(1)) == [.wake(at: t0 + .seconds(2))])
        // A little late: the run says when it was due, the grid stays.
        let late = t0 + .milliseconds(2030)
        #expect(
            m.handle(.timer, at: late) == [
                .run(.scheduled(due: t0 + .seconds(2))), .persist(lastRun: late), .wake(at: t0 + .seconds(4)),
            ])
        #expect(m.running == 1)
        #expect(m.handle(.runEnded, at: t0 + .seconds(3)) == [])
        #expect(m.running == 0)
    }

    @Test func forbidSkipsWhileRunning() {
        var m = machine(.every(.seconds(2)))
        _ = m.handle(.started(lastRun: nil), at: t0)
        _ = m.handle(.timer, at: t0 + .seconds(2))
        #expect(
            m.handle(.timer, at: t0 + .seconds(4)) == [
                .skipped(.scheduled(due: t0 + .seconds(4))), .wake(at: t0 + .seconds(6)),
            ])
        #expect(m.lastRun == t0 + .seconds(2))
        _ = m.handle(.runEnded, at: t0 + .seconds(5))
        #expect(m.handle(.timer, at: t0 + .seconds(6)).first == .run(.scheduled(due: t0 + .seconds(6))))
    }

    @Test func replaceStopsTheRunningOne() {
        var m = machine(.every(.seconds(2)), .replace)
        _ = m.handle(.started(lastRun: nil), at: t0)
        _ = m.handle(.timer, at: t0 + .seconds(2))
        #expect(m.handle(.timer, at: t0 + .seconds(4)).first == .replace(.scheduled(due: t0 + .seconds(4))))
        #expect(m.running == 1)
    }

    @Test func allowOverlapsUpToMaxConcurrentThenSkips() {
        var m = ScheduleMachine(
            spec: ScheduleSpec(trigger: .every(.seconds(1)), concurrency: .allow, maxConcurrent: 2), zone: utcZone)
        _ = m.handle(.started(lastRun: nil), at: t0)
        #expect(m.handle(.timer, at: t0 + .seconds(1)).first == .run(.scheduled(due: t0 + .seconds(1))))
        // The first run still runs: the second starts beside it.
        #expect(m.handle(.timer, at: t0 + .seconds(2)).first == .run(.scheduled(due: t0 + .seconds(2))))
        #expect(m.running == 2)
        // Two in progress, max_concurrent 2: the third is skipped, and the schedule goes on.
        #expect(
            m.handle(.timer, at: t0 + .seconds(3)) == [
                .atLimit(.scheduled(due: t0 + .seconds(3)), running: 2), .wake(at: t0 + .seconds(4)),
            ])
        #expect(m.lastRun == t0 + .seconds(2))
        // run-now is bounded the same way.
        #expect(m.handle(.runNow, at: t0 + .milliseconds(3500)) == [.atLimit(.manual, running: 2)])
        // One ends: the next due run starts.
        _ = m.handle(.runEnded, at: t0 + .milliseconds(3600))
        #expect(m.handle(.timer, at: t0 + .seconds(4)).first == .run(.scheduled(due: t0 + .seconds(4))))
        #expect(m.running == 2)
    }

    @Test func maxConcurrentDefaultsToThree() {
        #expect(ScheduleSpec(trigger: .every(.seconds(1)), concurrency: .allow).maxConcurrent == 3)
    }

    @Test func aLateTimerSkipsGridPointsItSlept() {
        var m = machine(.every(.seconds(2)))
        _ = m.handle(.started(lastRun: nil), at: t0)
        // The machine was suspended for 7 s: one run, the next one on the grid after now.
        #expect(
            m.handle(.timer, at: t0 + .seconds(9)) == [
                .run(.scheduled(due: t0 + .seconds(2))), .persist(lastRun: t0 + .seconds(9)),
                .wake(at: t0 + .seconds(10)),
            ])
    }

    @Test func missedRunWithinTheDeadlineRunsOnceAtStart() {
        var m = machine(.every(.seconds(2)), deadline: .seconds(30))
        // Last run 10 s ago: four runs were missed, one runs now.
        let now = t0 + .seconds(10)
        #expect(
            m.handle(.started(lastRun: t0), at: now) == [
                .run(.missed(due: t0 + .seconds(2))), .persist(lastRun: now), .wake(at: now + .seconds(2)),
            ])
    }

    @Test func missedRunPastTheDeadlineIsSkipped() {
        var m = machine(.every(.seconds(2)), deadline: .seconds(5))
        let now = t0 + .seconds(10)
        #expect(
            m.handle(.started(lastRun: t0), at: now) == [
                .missed(due: t0 + .seconds(2)), .wake(at: t0 + .seconds(12)),
            ])
        var noDeadline = machine(.every(.seconds(2)))
        #expect(noDeadline.handle(.started(lastRun: t0), at: now).first == .missed(due: t0 + .seconds(2)))
    }

    @Test func restartBeforeTheNextRunKeepsTheGrid() {
        var m = machine(.every(.seconds(2)), deadline: .seconds(30))
        #expect(m.handle(.started(lastRun: t0), at: t0 + .milliseconds(500)) == [.wake(at: t0 + .seconds(2))])
        #expect(m.lastRun == t0)
    }

    @Test func cronNextRunAndMissedRun() throws {
        let cron = try CronExpression.parse("0 * * * *")
        var m = machine(.cron(cron, timeZone: "UTC"), deadline: .seconds(600))
        let last = utc("2026-01-01T10:00:00Z")
        // Down from 10:00 to 11:05: 11:00 was missed 5 minutes ago, within the deadline.
        let now = utc("2026-01-01T11:05:00Z")
        #expect(
            m.handle(.started(lastRun: last), at: now) == [
                .run(.missed(due: utc("2026-01-01T11:00:00Z"))), .persist(lastRun: now),
                .wake(at: utc("2026-01-01T12:00:00Z")),
            ])
    }

    @Test func runNowWhileRunning() {
        var forbid = machine(.every(.seconds(60)))
        _ = forbid.handle(.started(lastRun: nil), at: t0)
        #expect(forbid.handle(.runNow, at: t0) == [.run(.manual), .persist(lastRun: t0)])
        #expect(forbid.handle(.runNow, at: t0 + .seconds(1)) == [.skipped(.manual)])
        // run-now does not move the schedule.
        #expect(forbid.nextRun == t0 + .seconds(60))
    }

    @Test func rfc3339() {
        #expect(WallTime(seconds: 0).rfc3339 == "1970-01-01T00:00:00Z")
        #expect(utc("2026-03-29T01:02:03Z").rfc3339 == "2026-03-29T01:02:03Z")
    }
}
