import Testing

@testable import BerthSupervisorCore

/// Replicas that take gateway traffic leave the rotation and finish their in-flight requests before the signal.
@Suite("Draining")
struct DrainingTests {
    let policy = ReplicaPolicy(backoff: exactBackoff, stopTimeout: .seconds(10), drainBeforeStop: true)

    @Test func stopDrainsFirstThenSignalsWithTheTimeout() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 700, at: clock.now)
        #expect(machine.handle(.stop, at: clock.now) == [.readinessChanged(false), .drain(incarnation: 1)])
        #expect(machine.displayState == .draining)
        #expect(machine.process?.pid == 700)
        #expect(!machine.isReady)
        #expect(!machine.isAtRest)
        clock.advance(by: .seconds(2))
        #expect(
            machine.handle(.drained(incarnation: 1), at: clock.now) == [
                .signalStop(pid: 700),
                .schedule(.stopTimeout(incarnation: 1), at: clock.at(.seconds(12))),
            ])
        #expect(machine.displayState == .stopping)
        #expect(machine.handle(.exited(cleanExit), at: clock.now) == [.killGroup(pid: 700)])
        #expect(machine.phase == .stopped)
    }

    @Test func aLateOrStaleDrainedIsIgnored() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 701, at: clock.now)
        _ = machine.handle(.stop, at: clock.now)
        #expect(machine.handle(.drained(incarnation: 7), at: clock.now) == [])
        #expect(machine.displayState == .draining)
        // The process exits by itself while draining: it is stopped, and the drained answer comes too late.
        #expect(machine.handle(.exited(crash), at: clock.now) == [.killGroup(pid: 701)])
        #expect(machine.phase == .stopped)
        #expect(machine.handle(.drained(incarnation: 1), at: clock.now) == [])
    }

    @Test func restartWhileDrainingStartsAfreshOnceStopped() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 702, at: clock.now)
        #expect(machine.handle(.restart, at: clock.now) == [.readinessChanged(false), .drain(incarnation: 1)])
        #expect(machine.handle(.start, at: clock.now) == [])
        _ = machine.handle(.drained(incarnation: 1), at: clock.now)
        #expect(machine.handle(.exited(cleanExit), at: clock.now) == [.killGroup(pid: 702), .spawn(incarnation: 2)])
    }

    @Test func aLivenessFailureIsNotDrained() {
        var clock = ManualClock()
        let health = ProbePolicy(interval: .seconds(1), failureThreshold: 1)
        var machine = ReplicaMachine(
            policy: ReplicaPolicy(
                backoff: exactBackoff, stopTimeout: .seconds(10), health: health, drainBeforeStop: true)
        )
        machine.startRunning(pid: 703, at: clock.now)
        clock.advance(by: .seconds(1))
        _ = machine.handle(.timer(.probe(.health, incarnation: 1)), at: clock.now)
        let actions = machine.handle(
            .probeResult(.health, incarnation: 1, success: false, detail: "hung"), at: clock.now)
        #expect(actions.contains(.signalStop(pid: 703)))
        #expect(machine.displayState == .stopping)
    }

    @Test func withoutAGatewayStopSignalsAtOnce() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(stopTimeout: .seconds(10)))
        machine.startRunning(pid: 704, at: clock.now)
        #expect(machine.handle(.stop, at: clock.now).contains(.signalStop(pid: 704)))
    }
}
