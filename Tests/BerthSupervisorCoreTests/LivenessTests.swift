import Testing

@testable import BerthSupervisorCore

@Suite("Liveness probes")
struct LivenessTests {
    static func policy(restart: ReplicaPolicy.Restart = .always) -> ReplicaPolicy {
        ReplicaPolicy(
            restart: restart,
            backoff: exactBackoff,
            stopTimeout: .seconds(10),
            health: ProbePolicy(interval: .seconds(2), failureThreshold: 3, initialDelay: .seconds(5))
        )
    }

    /// Fires the health probe timer and answers it at `now`.
    func probe(
        _ machine: inout ReplicaMachine, at now: ContinuousClock.Instant, success: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [ReplicaAction] {
        let incarnation = machine.process?.incarnation ?? 0
        #expect(
            machine.handle(.timer(.probe(.health, incarnation: incarnation)), at: now)
                == [.probe(.health, incarnation: incarnation)],
            sourceLocation: sourceLocation
        )
        return machine.handle(
            .probeResult(.health, incarnation: incarnation, success: success, detail: success ? "ok" : "HTTP 500"),
            at: now
        )
    }

    @Test func consecutiveFailuresStopTheProcessAndRestartIt() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: Self.policy())
        #expect(
            machine.startRunning(pid: 42, at: clock.now) == [
                .readinessChanged(true),
                .schedule(.probe(.health, incarnation: 1), at: clock.at(.seconds(5))),
            ])
        clock.advance(by: .seconds(5))
        for _ in 1...2 {
            #expect(
                probe(&machine, at: clock.now, success: false) == [
                    .schedule(.probe(.health, incarnation: 1), at: clock.now + .seconds(2))
                ])
            clock.advance(by: .seconds(2))
        }
        let reason = "liveness check failed 3 times: HTTP 500"
        #expect(
            probe(&machine, at: clock.now, success: false) == [
                .readinessChanged(false),
                .signalStop(pid: 42),
                // Failing, not asked to stop: the gateway gives up on what it has not answered.
                .hung(incarnation: 1),
                // 1 s, not the 10 s stop timeout: a replica that failed is not waited for (audit6).
                .schedule(.stopTimeout(incarnation: 1), at: clock.now + .seconds(1)),
            ])
        #expect(machine.reason == reason)
        #expect(machine.afterStop == .restartAfterFailure(reason: reason))
        #expect(machine.displayState == .stopping)
        #expect(!machine.isReady)

        // The process ignores SIGTERM (hung, or SIGSTOPped): SIGKILL after 1 s, then the exit restarts it at once.
        clock.advance(by: .seconds(1))
        #expect(machine.handle(.timer(.stopTimeout(incarnation: 1)), at: clock.now) == [.killGroup(pid: 42)])
        #expect(machine.wasKilled == true)
        #expect(machine.handle(.exited(killed), at: clock.now) == [.killGroup(pid: 42), .spawn(incarnation: 2)])
        #expect(machine.lastExit == killed)
        #expect(machine.reason == reason)
        _ = machine.handle(.spawned(pid: 43), at: clock.now)
        #expect(machine.restarts == 1)

        // A second liveness failure soon after counts as a consecutive failure: backoff of `initial`.
        clock.advance(by: .seconds(5))
        for _ in 1...3 {
            _ = probe(&machine, at: clock.now, success: false)
        }
        #expect(machine.afterStop == .restartAfterFailure(reason: reason))
        #expect(
            machine.handle(.exited(crash), at: clock.now) == [
                .killGroup(pid: 43), .schedule(.backoffElapsed, at: clock.now + .seconds(1)),
            ])
        #expect(machine.phase == .backoff(until: clock.now + .seconds(1)))
    }

    @Test func aSuccessResetsTheFailureCount() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: Self.policy())
        machine.startRunning(pid: 42, at: clock.now)
        clock.advance(by: .seconds(5))
        for success in [false, false, true, false, false] {
            #expect(
                probe(&machine, at: clock.now, success: success) == [
                    .schedule(.probe(.health, incarnation: 1), at: clock.now + .seconds(2))
                ])
            clock.advance(by: .seconds(2))
        }
        #expect(machine.isReady)
        #expect(machine.afterStop == nil)
    }

    @Test func aHealthResultArrivingWhileStoppingIsIgnored() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: Self.policy())
        machine.startRunning(pid: 42, at: clock.now)
        clock.advance(by: .seconds(5))
        let timer = ReplicaEvent.timer(.probe(.health, incarnation: 1))
        #expect(machine.handle(timer, at: clock.now) == [.probe(.health, incarnation: 1)])
        _ = machine.handle(.stop, at: clock.now)
        #expect(
            machine.handle(
                .probeResult(.health, incarnation: 1, success: false, detail: "timeout"), at: clock.now
            ) == [])
        #expect(machine.afterStop == .stay)
    }

    @Test func underRestartNeverALivenessFailureIsFinal() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: Self.policy(restart: .never))
        machine.startRunning(pid: 42, at: clock.now)
        clock.advance(by: .seconds(5))
        for _ in 1...3 {
            _ = probe(&machine, at: clock.now, success: false)
        }
        #expect(machine.handle(.exited(killed), at: clock.now) == [.killGroup(pid: 42)])
        #expect(machine.phase == .failed(reason: "liveness check failed 3 times: HTTP 500 (restart policy: never)"))
    }

    @Test func underOnFailureALivenessFailureRestartsEvenIfTheProcessThenExitsZero() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: Self.policy(restart: .onFailure))
        machine.startRunning(pid: 42, at: clock.now)
        clock.advance(by: .seconds(5))
        for _ in 1...3 {
            _ = probe(&machine, at: clock.now, success: false)
        }
        #expect(machine.handle(.exited(cleanExit), at: clock.now) == [.killGroup(pid: 42), .spawn(incarnation: 2)])
    }
}

