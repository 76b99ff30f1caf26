import Testing

@testable import BerthSupervisorCore

/// Runs of a scheduled job (`ServiceMachine.beginRun`): the serving replicas when they are at rest, extra-run slots
/// beyond `desired` for an overlapping run (`concurrency: allow`), reused once at rest, never counted as serving.
@Suite struct ScheduledRunTests {
    /// A one-shot job (`restart: never`) that `up` started once; its first run completed.
    func completedJob(desired: Int = 1) -> ServiceDriver {
        var driver = ServiceDriver(desired: desired, revision: TestRevision(policy: ReplicaPolicy(restart: .never)))
        driver.up()
        for slot in driver.service.current { driver.exit(slot: slot.id, cleanExit) }
        return driver
    }

    @Test func aRunAtRestRestartsTheServingReplicasInPlace() throws {
        var driver = completedJob()
        let first = try #require(driver.service.current.first).id
        let runBegun = driver.service.beginRun()
        let run = try #require(runBegun)
        #expect(run.slots == [first])
        driver.run(run.actions)
        #expect(driver.service.slot(first)?.machine.process != nil)
        #expect(driver.layout == ["0g1:serving"])
    }

    @Test func anOverlappingRunTakesSlotsBeyondDesiredAndReusesThem() throws {
        var driver = completedJob(desired: 2)
        let baseBegun = driver.service.beginRun()
        let base = try #require(baseBegun)
        driver.run(base.actions)
        // The base run is in progress: the next run takes indexes 2 and 3.
        let secondBegun = driver.service.beginRun()
        let second = try #require(secondBegun)
        driver.run(second.actions)
        #expect(driver.layout == ["0g1:serving", "1g1:serving", "2g1:extraRun", "3g1:extraRun"])
        #expect(!driver.service.areAtRest(second.slots))
        // A third overlaps both: indexes 4 and 5.
        let thirdBegun = driver.service.beginRun()
        let third = try #require(thirdBegun)
        driver.run(third.actions)
        #expect(driver.service.slots.map(\.index) == [0, 1, 2, 3, 4, 5])
        // The extra runs never count as serving: the service is still "completed" for its dependants.
        #expect(driver.service.current.map(\.index) == [0, 1])
        // The second run ends: its slots stay, at rest, with their last exit.
        for id in second.slots { driver.exit(slot: id, crash) }
        #expect(driver.service.areAtRest(second.slots))
        #expect(driver.service.slots.count == 6)
        // The next overlapping run reuses them rather than growing.
        let fourthBegun = driver.service.beginRun()
        let fourth = try #require(fourthBegun)
        #expect(fourth.slots == second.slots)
        driver.run(fourth.actions)
        #expect(driver.service.slots.count == 6)
        #expect(fourth.slots.allSatisfy { driver.service.slot($0)?.machine.process != nil })
    }

    @Test func scalingUpOverAnExtraRunRetiresIt() throws {
        var driver = completedJob()
        let baseBegun = driver.service.beginRun()
        driver.run(try #require(baseBegun).actions)
        let extraBegun = driver.service.beginRun()
        let extra = try #require(extraBegun)
        driver.run(extra.actions)
        #expect(driver.layout == ["0g1:serving", "1g1:extraRun"])
        driver.run(driver.service.scale(to: 2))
        // The extra run gives index 1 back: stopped, then removed; a serving replica takes the index.
        #expect(driver.service.slot(extra.slots[0])?.role == .retired)
        driver.exitSignalled()
        #expect(driver.service.slot(extra.slots[0]) == nil)
        #expect(driver.layout == ["0g1:serving", "1g1:serving"])
    }

    /// audit5: overlapping runs took the next indexes without end (600 replicas and two runs made job.600-1199, which
    /// no command could name). Whatever overlaps, no index reaches `indexLimit`.
    @Test func overlappingRunsStayBelowTheIndexLimit() throws {
        var driver = completedJob(desired: 400)
        for _ in 0..<3 {
            let begun = driver.service.beginRun()
            driver.run(try #require(begun).actions)
        }
        let indexes = driver.service.slots.map(\.index)
        #expect(indexes.max() == ServiceDriver.Machine.indexLimit - 1)
        #expect(indexes.count == ServiceDriver.Machine.indexLimit)
        #expect(Set(indexes).count == indexes.count)
        // A fourth run has no index left: it gets no slot, rather than job.1000.
        let fourthBegun = driver.service.beginRun()
        let fourth = try #require(fourthBegun)
        #expect(fourth.slots.isEmpty && fourth.actions.isEmpty)
        #expect(driver.service.slots.allSatisfy { $0.index < 1000 })
    }

    @Test func anInactiveServiceHasNoRunToBegin() {
        var driver = ServiceDriver(desired: 1)
        let begun = driver.service.beginRun()
        #expect(begun == nil)
    }
}
