import Testing

@testable import BerthSupervisorCore

@Suite("Backoff.delay")
struct BackoffTests {
    /// |a - b| within a nanosecond: the delay is computed in Double seconds.
    func close(_ a: Duration, _ b: Duration) -> Bool {
        let difference = a - b
        return difference < .nanoseconds(1) && difference > .nanoseconds(-1)
    }

    @Test func noFailuresMeansNoDelay() {
        let backoff = Backoff(initial: .seconds(1), max: .seconds(30), multiplier: 2, jitter: 0.5)
        for unit in [0.0, 0.5, 0.999] {
            #expect(backoff.delay(afterFailures: 0, unit: unit) == .zero)
        }
    }

    @Test func growsByTheMultiplierUpToTheCap() {
        let backoff = Backoff(initial: .milliseconds(100), max: .seconds(2), multiplier: 3, jitter: 0)
        let expected: [Duration] = [
            .milliseconds(100), .milliseconds(300), .milliseconds(900), .seconds(2), .seconds(2),
        ]
        for (index, delay) in expected.enumerated() {
            let actual = backoff.delay(afterFailures: index + 1, unit: 0.3)
            #expect(close(actual, delay), "after \(index + 1) failures: \(actual), expected \(delay)")
        }
        #expect(backoff.delay(afterFailures: 10_000, unit: 0.3) == .seconds(2))
    }

    @Test func jitterStaysWithinItsFraction() {
        let backoff = Backoff(initial: .seconds(1), max: .seconds(8), multiplier: 2, jitter: 0.1)
        let bases: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8)]
        for (index, base) in bases.enumerated() {
            let failures = index + 1
            #expect(close(backoff.delay(afterFailures: failures, unit: 0), base * 0.9))
            #expect(close(backoff.delay(afterFailures: failures, unit: 0.5), base))
            #expect(close(backoff.delay(afterFailures: failures, unit: 0.75), base * 1.05))
            for step in 0..<100 {
                let delay = backoff.delay(afterFailures: failures, unit: Double(step) / 100)
                #expect(delay >= base * 0.9 - .nanoseconds(1) && delay < base * 1.1)
            }
        }
    }

    @Test func initPinsMultiplierAndJitterToTheirRanges() {
        let backoff = Backoff(initial: .seconds(1), max: .seconds(10), multiplier: 0.5, jitter: 3)
        #expect(backoff.multiplier == 1)
        #expect(backoff.jitter == 1)
        #expect(backoff.delay(afterFailures: 5, unit: 0.5) == .seconds(1))
        #expect(backoff.delay(afterFailures: 5, unit: 0) == .zero)
        #expect(Backoff(jitter: -1).jitter == 0)
    }

    @Test func anInitialAboveTheCapIsCapped() {
        let backoff = Backoff(initial: .seconds(60), max: .seconds(30), multiplier: 2, jitter: 0)
        #expect(backoff.delay(afterFailures: 1, unit: 0) == .seconds(30))
    }
}

@Suite("Backoff in the replica machine")
struct ReplicaBackoffTests {
    let policy = ReplicaPolicy(
        backoff: exactBackoff,
        giveUp: .init(restarts: 100, within: .seconds(60)),
        resetAfter: .seconds(10)
    )

    /// Answers the pending spawn with `pid`, lets it run for `runFor`, then crashes it; returns the exit's actions.
    func runAndCrash(
        _ machine: inout ReplicaMachine, _ clock: inout ManualClock, pid: Int32, runFor: Duration
    ) -> [ReplicaAction] {
        _ = machine.handle(.spawned(pid: pid), at: clock.now)
        clock.advance(by: runFor)
        return machine.handle(.exited(crash), at: clock.now)
    }

