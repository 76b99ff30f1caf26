import Testing

@testable import BerthSupervisorCore

@Suite("ServiceMachine: sizing, conditions, holds")
struct ServiceMachineTests {
    @Test func aStoppedServiceStartsNothingUntilWantedAndItsDependenciesAreMet() {
        var driver = ServiceDriver(desired: 2)
        #expect(driver.service.resize() == [])
        driver.service.want()
        #expect(driver.service.state == .waiting)
        #expect(driver.service.activate(dependenciesMet: false) == [])
        #expect(driver.service.slots.isEmpty)
        driver.run(driver.service.activate(dependenciesMet: true))
        #expect(driver.service.state == .active)
        #expect(driver.readyIndexes == [0, 1])
    }

    @Test func scalingUpAddsSlotsForTheMissingIndexes() {
        var driver = ServiceDriver(desired: 1)
        driver.up()
        driver.run(driver.service.scale(to: 3))
        #expect(driver.service.desired == 3)
        #expect(driver.layout == ["0g1:serving", "1g1:serving", "2g1:serving"])
        #expect(driver.readyIndexes == [0, 1, 2])
    }

    @Test func scalingDownStopsTheHighestIndexesAndDropsThemOnceStopped() {
        var driver = ServiceDriver(desired: 3)
        driver.up()
        driver.run(driver.service.scale(to: 1))
        #expect(driver.layout == ["0g1:serving", "1g1:scaledAway", "2g1:scaledAway"])
        #expect(driver.signalled.count == 2)
        driver.exitSignalled()
        #expect(driver.layout == ["0g1:serving"])
        #expect(driver.removed == [1, 2])
    }

    @Test func scalingBackUpBeforeAReplicaStoppedRestartsIt() {
        var driver = ServiceDriver(desired: 2)
        driver.up()
        driver.run(driver.service.scale(to: 1))
        driver.run(driver.service.scale(to: 2))
        #expect(driver.layout == ["0g1:serving", "1g1:serving"])
        driver.exitSignalled()
        // The stop became a restart: the slot stays and runs again.
        #expect(driver.removed == [])
        #expect(driver.readyIndexes == [0, 1])
    }

    @Test func aWaitingServiceTakesTheScaledCountWhenItStarts() {
        var driver = ServiceDriver(desired: 1)
        driver.service.want()
        #expect(driver.service.scale(to: 3) == [])
        driver.run(driver.service.activate(dependenciesMet: true))
        #expect(driver.readyIndexes == [0, 1, 2])
    }

    @Test func conditionsLatchStartedThenReady() {
        let probe = ProbePolicy(interval: .seconds(1), timeout: .seconds(1), failureThreshold: 1, successThreshold: 1)
        var driver = ServiceDriver(desired: 1, revision: TestRevision(policy: ReplicaPolicy(ready: probe)))
        driver.up()
        #expect(driver.service.achieved == [.started])
        driver.run([.deliver(.probeResult(.ready, incarnation: 1, success: true, detail: ""), slot: 0)])
        #expect(driver.service.achieved == [.started, .ready])
        // A crash does not take a reached condition back.
        driver.exit(slot: 0)
        #expect(driver.service.achieved == [.started, .ready])
    }

    @Test func aJobCompletesItsServiceOnlyWhenEveryReplicaCompleted() {
        var driver = ServiceDriver(desired: 2, revision: TestRevision(policy: ReplicaPolicy(restart: .onFailure)))
        driver.up()
        driver.exit(slot: 0, cleanExit)
        #expect(!driver.service.achieved.contains(.completed))
        driver.exit(slot: 1, cleanExit)
        #expect(driver.service.achieved.contains(.completed))
    }

    @Test func conditionsWaitForEveryDesiredReplica() {
        var driver = ServiceDriver(desired: 2)
        driver.service.want()
        // Made active with slots still missing (as right after a scale up): nothing is reached yet.
        driver.service.state = .active
        driver.service.updateAchieved()
        #expect(driver.service.achieved == [])
    }

