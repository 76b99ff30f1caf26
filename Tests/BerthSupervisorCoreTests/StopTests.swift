import Testing

@testable import BerthSupervisorCore

@Suite("Stopping")
struct StopTests {
    let policy = ReplicaPolicy(backoff: exactBackoff, stopTimeout: .seconds(10))

    @Test func stopSignalsThenKillsAfterTheTimeoutThenReapsTheGroup() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 300, at: clock.now)
        clock.advance(by: .seconds(1))
        #expect(
            machine.handle(.stop, at: clock.now) == [
                .readinessChanged(false),
                .signalStop(pid: 300),
                .schedule(.stopTimeout(incarnation: 1), at: clock.at(.seconds(11))),
            ])
        #expect(machine.afterStop == .stay)
        #expect(machine.wasKilled == false)
        #expect(machine.displayState == .stopping)
        #expect(!machine.isReady)
        #expect(machine.process?.pid == 300)
        #expect(!machine.isAtRest)

        // A second stop changes nothing.
        #expect(machine.handle(.stop, at: clock.now) == [])
        #expect(machine.afterStop == .stay)

        clock.advance(by: .seconds(10))
        #expect(machine.handle(.timer(.stopTimeout(incarnation: 1)), at: clock.now) == [.killGroup(pid: 300)])
        #expect(machine.wasKilled == true)
        // A duplicate timeout does not kill twice.
        #expect(machine.handle(.timer(.stopTimeout(incarnation: 1)), at: clock.now) == [])

        #expect(machine.handle(.exited(killed), at: clock.now) == [.killGroup(pid: 300)])
        #expect(machine.phase == .stopped)
        #expect(machine.lastExit == killed)
        #expect(machine.isAtRest)
        #expect(machine.displayState == .stopped)
    }

    @Test func aProcessThatExitsInTimeIsNotKilledByTheStaleTimeout() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 300, at: clock.now)
        _ = machine.handle(.stop, at: clock.now)
        clock.advance(by: .seconds(1))
        let exit = ExitInfo(succeeded: false, description: "killed by SIGTERM")
        #expect(machine.handle(.exited(exit), at: clock.now) == [.killGroup(pid: 300)])
        #expect(machine.phase == .stopped)
        clock.advance(by: .seconds(9))
        #expect(machine.handle(.timer(.stopTimeout(incarnation: 1)), at: clock.now) == [])
        #expect(machine.phase == .stopped)
    }

    @Test func aStaleTimeoutOfAnEarlierIncarnationDoesNotKillTheNextOne() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 300, at: clock.now)
        _ = machine.handle(.stop, at: clock.now)  // stop timeout of incarnation 1 at 10 s
        clock.advance(by: .seconds(1))
        _ = machine.handle(.exited(cleanExit), at: clock.now)
        machine.startRunning(pid: 301, at: clock.now)
        clock.advance(by: .seconds(1))
        #expect(
            machine.handle(.stop, at: clock.now) == [
                .readinessChanged(false),
                .signalStop(pid: 301),
                .schedule(.stopTimeout(incarnation: 2), at: clock.at(.seconds(12))),
            ])
        clock.advance(by: .seconds(8))
        #expect(machine.handle(.timer(.stopTimeout(incarnation: 1)), at: clock.now) == [])
        #expect(machine.wasKilled == false)
        clock.advance(by: .seconds(2))
        #expect(machine.handle(.timer(.stopTimeout(incarnation: 2)), at: clock.now) == [.killGroup(pid: 301)])
    }

    @Test func aStopTimeoutWhileRunningAgainIsIgnored() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 300, at: clock.now)
        _ = machine.handle(.restart, at: clock.now)
        _ = machine.handle(.exited(cleanExit), at: clock.now)
        _ = machine.handle(.spawned(pid: 301), at: clock.now)
        clock.advance(by: .seconds(10))
        #expect(machine.handle(.timer(.stopTimeout(incarnation: 1)), at: clock.now) == [])
        #expect(machine.process?.pid == 301)
        #expect(machine.isReady)
    }

    @Test func stopInBackoffCancelsTheRestart() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 1, at: clock.now)
        _ = machine.handle(.exited(crash), at: clock.now)
        _ = machine.handle(.spawned(pid: 2), at: clock.now)
        _ = machine.handle(.exited(crash), at: clock.now)
        #expect(machine.phase == .backoff(until: clock.now + .seconds(1)))
        #expect(machine.handle(.stop, at: clock.now) == [])
        #expect(machine.phase == .stopped)
        clock.advance(by: .seconds(1))
        #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [])
        #expect(machine.phase == .stopped)
    }

    @Test func stopWhenFailedCompletedOrStoppedRestsStopped() {
        let clock = ManualClock()
        var failed = ReplicaMachine(policy: ReplicaPolicy(restart: .never))
        failed.startRunning(pid: 1, at: clock.now)
        _ = failed.handle(.exited(crash), at: clock.now)
        #expect(failed.displayState == .failed)
        #expect(failed.handle(.stop, at: clock.now) == [])
        #expect(failed.phase == .stopped)

        var completed = ReplicaMachine(policy: ReplicaPolicy(restart: .onFailure))
        completed.startRunning(pid: 1, at: clock.now)
        _ = completed.handle(.exited(cleanExit), at: clock.now)
        #expect(completed.displayState == .completed)
        #expect(completed.handle(.stop, at: clock.now) == [])
        #expect(completed.phase == .stopped)

        var stopped = ReplicaMachine(policy: policy)
        #expect(stopped.handle(.stop, at: clock.now) == [])
        #expect(stopped.phase == .stopped)
    }

    @Test func stopBeforeReadyDoesNotAnnounceUnreadiness() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(stopTimeout: .seconds(3), ready: ProbePolicy()))
        machine.startRunning(pid: 5, at: clock.now)
        #expect(
            machine.handle(.stop, at: clock.now) == [
                .signalStop(pid: 5), .schedule(.stopTimeout(incarnation: 1), at: clock.now + .seconds(3)),
            ])
    }
}
