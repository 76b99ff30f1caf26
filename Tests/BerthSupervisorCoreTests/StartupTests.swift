import Testing

@testable import BerthSupervisorCore

@Suite("Start, spawn and spawned")
struct StartupTests {
    @Test func withoutReadyPolicyTheReplicaIsReadyAsSoonAsItIsSpawned() throws {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy())
        #expect(machine.phase == .stopped)
        #expect(machine.isAtRest)

        #expect(machine.handle(.start, at: clock.now) == [.spawn(incarnation: 1)])
        #expect(machine.phase == .spawning)
        #expect(!machine.isAtRest)
        #expect(!machine.hasStarted)

        #expect(machine.handle(.spawned(pid: 100), at: clock.now) == [.readinessChanged(true)])
        let process = try #require(machine.process)
        #expect(process.pid == 100)
        #expect(process.incarnation == 1)
        #expect(process.startedAt == clock.now)
        #expect(process.ready && process.everReady)
        #expect(process.readySince == clock.now)
        #expect(machine.isReady)
        #expect(machine.hasStarted)
        #expect(machine.restarts == 0)
    }

    @Test func startWhileSpawningOrRunningDoesNothing() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy())
        _ = machine.handle(.start, at: clock.now)
        #expect(machine.handle(.start, at: clock.now) == [])
        #expect(machine.phase == .spawning)
        _ = machine.handle(.spawned(pid: 7), at: clock.now)
        #expect(machine.handle(.start, at: clock.now) == [])
        #expect(machine.process?.pid == 7)
    }

    @Test func readyAndHealthProbesAreScheduledAfterTheirInitialDelays() {
        let clock = ManualClock()
        let policy = ReplicaPolicy(
            ready: ProbePolicy(initialDelay: .seconds(2)),
            health: ProbePolicy(initialDelay: .seconds(5))
        )
        var machine = ReplicaMachine(policy: policy)
        let actions = machine.startRunning(pid: 9, at: clock.now)
        #expect(
            actions == [
                .schedule(.probe(.ready, incarnation: 1), at: clock.at(.seconds(2))),
                .schedule(.probe(.health, incarnation: 1), at: clock.at(.seconds(5))),
            ])
        #expect(!machine.isReady)
        #expect(machine.process?.everReady == false)
        #expect(machine.process?.readySince == nil)
    }

    @Test func healthWithoutReadyPolicyIsReadyAndSchedulesTheLivenessProbe() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(health: ProbePolicy()))
        #expect(
            machine.startRunning(pid: 9, at: clock.now) == [
                .readinessChanged(true),
                .schedule(.probe(.health, incarnation: 1), at: clock.now),
            ])
    }

    @Test func spawnFailureFailsTheReplicaWithoutRetrying() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: .always))
        _ = machine.handle(.start, at: clock.now)
        #expect(machine.handle(.spawnFailed(reason: "no such file: /bin/nope"), at: clock.now) == [])
        #expect(machine.phase == .failed(reason: "could not start: no such file: /bin/nope"))
        #expect(machine.reason == "could not start: no such file: /bin/nope")
        #expect(machine.isAtRest)
        #expect(machine.process == nil)
        #expect(!machine.hasStarted)

        // Nothing is scheduled, and a later stray backoff timer does not revive it.
        clock.advance(by: .seconds(60))
        #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [])
        #expect(machine.phase == .failed(reason: "could not start: no such file: /bin/nope"))

        // An explicit start tries again.
        #expect(machine.handle(.start, at: clock.now) == [.spawn(incarnation: 2)])
        #expect(machine.reason == nil)
    }

    @Test func spawnFailureAfterEarlierRunsKeepsTheReplicaStarted() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(backoff: exactBackoff))
        machine.startRunning(pid: 1, at: clock.now)
        clock.advance(by: .seconds(1))
        #expect(machine.handle(.exited(crash), at: clock.now).last == .spawn(incarnation: 2))
        #expect(machine.handle(.spawnFailed(reason: "permission denied"), at: clock.now) == [])
        #expect(machine.phase == .failed(reason: "could not start: permission denied"))
        #expect(machine.hasStarted)
    }

    @Test func restartsCountsSpawnsAfterTheFirst() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(backoff: exactBackoff))
        machine.startRunning(pid: 1, at: clock.now)
        #expect(machine.restarts == 0)
        clock.advance(by: .seconds(20))
        #expect(
            machine.handle(.exited(crash), at: clock.now) == [
                .killGroup(pid: 1), .readinessChanged(false), .spawn(incarnation: 2),
            ])
        #expect(machine.restarts == 0)
        _ = machine.handle(.spawned(pid: 2), at: clock.now)
        #expect(machine.restarts == 1)
        _ = machine.handle(.restart, at: clock.now)
        _ = machine.handle(.exited(killed), at: clock.now)
        _ = machine.handle(.spawned(pid: 3), at: clock.now)
        #expect(machine.restarts == 2)
        #expect(machine.process?.incarnation == 3)
    }
}
