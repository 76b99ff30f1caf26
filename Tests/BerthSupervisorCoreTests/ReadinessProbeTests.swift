import Testing

@testable import BerthSupervisorCore

@Suite("Readiness probes")
struct ReadinessProbeTests {
    /// Interval 5 s, two successes to become ready, three failures to become unready, first probe after 2 s.
    let policy = ReplicaPolicy(
        backoff: exactBackoff,
        ready: ProbePolicy(interval: .seconds(5), failureThreshold: 3, successThreshold: 2, initialDelay: .seconds(2))
    )

    /// Fires the ready probe timer at `clock.now` and answers it; returns the actions of the answer.
    func probe(
        _ machine: inout ReplicaMachine, at now: ContinuousClock.Instant, success: Bool, incarnation: Int = 1,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [ReplicaAction] {
        #expect(
            machine.handle(.timer(.probe(.ready, incarnation: incarnation)), at: now)
                == [.probe(.ready, incarnation: incarnation)],
            sourceLocation: sourceLocation
        )
        return machine.handle(
            .probeResult(.ready, incarnation: incarnation, success: success, detail: success ? "200" : "refused"),
            at: now
        )
    }

    @Test func startupProbesRunAtTheCeilingUntilReadyThenAtTheInterval() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        #expect(
            machine.startRunning(pid: 5, at: clock.now) == [
                .schedule(.probe(.ready, incarnation: 1), at: clock.at(.seconds(2)))
            ])
        #expect(machine.displayState == .starting)

        clock.advance(by: .seconds(2))
        // A failure before the first ready: try again at the 100 ms ceiling, not after 5 s.
        #expect(
            probe(&machine, at: clock.now, success: false) == [
                .schedule(.probe(.ready, incarnation: 1), at: clock.now + .milliseconds(100))
            ])
        clock.advance(by: .milliseconds(100))
        // One success is below the threshold of two: still starting, still at the ceiling.
        #expect(
            probe(&machine, at: clock.now, success: true) == [
                .schedule(.probe(.ready, incarnation: 1), at: clock.now + .milliseconds(100))
            ])
        #expect(!machine.isReady)
        clock.advance(by: .milliseconds(100))
        #expect(
            probe(&machine, at: clock.now, success: true) == [
                .readinessChanged(true),
                .schedule(.probe(.ready, incarnation: 1), at: clock.now + .seconds(5)),
            ])
        #expect(machine.isReady)
        #expect(machine.process?.readySince == clock.now)
        #expect(machine.displayState == .running)

        clock.advance(by: .seconds(5))
        #expect(
            probe(&machine, at: clock.now, success: true) == [
                .schedule(.probe(.ready, incarnation: 1), at: clock.now + .seconds(5))
            ])
    }

    @Test func startupProbingUsesTheIntervalWhenItIsShorterThanTheCeiling() {
        let clock = ManualClock()
        var machine = ReplicaMachine(
            policy: ReplicaPolicy(ready: ProbePolicy(interval: .milliseconds(40), successThreshold: 2))
        )
        #expect(
            machine.startRunning(pid: 5, at: clock.now) == [
                .schedule(.probe(.ready, incarnation: 1), at: clock.now)
            ])
        #expect(
            probe(&machine, at: clock.now, success: true) == [
                .schedule(.probe(.ready, incarnation: 1), at: clock.now + .milliseconds(40))
            ])
    }

    @Test func failureThresholdAfterBeingReadyLeavesTheReadySet() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 5, at: clock.now)
        clock.advance(by: .seconds(2))
        _ = probe(&machine, at: clock.now, success: true)
        _ = probe(&machine, at: clock.now, success: true)
        #expect(machine.isReady)

        for _ in 1...2 {
            clock.advance(by: .seconds(5))
            #expect(
                probe(&machine, at: clock.now, success: false) == [
                    .schedule(.probe(.ready, incarnation: 1), at: clock.now + .seconds(5))
                ])
            #expect(machine.isReady)
        }
        // A success in between starts the count again.
        clock.advance(by: .seconds(5))
        _ = probe(&machine, at: clock.now, success: true)
        for _ in 1...2 {
            clock.advance(by: .seconds(5))
            _ = probe(&machine, at: clock.now, success: false)
            #expect(machine.isReady)
        }
        clock.advance(by: .seconds(5))
        // The third consecutive failure; having been ready once, probing stays at the interval.
        #expect(
            probe(&machine, at: clock.now, success: false) == [
                .readinessChanged(false),
                .schedule(.probe(.ready, incarnation: 1), at: clock.now + .seconds(5)),
            ])
        #expect(!machine.isReady)
        #expect(machine.process?.readySince == nil)
        #expect(machine.process?.everReady == true)
        #expect(machine.displayState == .running)

        // A fourth failure does not announce it again; two successes bring it back.
        clock.advance(by: .seconds(5))
        #expect(
            probe(&machine, at: clock.now, success: false) == [
                .schedule(.probe(.ready, incarnation: 1), at: clock.now + .seconds(5))
            ])
        clock.advance(by: .seconds(5))
        _ = probe(&machine, at: clock.now, success: true)
        #expect(
            probe(&machine, at: clock.now, success: true) == [
                .readinessChanged(true),
                .schedule(.probe(.ready, incarnation: 1), at: clock.now + .seconds(5)),
            ])
        #expect(machine.process?.readySince == clock.now)
    }

    @Test func aProbeTimerWhileAProbeIsInFlightDoesNotStartAnother() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 5, at: clock.at(.zero))
        let timer = ReplicaEvent.timer(.probe(.ready, incarnation: 1))
        #expect(machine.handle(timer, at: clock.at(.seconds(2))) == [.probe(.ready, incarnation: 1)])
        #expect(machine.handle(timer, at: clock.at(.seconds(3))) == [])
        // Once answered, the next timer starts a probe again.
        _ = machine.handle(
            .probeResult(.ready, incarnation: 1, success: false, detail: "refused"), at: clock.at(.seconds(3))
        )
        #expect(machine.handle(timer, at: clock.at(.seconds(4))) == [.probe(.ready, incarnation: 1)])
    }

    @Test func probeResultsAndTimersOfAnOlderIncarnationAreIgnored() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 5, at: clock.now)
        clock.advance(by: .seconds(2))
        let timer = ReplicaEvent.timer(.probe(.ready, incarnation: 1))
        #expect(machine.handle(timer, at: clock.now) == [.probe(.ready, incarnation: 1)])

        // The process crashes while its probe is in flight; the slot restarts at once as incarnation 2.
        #expect(machine.handle(.exited(crash), at: clock.now) == [.killGroup(pid: 5), .spawn(incarnation: 2)])
        #expect(
            machine.handle(.spawned(pid: 6), at: clock.now) == [
                .schedule(.probe(.ready, incarnation: 2), at: clock.now + .seconds(2))
            ])

        for _ in 1...3 {
            #expect(
                machine.handle(
                    .probeResult(.ready, incarnation: 1, success: true, detail: "200"), at: clock.now
                ) == [])
        }
        #expect(machine.handle(.timer(.probe(.ready, incarnation: 1)), at: clock.now) == [])
        #expect(!machine.isReady)
        // Incarnation 2's own tracker saw none of that: its first success is still one short of the threshold.
        clock.advance(by: .seconds(2))
        #expect(
            probe(&machine, at: clock.now, success: true, incarnation: 2) == [
                .schedule(.probe(.ready, incarnation: 2), at: clock.now + .milliseconds(100))
            ])
    }

    @Test func probeResultsWhileStoppingAreIgnored() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 5, at: clock.now)
        clock.advance(by: .seconds(2))
        _ = machine.handle(.timer(.probe(.ready, incarnation: 1)), at: clock.now)
        #expect(
            machine.handle(.stop, at: clock.now) == [
                .signalStop(pid: 5), .schedule(.stopTimeout(incarnation: 1), at: clock.now + .seconds(10)),
            ])
        #expect(machine.handle(.probeResult(.ready, incarnation: 1, success: true, detail: "200"), at: clock.now) == [])
        #expect(machine.handle(.timer(.probe(.ready, incarnation: 1)), at: clock.now) == [])
        #expect(machine.afterStop == .stay)
    }
}