/// Found by the outside audit (branch audit6): a replica SIGSTOPped under load failed its liveness check within a
/// second, then stayed `stopping` for the whole `stop.timeout` (10 s) because a stopped process never acts on
/// SIGTERM; its replacement started 11 s after the stop. A replica that failed gets at most 1 s before SIGKILL; one
/// asked to stop (`berth restart`, a rollout) still gets its stop timeout.
@Suite struct FailedReplicaGraceAuditTests {
    @Test func aFailedReplicaIsKilledAfterOneSecondAndAStopAskedForWaitsItsTimeout() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: LivenessTests.policy())
        _ = machine.startRunning(pid: 42, at: clock.now)
        clock.advance(by: .seconds(5))
        var last: [ReplicaAction] = []
        for _ in 1...3 {
            last = LivenessTests().probe(&machine, at: clock.now, success: false)
            clock.advance(by: .seconds(2))
        }
        #expect(last.contains(.schedule(.stopTimeout(incarnation: 1), at: clock.now - .seconds(2) + .seconds(1))))

        var asked = ReplicaMachine(policy: LivenessTests.policy())
        _ = asked.startRunning(pid: 43, at: clock.now)
        #expect(
            asked.handle(.restart, at: clock.now).contains(
                .schedule(.stopTimeout(incarnation: 1), at: clock.now + .seconds(10))))

        // A stop timeout shorter than the grace is kept.
        var short = ReplicaMachine(
            policy: ReplicaPolicy(stopTimeout: .milliseconds(300), health: ProbePolicy(interval: .seconds(1))))
        _ = short.startRunning(pid: 44, at: clock.now)
        #expect(short.stopGrace(.restartAfterFailure(reason: "x")) == .milliseconds(300))
    }
}

/// Found by the outside audit (branch audit6): a `grpc:` readiness probe that never passed (an HTTP/1.1 server, no
/// health service, an unknown service name) was explained as "readiness check not passing yet" and nothing else.
@Suite struct ReadinessFailureAuditTests {
    @Test func theLastFailureIsKeptWhileTheCheckFails() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(ready: ProbePolicy(interval: .seconds(1))))
        _ = machine.startRunning(pid: 7, at: clock.now)
        #expect(machine.readinessFailure == nil)
        _ = machine.handle(.timer(.probe(.ready, incarnation: 1)), at: clock.now)
        let detail = "the server does not implement grpc.health.v1.Health"
        _ = machine.handle(.probeResult(.ready, incarnation: 1, success: false, detail: detail), at: clock.now)
        #expect(machine.readinessFailure == detail)
        _ = machine.handle(.timer(.probe(.ready, incarnation: 1)), at: clock.now)
        _ = machine.handle(.probeResult(.ready, incarnation: 1, success: true, detail: "ok"), at: clock.now)
        #expect(machine.isReady)
        #expect(machine.readinessFailure == nil)
    }
}
