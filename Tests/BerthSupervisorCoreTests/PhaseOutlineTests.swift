import Testing

@testable import BerthSupervisorCore

/// What the supervisor treats as "nothing changed": a probe cycle of a healthy replica keeps the phase's outline
/// (so no project-wide reconciliation runs for it), while readiness, a new process or a new case change it.
@Suite("Phase outline")
struct PhaseOutlineTests {
    let policy = ReplicaPolicy(
        backoff: exactBackoff,
        ready: ProbePolicy(interval: .seconds(1), failureThreshold: 3, successThreshold: 1, initialDelay: .zero)
    )

    @Test func aProbeCycleKeepsTheOutlineAndReadinessChangesIt() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 7, at: clock.now)
        let starting = machine.phase
        let probe = machine.handle(.timer(.probe(.ready, incarnation: 1)), at: clock.now)
        #expect(probe == [.probe(.ready, incarnation: 1)])
        #expect(machine.phase.hasSameOutline(as: starting))
        _ = machine.handle(.probeResult(.ready, incarnation: 1, success: true, detail: "200"), at: clock.now)
        #expect(machine.isReady)
        #expect(!machine.phase.hasSameOutline(as: starting))

        // Ready, then one failed probe below the threshold: the counters change, the outline does not.
        let ready = machine.phase
        clock.advance(by: .seconds(1))
        _ = machine.handle(.timer(.probe(.ready, incarnation: 1)), at: clock.now)
        let actions = machine.handle(
            .probeResult(.ready, incarnation: 1, success: false, detail: "refused"), at: clock.now)
        #expect(actions.allSatisfy { $0.isRoutine })
        #expect(machine.phase != ready)
        #expect(machine.phase.hasSameOutline(as: ready))
    }

    @Test func anotherProcessOrCaseIsAnotherOutline() {
        let clock = ManualClock()
        var first = ReplicaMachine(policy: policy)
        first.startRunning(pid: 7, at: clock.now)
        var second = ReplicaMachine(policy: policy)
        second.startRunning(pid: 8, at: clock.now)
        #expect(!first.phase.hasSameOutline(as: second.phase))
        #expect(!first.phase.hasSameOutline(as: .stopped))
        #expect(ReplicaMachine.Phase.stopped.hasSameOutline(as: .stopped))
        #expect(!ReplicaMachine.Phase.failed(reason: "a").hasSameOutline(as: .failed(reason: "b")))
        #expect(!ReplicaAction.readinessChanged(true).isRoutine)
        #expect(!ReplicaAction.spawn(incarnation: 1).isRoutine)
    }
}