    @Test func consecutiveFailuresBackOffExponentiallyUpToTheCap() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        #expect(machine.handle(.start, at: clock.now) == [.spawn(incarnation: 1)])
        // The first failure restarts at once.
        #expect(
            runAndCrash(&machine, &clock, pid: 100, runFor: .seconds(1)) == [
                .killGroup(pid: 100), .readinessChanged(false), .spawn(incarnation: 2),
            ])
        #expect(machine.reason == "exited with status 1")

        let delays: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8)]
        for (index, delay) in delays.enumerated() {
            let pid = Int32(101 + index)
            #expect(
                runAndCrash(&machine, &clock, pid: pid, runFor: .seconds(1)) == [
                    .killGroup(pid: pid), .readinessChanged(false), .schedule(.backoffElapsed, at: clock.now + delay),
                ])
            #expect(machine.phase == .backoff(until: clock.now + delay))
            #expect(machine.displayState == .backoff)
            #expect(machine.reason == "exited with status 1")
            #expect(machine.process == nil)
            #expect(!machine.isAtRest)

            // A start command while backing off changes nothing.
            #expect(machine.handle(.start, at: clock.now) == [])
            clock.advance(by: delay)
            #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [.spawn(incarnation: index + 3)])
        }
    }

    @Test func aBackoffTimerBeforeItsInstantIsIgnored() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        _ = machine.handle(.start, at: clock.now)
        _ = runAndCrash(&machine, &clock, pid: 1, runFor: .seconds(1))
        _ = runAndCrash(&machine, &clock, pid: 2, runFor: .seconds(1))
        let until = clock.now + .seconds(1)
        #expect(machine.phase == .backoff(until: until))
        #expect(machine.handle(.timer(.backoffElapsed), at: until - .milliseconds(1)) == [])
        #expect(machine.phase == .backoff(until: until))
        #expect(machine.handle(.timer(.backoffElapsed), at: until) == [.spawn(incarnation: 3)])
    }

    @Test func runningLongerThanResetAfterMakesTheNextRestartImmediate() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        _ = machine.handle(.start, at: clock.now)
        _ = runAndCrash(&machine, &clock, pid: 1, runFor: .seconds(1))
        _ = runAndCrash(&machine, &clock, pid: 2, runFor: .seconds(1))
        clock.advance(by: .seconds(1))
        _ = machine.handle(.timer(.backoffElapsed), at: clock.now)
        _ = runAndCrash(&machine, &clock, pid: 3, runFor: .seconds(1))
        clock.advance(by: .seconds(2))
        _ = machine.handle(.timer(.backoffElapsed), at: clock.now)

        // Healthy for exactly `resetAfter`: the crash is replaced at once ...
        #expect(
            runAndCrash(&machine, &clock, pid: 4, runFor: .seconds(10)) == [
                .killGroup(pid: 4), .readinessChanged(false), .spawn(incarnation: 5),
            ])
        // ... and a quick crash after that starts again from `initial`.
        #expect(
            runAndCrash(&machine, &clock, pid: 5, runFor: .seconds(1)) == [
                .killGroup(pid: 5), .readinessChanged(false), .schedule(.backoffElapsed, at: clock.now + .seconds(1)),
            ])
    }

    @Test func runningJustUnderResetAfterKeepsBackingOff() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        _ = machine.handle(.start, at: clock.now)
        _ = runAndCrash(&machine, &clock, pid: 1, runFor: .seconds(1))
        _ = runAndCrash(&machine, &clock, pid: 2, runFor: .seconds(1))
        clock.advance(by: .seconds(1))
        _ = machine.handle(.timer(.backoffElapsed), at: clock.now)
        #expect(
            runAndCrash(&machine, &clock, pid: 3, runFor: .seconds(10) - .milliseconds(1)) == [
                .killGroup(pid: 3), .readinessChanged(false), .schedule(.backoffElapsed, at: clock.now + .seconds(2)),
            ])
    }

    @Test func theResetCountsTimeReadyNotTimeUp() {
        var clock = ManualClock()
        let probed = ReplicaPolicy(
            backoff: exactBackoff,
            giveUp: .init(restarts: 100, within: .seconds(60)),
            resetAfter: .seconds(10),
            ready: ProbePolicy(interval: .seconds(1))
        )
        var machine = ReplicaMachine(policy: probed)
        _ = machine.handle(.start, at: clock.now)
        _ = runAndCrash(&machine, &clock, pid: 1, runFor: .seconds(1))
        _ = runAndCrash(&machine, &clock, pid: 2, runFor: .seconds(1))
        clock.advance(by: .seconds(1))
        _ = machine.handle(.timer(.backoffElapsed), at: clock.now)
        _ = machine.handle(.spawned(pid: 3), at: clock.now)

        // Up for 15 s before its first ready, then ready for 5 s: 20 s up but only 5 s ready.
        clock.advance(by: .seconds(15))
        _ = machine.handle(.timer(.probe(.ready, incarnation: 3)), at: clock.now)
        #expect(
            machine.handle(.probeResult(.ready, incarnation: 3, success: true, detail: ""), at: clock.now)
                .first == .readinessChanged(true))
        clock.advance(by: .seconds(5))
        #expect(
            machine.handle(.exited(crash), at: clock.now) == [
                .killGroup(pid: 3), .readinessChanged(false), .schedule(.backoffElapsed, at: clock.now + .seconds(2)),
            ])

        // Ready for 10 s this time: reset, immediate restart.
        clock.advance(by: .seconds(2))
        _ = machine.handle(.timer(.backoffElapsed), at: clock.now)
        _ = machine.handle(.spawned(pid: 4), at: clock.now)
        _ = machine.handle(.timer(.probe(.ready, incarnation: 4)), at: clock.now)
        _ = machine.handle(.probeResult(.ready, incarnation: 4, success: true, detail: ""), at: clock.now)
        clock.advance(by: .seconds(10))
        #expect(
            machine.handle(.exited(crash), at: clock.now) == [
                .killGroup(pid: 4), .readinessChanged(false), .spawn(incarnation: 5),
            ])
    }

    @Test func defaultJitterKeepsTheDelayWithinTenPercent() throws {
        var clock = ManualClock()
        var machine = ReplicaMachine(
            policy: ReplicaPolicy(backoff: Backoff(initial: .seconds(1), max: .seconds(30), jitter: 0.1)),
            seed: 42
        )
        _ = machine.handle(.start, at: clock.now)
        _ = runAndCrash(&machine, &clock, pid: 1, runFor: .seconds(1))
        for (index, base) in [Duration.seconds(1), .seconds(2), .seconds(4)].enumerated() {
            _ = runAndCrash(&machine, &clock, pid: Int32(2 + index), runFor: .seconds(1))
            guard case .backoff(let until) = machine.phase else {
                Issue.record("expected backoff, got \(machine.phase)")
                return
            }
            let delay = until - clock.now
            #expect(delay >= base * 0.9 && delay <= base * 1.1, "delay \(delay) for base \(base)")
            clock.advance(by: delay)
            #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [.spawn(incarnation: index + 3)])
        }
    }

    @Test func theSeedMakesTheJitterReproducible() {
        func delays(seed: UInt64) -> [Duration] {
            var clock = ManualClock()
            var machine = ReplicaMachine(policy: ReplicaPolicy(), seed: seed)
            var result: [Duration] = []
            _ = machine.handle(.start, at: clock.now)
            for pid in Int32(1)...5 {
                _ = runAndCrash(&machine, &clock, pid: pid, runFor: .seconds(1))
                if case .backoff(let until) = machine.phase {
                    result.append(until - clock.now)
                    clock.advance(by: until - clock.now)
                    _ = machine.handle(.timer(.backoffElapsed), at: clock.now)
                }
            }
            return result
        }
        #expect(delays(seed: 7).count == 4)
        #expect(delays(seed: 7) == delays(seed: 7))
        #expect(delays(seed: 7) != delays(seed: 8))
    }
}
