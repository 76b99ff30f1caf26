import Testing

@testable import BerthSupervisorCore

@Suite("RolloutMachine")
struct RolloutMachineTests {
    static let timeout = Duration.seconds(5)

    func machine(
        _ indexes: [Int], surge: Int = 1, unavailable: Int = 0, canSurge: Bool = true
    ) -> RolloutMachine {
        RolloutMachine(
            indexes: indexes,
            options: .init(maxSurge: surge, maxUnavailable: unavailable, readyTimeout: Self.timeout, canSurge: canSurge)
        )
    }

    @Test func surgeReplacesOneReplicaAtATimeBesideTheServingOne() {
        let clock = ManualClock()
        var rollout = machine([0, 1, 2])
        let deadline = clock.at(Self.timeout)
        #expect(rollout.handle(.begin, at: clock.now) == [.startBeside(0, .new), .schedule(at: deadline)])
        #expect(rollout.handle(.replacementReady(0), at: clock.now) == [.promote(0)])
        // The next one waits until the old process of replica 0 is gone (max_surge 1).
        #expect(rollout.steps[0] == .retiring(.new))
        #expect(rollout.handle(.stopped(0), at: clock.now) == [.startBeside(1, .new), .schedule(at: deadline)])
        #expect(rollout.handle(.replacementReady(1), at: clock.now) == [.promote(1)])
        #expect(rollout.handle(.stopped(1), at: clock.now) == [.startBeside(2, .new), .schedule(at: deadline)])
        #expect(rollout.handle(.replacementReady(2), at: clock.now) == [.promote(2)])
        #expect(rollout.handle(.stopped(2), at: clock.now) == [.finished(.completed)])
        #expect(rollout.isFinished)
        #expect(rollout.handle(.tick, at: clock.at(.seconds(60))) == [])
    }

