import Testing

@testable import BerthSupervisorCore

/// The prediction a replica's prepared replacement follows (`ReplicaMachine.immediateRestart`) must say exactly what
/// `handle(.exited)` then does: a spawn at once from `from` on, a backoff or giving up before it.
@Suite("Predicting a restart at once")
struct ImmediateRestartTests {
    let policy = ReplicaPolicy(
        backoff: exactBackoff, giveUp: .init(restarts: 3, within: .seconds(60)), resetAfter: .seconds(10))

    /// The machine's answer to a crash at `at`, on a copy (the prediction is checked against it).
    func exitActions(_ machine: ReplicaMachine, at: ContinuousClock.Instant) -> [ReplicaAction] {
        var copy = machine
        return copy.handle(.exited(killed), at: at)
    }

    @Test func aHealthyReplicaRestartsAtOnceFromItsStart() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 10, at: clock.now)
        let next = machine.immediateRestart
        #expect(next == ImmediateRestart(incarnation: 2, from: clock.now, onlyAfterFailure: false))
        #expect(exitActions(machine, at: clock.now).last == .spawn(incarnation: 2))
        #expect(exitActions(machine, at: clock.at(.seconds(5))).last == .spawn(incarnation: 2))
    }

    @Test func onFailureOnlyAFailedExitRestarts() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: .onFailure))
        machine.startRunning(pid: 10, at: clock.now)
        #expect(machine.immediateRestart?.onlyAfterFailure == true)
        var clean = machine
        #expect(!clean.handle(.exited(cleanExit), at: clock.now).contains(.spawn(incarnation: 2)))
        #expect(clean.phase == .completed)
        #expect(exitActions(machine, at: clock.now).last == .spawn(incarnation: 2))
    }

    @Test func neverRestartingPredictsNothing() {
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: .never))
        machine.startRunning(pid: 10, at: ManualClock().now)
        #expect(machine.immediateRestart == nil)
    }

    @Test func afterAFailureOnlyOnceResetAfterHasPassed() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 10, at: clock.now)
        #expect(machine.handle(.exited(killed), at: clock.now).last == .spawn(incarnation: 2))
        clock.advance(by: .seconds(1))
        _ = machine.handle(.spawned(pid: 11), at: clock.now)
        let next = machine.immediateRestart
        #expect(next == ImmediateRestart(incarnation: 3, from: clock.at(.seconds(11)), onlyAfterFailure: false))
        // Before `from`: a backoff delay; from it on: at once.
        #expect(
            exitActions(machine, at: clock.at(.seconds(11)) - .milliseconds(1)).last
                == .schedule(
                    .backoffElapsed, at: clock.at(.seconds(12)) - .milliseconds(1)))
        #expect(exitActions(machine, at: clock.at(.seconds(11))).last == .spawn(incarnation: 3))
    }

    @Test func aFullGiveUpWindowWaitsForItsOldestRestart() {
        var clock = ManualClock()
        let lenient = ReplicaPolicy(
            backoff: exactBackoff, giveUp: .init(restarts: 2, within: .seconds(60)), resetAfter: .zero)
        var machine = ReplicaMachine(policy: lenient)
        machine.startRunning(pid: 10, at: clock.now)
        for pid in Int32(11)...12 {
            clock.advance(by: .seconds(1))
            #expect(machine.handle(.exited(killed), at: clock.now).last == .spawn(incarnation: Int(pid) - 9))
            _ = machine.handle(.spawned(pid: pid), at: clock.now)
        }
        // Restarts at 1 s and 2 s fill the window: the next has room once the first is 60 s old.
        let next = machine.immediateRestart
        #expect(next?.from == clock.at(.seconds(61)))
        var early = machine
        #expect(
            early.handle(.exited(killed), at: clock.at(.seconds(61)) - .milliseconds(1)).last
                != .spawn(
                    incarnation: 4))
        #expect(early.phase.isFailed)
        #expect(exitActions(machine, at: clock.at(.seconds(61))).last == .spawn(incarnation: 4))
    }

    @Test func aStoppingReplicaPredictsNothing() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        machine.startRunning(pid: 10, at: clock.now)
        _ = machine.handle(.stop, at: clock.now)
        #expect(machine.immediateRestart == nil)
        var restarting = ReplicaMachine(policy: policy)
        restarting.startRunning(pid: 20, at: clock.now)
        _ = restarting.handle(.restart, at: clock.now)
        #expect(restarting.immediateRestart == nil)
    }

    @Test func aZeroGiveUpLimitPredictsNothing() {
        var machine = ReplicaMachine(
            policy: ReplicaPolicy(giveUp: .init(restarts: 0, within: .seconds(60))))
        machine.startRunning(pid: 10, at: ManualClock().now)
        #expect(machine.immediateRestart == nil)
    }
}

extension ReplicaMachine.Phase {
    fileprivate var isFailed: Bool {
        if case .failed = self { return true }
        return false
    }
}
