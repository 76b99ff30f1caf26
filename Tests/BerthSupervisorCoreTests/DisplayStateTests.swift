import Testing

@testable import BerthSupervisorCore

@Suite("Display state and derived properties")
struct DisplayStateTests {
    @Test func everyPhaseMapsToItsDisplayState() {
        let clock = ManualClock()
        var machine = ReplicaMachine(
            policy: ReplicaPolicy(backoff: exactBackoff, ready: ProbePolicy(successThreshold: 1))
        )
        #expect(machine.displayState == .stopped)
        _ = machine.handle(.start, at: clock.now)
        #expect(machine.displayState == .starting)
        _ = machine.handle(.spawned(pid: 1), at: clock.now)
        #expect(machine.displayState == .starting)
        _ = machine.handle(.timer(.probe(.ready, incarnation: 1)), at: clock.now)
        _ = machine.handle(.probeResult(.ready, incarnation: 1, success: true, detail: ""), at: clock.now)
        #expect(machine.displayState == .running)
        _ = machine.handle(.stop, at: clock.now)
        #expect(machine.displayState == .stopping)
        _ = machine.handle(.exited(killed), at: clock.now)
        #expect(machine.displayState == .stopped)
        #expect(machine.phase == .stopped)
    }

    @Test func phaseTable() {
        let clock = ManualClock()
        let process = ReplicaMachine.Process(
            pid: 1, incarnation: 1, startedAt: clock.now, ready: false, everReady: false, readySince: nil
        )
        var everReady = process
        everReady.everReady = true
        let table: [(ReplicaMachine.Phase, ReplicaMachine.DisplayState)] = [
            (.stopped, .stopped),
            (.spawning, .starting),
            (.running(process), .starting),
            (.running(everReady), .running),
            (.stopping(process, then: .stay, killed: false), .stopping),
            (.stopping(everReady, then: .startFresh, killed: true), .stopping),
            (.backoff(until: clock.now), .backoff),
            (.failed(reason: "x"), .failed),
            (.completed, .completed),
        ]
        for (phase, display) in table {
            var machine = ReplicaMachine(policy: ReplicaPolicy())
            machine.phase = phase
            #expect(machine.displayState == display, "\(phase)")
        }
        #expect(ReplicaMachine.DisplayState.backoff.rawValue == "backoff")
    }

    @Test func hasStartedLatchesOnceAProcessWasSpawned() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: .always))
        #expect(!machine.hasStarted)
        _ = machine.handle(.start, at: clock.now)
        #expect(!machine.hasStarted)
        _ = machine.handle(.spawned(pid: 1), at: clock.now)
        #expect(machine.hasStarted)
        _ = machine.handle(.exited(crash), at: clock.now)
        #expect(machine.phase == .spawning)
        #expect(machine.hasStarted)
        _ = machine.handle(.spawned(pid: 2), at: clock.now)
        _ = machine.handle(.stop, at: clock.now)
        _ = machine.handle(.exited(killed), at: clock.now)
        #expect(machine.hasStarted)
    }

    @Test func isAtRestOnlyWhenNothingRunsOrWillRun() {
        let clock = ManualClock()
        let process = ReplicaMachine.Process(
            pid: 1, incarnation: 1, startedAt: clock.now, ready: true, everReady: true, readySince: clock.now
        )
        let table: [(ReplicaMachine.Phase, Bool, Bool)] = [
            // phase, isAtRest, isReady
            (.stopped, true, false),
            (.spawning, false, false),
            (.running(process), false, true),
            (.stopping(process, then: .stay, killed: false), false, false),
            (.backoff(until: clock.now), false, false),
            (.failed(reason: "x"), true, false),
            (.completed, true, false),
        ]
        for (phase, atRest, ready) in table {
            var machine = ReplicaMachine(policy: ReplicaPolicy())
            machine.phase = phase
            #expect(machine.isAtRest == atRest, "\(phase)")
            #expect(machine.isReady == ready, "\(phase)")
        }
    }
}
