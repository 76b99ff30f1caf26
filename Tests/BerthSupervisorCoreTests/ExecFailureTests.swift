import Testing

@testable import BerthSupervisorCore

/// The spawner returns the pid before the child execs; a failed exec arrives later, as `.execFailed`. It is a failed
/// start like `.spawnFailed`: no backoff, no retry, no restart counted.
@Suite("Exec failure after spawned")
struct ExecFailureTests {
    @Test func aReadyReplicaFailsAtOnceWithoutRetrying() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: .always, backoff: exactBackoff))
        #expect(machine.startRunning(pid: 800, at: clock.now) == [.readinessChanged(true)])
        #expect(
            machine.handle(.execFailed(reason: "executable not found: '/srv/app'"), at: clock.now) == [
                .killGroup(pid: 800), .readinessChanged(false),
            ])
        #expect(machine.phase == .failed(reason: "could not start: executable not found: '/srv/app'"))
        #expect(machine.reason == "could not start: executable not found: '/srv/app'")
        #expect(machine.displayState == .failed)
        #expect(machine.isAtRest)
        #expect(machine.process == nil)
        #expect(!machine.isReady)
        #expect(machine.restarts == 0)
        #expect(machine.lastExit == nil)

        // Nothing was scheduled, and a stray backoff timer does not revive it.
        clock.advance(by: .seconds(60))
        #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [])
        #expect(machine.displayState == .failed)

        // An explicit start tries again.
        #expect(machine.handle(.start, at: clock.now) == [.spawn(incarnation: 2)])
        #expect(machine.reason == nil)
    }

    @Test func aReplicaNotReadyYetLeavesReadinessAlone() {
        let clock = ManualClock()
        let policy = ReplicaPolicy(ready: ProbePolicy(initialDelay: .seconds(1)), health: ProbePolicy())
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 801, at: clock.now)
        #expect(
            machine.handle(.execFailed(reason: "permission denied: '/srv/app'"), at: clock.now) == [
                .killGroup(pid: 801)
            ])
        #expect(machine.phase == .failed(reason: "could not start: permission denied: '/srv/app'"))
        // The probes scheduled for the process are stale now.
        #expect(machine.handle(.timer(.probe(.ready, incarnation: 1)), at: clock.now) == [])
        #expect(machine.handle(.timer(.probe(.health, incarnation: 1)), at: clock.now) == [])
    }

    @Test func anExecFailureAfterACrashDoesNotCountAsARestart() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(backoff: exactBackoff))
        machine.startRunning(pid: 802, at: clock.now)
        clock.advance(by: .seconds(20))
        #expect(
            machine.handle(.exited(crash), at: clock.now) == [
                .killGroup(pid: 802), .readinessChanged(false), .spawn(incarnation: 2),
            ])
        #expect(machine.handle(.spawned(pid: 803), at: clock.now) == [.readinessChanged(true)])
        #expect(machine.restarts == 1)
        #expect(
            machine.handle(.execFailed(reason: "executable not found: '/srv/app'"), at: clock.now) == [
                .killGroup(pid: 803), .readinessChanged(false),
            ])
        #expect(machine.restarts == 0)
        #expect(machine.lastExit == crash)
        #expect(machine.hasStarted)
        #expect(machine.phase == .failed(reason: "could not start: executable not found: '/srv/app'"))
    }

    @Test func underRestartPolicyNeverItIsStillACouldNotStart() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: .never))
        machine.startRunning(pid: 804, at: clock.now)
        #expect(
            machine.handle(.execFailed(reason: "bad interpreter"), at: clock.now) == [
                .killGroup(pid: 804), .readinessChanged(false),
            ])
        #expect(machine.phase == .failed(reason: "could not start: bad interpreter"))
    }

    @Test func stoppedBeforeItsExecFailedItStaysStopped() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(stopTimeout: .seconds(10)))
        machine.startRunning(pid: 805, at: clock.now)
        #expect(
            machine.handle(.stop, at: clock.now) == [
                .readinessChanged(false),
                .signalStop(pid: 805),
                .schedule(.stopTimeout(incarnation: 1), at: clock.at(.seconds(10))),
            ])
        #expect(machine.handle(.execFailed(reason: "bad interpreter"), at: clock.now) == [.killGroup(pid: 805)])
        #expect(machine.phase == .stopped)
        #expect(machine.handle(.timer(.stopTimeout(incarnation: 1)), at: clock.now) == [])
    }

    @Test func aRestartCommandIsNotCarriedOutWithAProgramThatCannotStart() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(drainBeforeStop: true))
        machine.startRunning(pid: 806, at: clock.now)
        #expect(machine.handle(.restart, at: clock.now) == [.readinessChanged(false), .drain(incarnation: 1)])
        #expect(machine.handle(.execFailed(reason: "bad interpreter"), at: clock.now) == [.killGroup(pid: 806)])
        #expect(machine.phase == .failed(reason: "could not start: bad interpreter"))
        #expect(machine.handle(.drained(incarnation: 1), at: clock.now) == [])
        #expect(machine.restarts == 0)
    }
}
