import BerthSupervisorCore
import Testing

/// `watch:`: debounce, build, rollout; failures leave the old version and changes during a run are not lost.
@Suite struct WatchMachineTests {
    var clock = ManualClock()

    @Test mutating func aBurstOfChangesBuildsOnceAfterTheQuietPeriod() {
        var machine = WatchMachine(debounce: .milliseconds(500), hasBuild: true)
        #expect(machine.handle(.changed(["src/a.c"]), at: clock.now) == [.schedule(at: clock.at(.milliseconds(500)))])
        clock.advance(by: .milliseconds(300))
        #expect(machine.handle(.changed(["src/b.c"]), at: clock.now) == [.schedule(at: clock.at(.milliseconds(800)))])
        clock.advance(by: .milliseconds(200))
        // The first timer fires but a later change moved the deadline: nothing yet.
        #expect(machine.handle(.timer, at: clock.now) == [])
        clock.advance(by: .milliseconds(300))
        #expect(machine.handle(.timer, at: clock.now) == [.build(changed: ["src/a.c", "src/b.c"])])
        #expect(
            machine.handle(.buildEnded(succeeded: true, detail: "0.4 s"), at: clock.now)
                == [.report("build succeeded (0.4 s); rolling out", failure: false), .rollout])
        #expect(
            machine.handle(.rolloutEnded(succeeded: true, detail: "generation 2"), at: clock.now)
                == [.report("rolled out: generation 2", failure: false)])
        #expect(machine.state == .idle)
    }

    @Test mutating func aFailedBuildRollsNothingOut() {
        var machine = WatchMachine(debounce: .milliseconds(100), hasBuild: true)
        _ = machine.handle(.changed(["x"]), at: clock.now)
        clock.advance(by: .milliseconds(100))
        _ = machine.handle(.timer, at: clock.now)
        let actions = machine.handle(.buildEnded(succeeded: false, detail: "exit status 2"), at: clock.now)
        #expect(actions == [.report("build failed (exit status 2); the running version keeps serving", failure: true)])
        #expect(machine.state == .idle)
    }

    @Test mutating func aChangeDuringTheBuildBuildsAgainAfterIt() {
        var machine = WatchMachine(debounce: .milliseconds(100), hasBuild: true)
        _ = machine.handle(.changed(["x"]), at: clock.now)
        clock.advance(by: .milliseconds(100))
        _ = machine.handle(.timer, at: clock.now)
        #expect(machine.handle(.changed(["y"]), at: clock.now) == [])
        _ = machine.handle(.buildEnded(succeeded: true, detail: "ok"), at: clock.now)
        #expect(machine.state == .rolling(pending: true))
        let actions = machine.handle(.rolloutEnded(succeeded: false, detail: "not ready in 5s"), at: clock.now)
        #expect(
            actions == [
                .report("rollout failed (not ready in 5s); the running version keeps serving", failure: true),
                .schedule(at: clock.at(.milliseconds(200))),
            ])
        clock.advance(by: .milliseconds(100))
        #expect(machine.handle(.timer, at: clock.now) == [.build(changed: ["y"])])
    }

    @Test mutating func withoutABuildAChangeRollsOut() {
        var machine = WatchMachine(debounce: .milliseconds(100), hasBuild: false)
        _ = machine.handle(.changed(["app.py"]), at: clock.now)
        clock.advance(by: .milliseconds(100))
        #expect(
            machine.handle(.timer, at: clock.now)
                == [.report("changed: app.py; rolling out", failure: false), .rollout])
    }
}