    @Test func maxSurgeTwoReplacesTwoAtOnce() {
        let clock = ManualClock()
        var rollout = machine([0, 1, 2], surge: 2)
        let deadline = clock.at(Self.timeout)
        #expect(
            rollout.handle(.begin, at: clock.now) == [
                .startBeside(0, .new), .schedule(at: deadline), .startBeside(1, .new), .schedule(at: deadline),
            ])
        #expect(rollout.handle(.replacementReady(1), at: clock.now) == [.promote(1)])
        #expect(rollout.handle(.stopped(1), at: clock.now) == [.startBeside(2, .new), .schedule(at: deadline)])
    }

    @Test func maxUnavailableAddsReplacementsInPlace() {
        let clock = ManualClock()
        var rollout = machine([0, 1, 2], surge: 1, unavailable: 1)
        let deadline = clock.at(Self.timeout)
        #expect(
            rollout.handle(.begin, at: clock.now) == [
                .startBeside(0, .new), .schedule(at: deadline), .stopServing(1),
            ])
        #expect(rollout.handle(.stopped(1), at: clock.now) == [.startInPlace(1, .new), .schedule(at: deadline)])
        // In place, promotion settles the index: there is no old process left to stop.
        #expect(rollout.handle(.replacementReady(1), at: clock.now) == [.promote(1), .stopServing(2)])
        #expect(rollout.steps[1] == .settled(runs: .new))
    }

    @Test func aFixedPortRollsOneAtATimeStopThenStart() {
        let clock = ManualClock()
        var rollout = machine([0, 1], surge: 1, unavailable: 0, canSurge: false)
        let deadline = clock.at(Self.timeout)
        #expect(rollout.handle(.begin, at: clock.now) == [.stopServing(0)])
        #expect(rollout.handle(.stopped(0), at: clock.now) == [.startInPlace(0, .new), .schedule(at: deadline)])
        #expect(rollout.handle(.replacementReady(0), at: clock.now) == [.promote(0), .stopServing(1)])
        #expect(rollout.handle(.stopped(1), at: clock.now) == [.startInPlace(1, .new), .schedule(at: deadline)])
        #expect(rollout.handle(.replacementReady(1), at: clock.now) == [.promote(1), .finished(.completed)])
    }

    @Test func aReplacementThatIsNeverReadyIsAbandonedAndTheOldOnesKeepServing() {
        var clock = ManualClock()
        var rollout = machine([0, 1, 2])
        _ = rollout.handle(.begin, at: clock.now)
        clock.advance(by: .seconds(4))
        #expect(rollout.handle(.tick, at: clock.now) == [])
        clock.advance(by: .seconds(1))
        #expect(rollout.handle(.tick, at: clock.now) == [.abandon(0)])
        #expect(rollout.phase == .rollingBack(reason: "replica 0: not ready within 5s"))
        #expect(rollout.steps[1] == .settled(runs: .old))
        #expect(
            rollout.handle(.stopped(0), at: clock.now) == [
                .finished(.rolledBack(reason: "replica 0: not ready within 5s", incomplete: []))
            ])
    }

    @Test func aCrashLaterInTheRolloutReplacesTheDoneReplicasAgainWithTheOldSpec() {
        var clock = ManualClock()
        var rollout = machine([0, 1, 2])
        _ = rollout.handle(.begin, at: clock.now)
        _ = rollout.handle(.replacementReady(0), at: clock.now)
        _ = rollout.handle(.stopped(0), at: clock.now)
        clock.advance(by: .seconds(1))
        let deadline = clock.at(.seconds(1) + Self.timeout)
        // Replica 1's replacement crashes: abandon it; replica 0 (already new) is rolled back beside... once the
        // surge is free again.
        #expect(rollout.handle(.replacementFailed(1, reason: "exited with status 1"), at: clock.now) == [.abandon(1)])
        #expect(rollout.handle(.stopped(1), at: clock.now) == [.startBeside(0, .old), .schedule(at: deadline)])
        #expect(rollout.handle(.replacementReady(0), at: clock.now) == [.promote(0)])
        #expect(
            rollout.handle(.stopped(0), at: clock.now) == [
                .finished(.rolledBack(reason: "replica 1: exited with status 1", incomplete: []))
            ])
    }

    @Test func aFailedInPlaceReplacementBringsTheOldSpecBackInItsPlace() {
        let clock = ManualClock()
        var rollout = machine([0, 1], canSurge: false)
        let deadline = clock.at(Self.timeout)
        _ = rollout.handle(.begin, at: clock.now)
        _ = rollout.handle(.stopped(0), at: clock.now)
        #expect(rollout.handle(.replacementFailed(0, reason: "crashed"), at: clock.now) == [.abandon(0)])
        #expect(rollout.handle(.stopped(0), at: clock.now) == [.startInPlace(0, .old), .schedule(at: deadline)])
        #expect(
            rollout.handle(.replacementReady(0), at: clock.now) == [
                .promote(0), .finished(.rolledBack(reason: "replica 0: crashed", incomplete: [])),
            ])
    }

    @Test func aRollbackThatFailsBesideLeavesTheReplicaOnTheNewSpecAndSaysSo() {
        let clock = ManualClock()
        var rollout = machine([0, 1])
        _ = rollout.handle(.begin, at: clock.now)
        _ = rollout.handle(.replacementReady(0), at: clock.now)
        _ = rollout.handle(.stopped(0), at: clock.now)
        _ = rollout.handle(.replacementFailed(1, reason: "crashed"), at: clock.now)
        _ = rollout.handle(.stopped(1), at: clock.now)
        #expect(rollout.handle(.replacementFailed(0, reason: "crashed"), at: clock.now) == [.abandon(0)])
        #expect(
            rollout.handle(.stopped(0), at: clock.now) == [
                .finished(.rolledBack(reason: "replica 1: crashed", incomplete: [0]))
            ])
    }

    @Test func lateReportsAreIgnored() {
        let clock = ManualClock()
        var rollout = machine([0])
        _ = rollout.handle(.begin, at: clock.now)
        _ = rollout.handle(.replacementReady(0), at: clock.now)
        #expect(rollout.handle(.replacementReady(0), at: clock.now) == [])
        #expect(rollout.handle(.replacementFailed(0, reason: "crashed after promotion"), at: clock.now) == [])
        #expect(rollout.phase == .rolling)
        #expect(rollout.handle(.replacementReady(7), at: clock.now) == [])
        #expect(rollout.handle(.stopped(0), at: clock.now) == [.finished(.completed)])
    }

    @Test func anEmptyRolloutFinishesAtOnce() {
        var rollout = machine([])
        #expect(rollout.handle(.begin, at: ManualClock().now) == [.finished(.completed)])
    }
}