    @Test func aHeldReplicaStaysStoppedThroughResizesAndDoesNotHoldTheServiceBack() throws {
        let probe = ProbePolicy(interval: .seconds(1), timeout: .seconds(1), failureThreshold: 1, successThreshold: 1)
        var driver = ServiceDriver(desired: 2, revision: TestRevision(policy: ReplicaPolicy(ready: probe)))
        driver.up()
        let holding = driver.service.hold(index: 1)
        let held = try #require(holding)
        #expect(held.newlyHeld)
        driver.run(held.actions)
        driver.exitSignalled()
        driver.run(driver.service.resize())
        #expect(driver.service.serving(index: 1)?.machine.phase == .stopped)
        driver.run([.deliver(.probeResult(.ready, incarnation: 1, success: true, detail: ""), slot: 0)])
        #expect(driver.service.achieved.contains(.ready))
        #expect(driver.service.hold(index: 1)?.newlyHeld == false)
        driver.run(driver.service.releaseHolds())
        driver.run(driver.service.resize())
        #expect(driver.service.serving(index: 1)?.machine.process != nil)
    }

    @Test func releasingAReplicaARolloutPassedOverGivesItTheCurrentRevision() throws {
        var driver = ServiceDriver(desired: 2)
        driver.up()
        let holdingAgain = driver.service.hold(index: 1)
        driver.run(try #require(holdingAgain).actions)
        driver.exitSignalled()
        driver.run(driver.service.beginRollout(to: TestRevision(generation: 2), options: surge, at: driver.clock.now))
        driver.exitSignalled()
        #expect(driver.finished == [.completed])
        #expect(driver.layout == ["0g2:serving", "1g1:serving"])
        let release = driver.service.release(index: 1)
        let released = try #require(release)
        driver.run(released.actions)
        driver.run(driver.service.resize())
        #expect(driver.layout == ["0g2:serving", "1g2:serving"])
        #expect(driver.readyIndexes == [0, 1])
    }

    @Test func aRemovedServiceStopsEveryReplicaAndIsAtRestOnceTheyExited() {
        var driver = ServiceDriver(desired: 2)
        driver.up()
        driver.run(driver.service.remove())
        #expect(driver.service.state == .removed)
        driver.service.want()
        #expect(driver.service.state == .removed)
        #expect(!driver.service.isAtRest)
        driver.exitSignalled()
        #expect(driver.service.isAtRest)
    }

    @Test func lookupsOfAGoneSlotAreNil() {
        var driver = ServiceDriver(desired: 1)
        driver.up()
        #expect(driver.service.slot(42) == nil)
        #expect(driver.service.handle(.start, slot: 42, at: driver.clock.now) == nil)
        #expect(driver.service.serving(index: 3) == nil)
        #expect(driver.service.hold(index: 3) == nil)
    }

    @Test func aFixedPortIsTheBasePlusTheIndex() {
        var driver = ServiceDriver(desired: 2, revision: TestRevision(basePort: 8000))
        driver.up()
        #expect(driver.service.slots.map(\.port) == [8000, 8001])
    }
}

let surge = RolloutMachine.Options(maxSurge: 1, maxUnavailable: 0, readyTimeout: .seconds(5), canSurge: true)

@Suite("ServiceMachine: slot positions")
struct ServiceSlotPositionTests {
    @Test func positionsFollowInsertionsAndRemovalsInIndexThenIDOrder() {
        var driver = ServiceDriver(desired: 4)
        driver.up()
        driver.run(driver.service.scale(to: 2))
        driver.exitSignalled()
        driver.run(driver.service.beginRollout(to: TestRevision(generation: 2), options: surge, at: driver.clock.now))
        driver.run(driver.service.scale(to: 2))
        for (position, slot) in driver.service.slots.enumerated() {
            #expect(driver.service.position(ofSlot: slot.id) == position)
        }
        let order = driver.service.slots.map { [$0.index, $0.id] }
        #expect(order == order.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) })
        #expect(driver.service.position(ofSlot: 2) == nil)
        #expect(driver.service.position(ofSlot: 3) == nil)
    }
}
