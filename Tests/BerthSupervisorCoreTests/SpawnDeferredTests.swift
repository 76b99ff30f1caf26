import Testing

@testable import BerthSupervisorCore

/// A start that could not be made for want of a resource (no free port, too many open files) is retried after a
/// backoff, like a crash, under the give-up rules; it is not a restart and not a permanent failure.
@Suite("Spawn deferred for a short resource")
struct SpawnDeferredTests {
    @Test func aShortResourceBacksOffAndTriesAgain() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: .always, backoff: exactBackoff))
        #expect(machine.handle(.start, at: clock.now) == [.spawn(incarnation: 1)])
        #expect(
            machine.handle(.spawnDeferred(reason: "no free port"), at: clock.now) == [
                .schedule(.backoffElapsed, at: clock.now + .seconds(1))
            ])
        #expect(machine.phase == .backoff(until: clock.now + .seconds(1)))
        #expect(machine.reason == "could not start: no free port")
        #expect(!machine.isAtRest)
        clock.advance(by: .seconds(1))
        // The same incarnation again: the deferred attempt never had a process.
        #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [.spawn(incarnation: 1)])
        #expect(
            machine.handle(.spawnDeferred(reason: "no free port"), at: clock.now) == [
                .schedule(.backoffElapsed, at: clock.now + .seconds(1))
            ])
        clock.advance(by: .seconds(1))
        #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [.spawn(incarnation: 1)])
        _ = machine.handle(.spawned(pid: 42), at: clock.now)
        #expect(machine.restarts == 0, "attempts that started nothing are not restarts")
        #expect(machine.isReady)
    }

    @Test func aShortageThatLastsGivesUp() {
        var clock = ManualClock()
        var machine = ReplicaMachine(
            policy: ReplicaPolicy(
                restart: .always, backoff: exactBackoff, giveUp: .init(restarts: 2, within: .seconds(60))))
        _ = machine.handle(.start, at: clock.now)
        for _ in 0..<2 {
            #expect(machine.handle(.spawnDeferred(reason: "too many open files"), at: clock.now).count == 1)
            clock.advance(by: .seconds(10))
            _ = machine.handle(.timer(.backoffElapsed), at: clock.now)
        }
        #expect(machine.handle(.spawnDeferred(reason: "too many open files"), at: clock.now) == [])
        #expect(
            machine.phase
                == .failed(reason: "gave up after 2 restarts within 60s; last: could not start: too many open files"))
    }
}
