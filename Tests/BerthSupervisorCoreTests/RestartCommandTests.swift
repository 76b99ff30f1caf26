import Testing

@testable import BerthSupervisorCore

@Suite("The restart and start commands")
struct RestartCommandTests {
    let policy = ReplicaPolicy(
        backoff: exactBackoff, giveUp: .init(restarts: 5, within: .seconds(60)), stopTimeout: .seconds(10)
    )

    /// A machine that has crashed three times in quick succession and now runs incarnation 4 (pid 4).
    func crashLooping(_ clock: inout ManualClock) -> ReplicaMachine {
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 1, at: clock.now)
        for pid in Int32(1)...3 {
            clock.advance(by: .seconds(1))
            _ = machine.handle(.exited(crash), at: clock.now)
            if case .backoff(let until) = machine.phase {
                clock.advance(by: until - clock.now)
                _ = machine.handle(.timer(.backoffElapsed), at: clock.now)
            }
            _ = machine.handle(.spawned(pid: pid + 1), at: clock.now)
        }
        return machine
    }

    @Test func restartWhileRunningStopsThenStartsFreshWithClearedCounters() {
        var clock = ManualClock()
        var machine = crashLooping(&clock)
        #expect(machine.consecutiveFailures == 3)
        #expect(machine.giveUp.count == 3)
        #expect(machine.reason == "exited with status 1")

        #expect(
            machine.handle(.restart, at: clock.now) == [
                .readinessChanged(false),
                .signalStop(pid: 4),
                .schedule(.stopTimeout(incarnation: 4), at: clock.now + .seconds(10)),
            ])
        #expect(machine.afterStop == .startFresh)
        clock.advance(by: .milliseconds(200))
        #expect(machine.handle(.exited(cleanExit), at: clock.now) == [.killGroup(pid: 4), .spawn(incarnation: 5)])
        #expect(machine.consecutiveFailures == 0)
        #expect(machine.giveUp.count == 0)
        #expect(machine.reason == nil)
        #expect(machine.handle(.spawned(pid: 5), at: clock.now) == [.readinessChanged(true)])
        #expect(machine.restarts == 4)

        // With the counters cleared, the next quick crash is replaced at once.
        clock.advance(by: .seconds(1))
        #expect(
            machine.handle(.exited(crash), at: clock.now) == [
                .killGroup(pid: 5), .readinessChanged(false), .spawn(incarnation: 6),
            ])
    }

    @Test func restartFromFailedSpawnsAtOnce() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: .never))
        machine.startRunning(pid: 1, at: clock.now)
        _ = machine.handle(.exited(crash), at: clock.now)
        #expect(machine.displayState == .failed)
        #expect(machine.handle(.restart, at: clock.now) == [.spawn(incarnation: 2)])
        #expect(machine.reason == nil)
        #expect(machine.phase == .spawning)
    }

    @Test func restartFromBackoffSpawnsAtOnceAndTheOldTimerIsIgnored() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 1, at: clock.now)
        _ = machine.handle(.exited(crash), at: clock.now)
        _ = machine.handle(.spawned(pid: 2), at: clock.now)
        _ = machine.handle(.exited(crash), at: clock.now)
        #expect(machine.phase == .backoff(until: clock.now + .seconds(1)))
        #expect(machine.handle(.restart, at: clock.now) == [.spawn(incarnation: 3)])
        #expect(machine.consecutiveFailures == 0)
        _ = machine.handle(.spawned(pid: 3), at: clock.now)
        clock.advance(by: .seconds(1))
        #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [])
        #expect(machine.process?.pid == 3)
    }

    @Test func restartFromStoppedOrCompletedSpawns() {
        let clock = ManualClock()
        var stopped = ReplicaMachine(policy: policy)
        #expect(stopped.handle(.restart, at: clock.now) == [.spawn(incarnation: 1)])

        var completed = ReplicaMachine(policy: ReplicaPolicy(restart: .onFailure))
        completed.startRunning(pid: 1, at: clock.now)
        _ = completed.handle(.exited(cleanExit), at: clock.now)
        #expect(completed.handle(.restart, at: clock.now) == [.spawn(incarnation: 2)])
    }

    @Test func restartWhileStoppingStartsAfterTheExit() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 1, at: clock.now)
        _ = machine.handle(.stop, at: clock.now)
        #expect(machine.handle(.restart, at: clock.now) == [])
        #expect(machine.afterStop == .startFresh)
        clock.advance(by: .seconds(1))
        #expect(machine.handle(.exited(cleanExit), at: clock.now) == [.killGroup(pid: 1), .spawn(incarnation: 2)])
    }

    @Test func startWhileStoppingStartsAfterTheExitEvenOnceKilled() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 1, at: clock.now)
        _ = machine.handle(.stop, at: clock.now)
        clock.advance(by: .seconds(10))
        #expect(machine.handle(.timer(.stopTimeout(incarnation: 1)), at: clock.now) == [.killGroup(pid: 1)])
        #expect(machine.handle(.start, at: clock.now) == [])
        #expect(machine.afterStop == .startFresh)
        #expect(machine.wasKilled == true)
        #expect(machine.handle(.exited(killed), at: clock.now) == [.killGroup(pid: 1), .spawn(incarnation: 2)])
        #expect(machine.handle(.spawned(pid: 2), at: clock.now) == [.readinessChanged(true)])
        #expect(machine.restarts == 1)
    }

    @Test func stopAfterStartWhileStoppingStaysStopped() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 1, at: clock.now)
        _ = machine.handle(.stop, at: clock.now)
        _ = machine.handle(.start, at: clock.now)
        #expect(machine.handle(.stop, at: clock.now) == [])
        #expect(machine.afterStop == .stay)
        #expect(machine.handle(.exited(cleanExit), at: clock.now) == [.killGroup(pid: 1)])
        #expect(machine.phase == .stopped)
    }

    @Test func stoppingAfterALivenessFailureThenStopStaysStopped() {
        var clock = ManualClock()
        var machine = ReplicaMachine(
            policy: ReplicaPolicy(health: ProbePolicy(interval: .seconds(1), failureThreshold: 1))
        )
        machine.startRunning(pid: 1, at: clock.now)
        _ = machine.handle(.timer(.probe(.health, incarnation: 1)), at: clock.now)
        _ = machine.handle(.probeResult(.health, incarnation: 1, success: false, detail: "down"), at: clock.now)
        #expect(machine.afterStop == .restartAfterFailure(reason: "liveness check failed 1 times: down"))
        #expect(machine.handle(.stop, at: clock.now) == [])
        #expect(machine.afterStop == .stay)
        clock.advance(by: .seconds(1))
        #expect(machine.handle(.exited(killed), at: clock.now) == [.killGroup(pid: 1)])
        #expect(machine.phase == .stopped)
    }
}
