import Testing

@testable import BerthSupervisorCore

@Suite("ServiceMachine: rollouts")
struct ServiceRolloutTests {
    @Test func aSurgeRolloutReplacesEveryReplicaBesideItsPredecessor() {
        var driver = ServiceDriver(desired: 2)
        driver.up()
        let new = TestRevision(generation: 2)
        driver.run(driver.service.beginRollout(to: new, options: surge, at: driver.clock.now))
        // Replica 0's replacement was ready at once and promoted; the old process is stopping.
        #expect(driver.layout == ["0g1:retired", "0g2:serving", "1g1:serving"])
        #expect(driver.service.rolloutProgress == "generation 2: 0 of 2 replaced")
        driver.exitSignalled()
        #expect(driver.layout == ["0g2:serving", "1g1:retired", "1g2:serving"])
        driver.exitSignalled()
        #expect(driver.layout == ["0g2:serving", "1g2:serving"])
        #expect(driver.finished == [.completed])
        #expect(driver.service.rollout == nil)
        #expect(driver.service.revision.generation == 2)
        #expect(driver.service.lastRolloutFailure == nil)
    }

    @Test func aFixedPortRollsInPlace() {
        var driver = ServiceDriver(desired: 1, revision: TestRevision(basePort: 9000))
        driver.up()
        let options = RolloutMachine.Options(maxSurge: 1, maxUnavailable: 0, readyTimeout: .seconds(5), canSurge: false)
        driver.run(
            driver.service.beginRollout(
                to: TestRevision(generation: 2, basePort: 9000), options: options,
                at: driver.clock.now))
        #expect(driver.layout == ["0g1:retired"])
        driver.exitSignalled()
        #expect(driver.layout == ["0g2:serving"])
        #expect(driver.service.slots.map(\.port) == [9000])
        #expect(driver.finished == [.completed])
    }

    @Test func aCrashingReplacementRollsBackAndIsRemembered() throws {
        let probe = ProbePolicy(interval: .seconds(1), timeout: .seconds(1), failureThreshold: 1, successThreshold: 1)
        var driver = ServiceDriver(desired: 1)
        driver.up()
        let new = TestRevision(policy: ReplicaPolicy(ready: probe), generation: 2)
        driver.run(driver.service.beginRollout(to: new, options: surge, at: driver.clock.now))
        #expect(driver.layout == ["0g1:serving", "0g2:incoming"])
        let replacement = try #require(driver.service.incoming(index: 0)).id
        driver.exit(slot: replacement, crash)
        driver.exitSignalled()
        #expect(driver.layout == ["0g1:serving"])
        #expect(driver.finished == [.rolledBack(reason: "replica 0: exited with status 1", incomplete: [])])
        #expect(driver.service.revision.generation == 1)
        #expect(driver.service.lastRolloutFailure == "rolled back to generation 1: replica 0: exited with status 1")
    }

    @Test func aDeferredSpawnFailsTheReplacement() throws {
        var driver = ServiceDriver(desired: 1)
        driver.up()
        let probe = ProbePolicy(interval: .seconds(1), timeout: .seconds(1), failureThreshold: 1, successThreshold: 1)
        let new = TestRevision(policy: ReplicaPolicy(ready: probe), generation: 2)
        _ = driver.service.beginRollout(to: new, options: surge, at: driver.clock.now)
        let replacement = try #require(driver.service.incoming(index: 0)).id
        #expect(driver.service.handle(.start, slot: replacement, at: driver.clock.now) == [.spawn(incarnation: 1)])
        _ = driver.service.handle(.spawnDeferred(reason: "no free port"), slot: replacement, at: driver.clock.now)
        let actions = driver.service.observeReplacement(
            .spawnDeferred(reason: "no free port"), slot: replacement, at: driver.clock.now)
        #expect(actions == [.deliver(.stop, slot: replacement)])
        #expect(driver.service.slot(replacement)?.role == .retired)
    }

    @Test func cancellingARolloutRetiresItsReplacements() throws {
        var driver = ServiceDriver(desired: 1)
        driver.up()
        let probe = ProbePolicy(interval: .seconds(1), timeout: .seconds(1), failureThreshold: 1, successThreshold: 1)
        driver.run(
            driver.service.beginRollout(
                to: TestRevision(policy: ReplicaPolicy(ready: probe), generation: 2),
                options: surge, at: driver.clock.now))
        let cancel = driver.service.cancelRollout()
        let cancelled = try #require(cancel)
        #expect(cancelled.new.generation == 2)
        #expect(driver.layout == ["0g1:serving", "0g2:retired"])
        driver.service.unwant()
        driver.run(driver.service.stopAll())
        driver.exitSignalled()
        #expect(driver.layout == ["0g1:serving"])
        #expect(driver.service.isAtRest)
    }

    @Test func heldReplicasAreLeftOutOfARollout() throws {
        var driver = ServiceDriver(desired: 2)
        driver.up()
        let holding = driver.service.hold(index: 0)
        driver.run(try #require(holding).actions)
        driver.exitSignalled()
        driver.run(driver.service.beginRollout(to: TestRevision(generation: 2), options: surge, at: driver.clock.now))
        #expect(driver.service.rollout?.machine.steps.keys.sorted() == [1])
    }

    /// audit5: a held replica kept showing the port of the spec it last ran after a reload moved the service's base
    /// port (status said 9000; `berth start web.0` started it on 9100). It shows the port it will start on.
    @Test func aHeldReplicaShowsThePortItWillStartOn() throws {
        var driver = ServiceDriver(desired: 2, revision: TestRevision(basePort: 9000))
        driver.up()
        let holding = driver.service.hold(index: 0)
        driver.run(try #require(holding).actions)
        driver.exitSignalled()
        let moved = TestRevision(generation: 2, basePort: 9100)
        driver.run(driver.service.beginRollout(to: moved, options: surge, at: driver.clock.now))
        driver.exitSignalled()
        let held = try #require(driver.service.slots.first { $0.index == 0 })
        #expect(held.isHeld && held.port == 9000)
        #expect(driver.service.upcomingPort(of: held) == 9100)
        let serving = try #require(driver.service.slots.first { $0.index == 1 && $0.revision.generation == 2 })
        #expect(driver.service.upcomingPort(of: serving) == 9101)
        // Released, it starts where the status said.
        let releasing = driver.service.release(index: 0)
        let released = try #require(releasing)
        driver.run(released.actions)
        #expect(driver.service.slot(released.slot)?.port == 9100)
        // With `port: auto` the port is picked at the spawn: none is promised.
        var auto = ServiceDriver(desired: 1, revision: TestRevision(basePort: 9000))
        auto.up()
        let autoHolding = auto.service.hold(index: 0)
        auto.run(try #require(autoHolding).actions)
        auto.exitSignalled()
        auto.service.revision = TestRevision(generation: 2, basePort: nil)
        let autoHeld = try #require(auto.service.slots.first)
        #expect(auto.service.upcomingPort(of: autoHeld) == nil)
    }
}
