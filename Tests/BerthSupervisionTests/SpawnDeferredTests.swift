import Testing

@testable import BerthSupervision

/// A start that failed for want of a resource the machine gets back (no free port for `port: auto`, no file
/// descriptor): unlike `.spawnFailed` it is retried like a crash (at once the first time, then after the backoff),
/// and bounded by give_up.
@Suite("Deferred spawn (transient resource shortage)")
struct SpawnDeferredTests {
    @Test func retriesThenBacksOffUntilItStarts() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: .always, backoff: exactBackoff))
        #expect(machine.handle(.start, at: clock.now) == [.spawn(incarnation: 1)])
        #expect(machine.handle(.spawnDeferred(reason: "no free port"), at: clock.now) == [.spawn(incarnation: 2)])
        #expect(machine.handle(.spawnDeferred(reason: "no free port"), at: clock.now) == [
            .schedule(.backoffElapsed, at: clock.now + .seconds(1)),
        ])
        #expect(machine.reason == "could not start: no free port")
        #expect(machine.displayState == .backoff)
        clock.advance(by: .seconds(1))
        #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [.spawn(incarnation: 3)])
        _ = machine.handle(.spawned(pid: 90), at: clock.now)
        #expect(machine.process?.pid == 90)
    }

    @Test func givesUpLikeACrashLoop() {
        var clock = ManualClock()
        let policy = ReplicaPolicy(restart: .always, backoff: exactBackoff, giveUp: .init(restarts: 2, within: .seconds(60)))
        var machine = ReplicaMachine(policy: policy)
        _ = machine.handle(.start, at: clock.now)
        #expect(machine.handle(.spawnDeferred(reason: "no free port"), at: clock.now) == [.spawn(incarnation: 2)])
        clock.advance(by: .seconds(1))
        #expect(machine.handle(.spawnDeferred(reason: "no free port"), at: clock.now).count == 1)
        clock.advance(by: .seconds(1))
        #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [.spawn(incarnation: 3)])
        #expect(machine.handle(.spawnDeferred(reason: "no free port"), at: clock.now) == [])
        #expect(machine.reason?.hasPrefix("gave up after 2 restarts within 60s; last: could not start: no free port")
            == true, "\(machine.reason ?? "nil")")
        #expect(machine.displayState == .failed)
    }
}
