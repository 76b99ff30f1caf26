import Testing

@testable import BerthSupervisorCore

@Suite("GiveUpWindow")
struct GiveUpWindowTests {
    @Test func allowsTheLimitThenRefusesWithoutRecording() {
        let clock = ManualClock()
        var window = GiveUpWindow(limit: .init(restarts: 5, within: .seconds(60)))
        for second in 0..<5 {
            #expect(window.allowRestart(at: clock.at(.seconds(second))) == true)
        }
        #expect(window.count == 5)
        #expect(window.allowRestart(at: clock.at(.seconds(10))) == false)
        #expect(window.allowRestart(at: clock.at(.seconds(59))) == false)
        #expect(window.count == 5)
    }

    @Test func restartsLeaveTheWindowExactlyWhenItHasPassed() {
        let clock = ManualClock()
        var window = GiveUpWindow(limit: .init(restarts: 2, within: .seconds(60)))
        #expect(window.allowRestart(at: clock.at(.zero)) == true)
        #expect(window.allowRestart(at: clock.at(.seconds(30))) == true)
        #expect(window.allowRestart(at: clock.at(.seconds(60) - .milliseconds(1))) == false)
        // The first restart is now 60 s old: it no longer counts.
        #expect(window.allowRestart(at: clock.at(.seconds(60))) == true)
        #expect(window.count == 2)
        #expect(window.allowRestart(at: clock.at(.seconds(61))) == false)
        #expect(window.allowRestart(at: clock.at(.seconds(90))) == true)
    }

    @Test func resetForgetsEverything() {
        let clock = ManualClock()
        var window = GiveUpWindow(limit: .init(restarts: 1, within: .seconds(60)))
        #expect(window.allowRestart(at: clock.now) == true)
        #expect(window.allowRestart(at: clock.now) == false)
        window.reset()
        #expect(window.count == 0)
        #expect(window.allowRestart(at: clock.now) == true)
    }

    @Test func aZeroLimitNeverAllowsARestart() {
        var window = GiveUpWindow(limit: .init(restarts: 0, within: .seconds(60)))
        #expect(window.allowRestart(at: ManualClock().now) == false)
    }
}

@Suite("Giving up on a crash-looping replica")
struct GiveUpTests {
    let policy = ReplicaPolicy(
        backoff: Backoff(initial: .milliseconds(100), max: .seconds(30), multiplier: 2, jitter: 0),
        giveUp: .init(restarts: 5, within: .seconds(60)),
        resetAfter: .seconds(10)
    )

    @Test func theSixthFailureInsideTheWindowFails() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        _ = machine.handle(.start, at: clock.now)
        for failure in 1...5 {
            let pid = Int32(failure)
            _ = machine.handle(.spawned(pid: pid), at: clock.now)
            clock.advance(by: .seconds(2))
            let actions = machine.handle(.exited(crash), at: clock.now)
            #expect(actions.count == 3, "failure \(failure): \(actions)")
            #expect(machine.giveUp.count == failure)
            if case .backoff(let until) = machine.phase {
                clock.advance(by: until - clock.now)
                #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [.spawn(incarnation: failure + 1)])
            } else {
                #expect(actions.last == .spawn(incarnation: failure + 1))
            }
        }
        #expect(machine.restarts == 4)
        _ = machine.handle(.spawned(pid: 6), at: clock.now)
        clock.advance(by: .seconds(2))
        let lastExit = ExitInfo(succeeded: false, description: "killed by SIGSEGV")
        #expect(machine.handle(.exited(lastExit), at: clock.now) == [.killGroup(pid: 6), .readinessChanged(false)])
        let reason = "gave up after 5 restarts within 60s; last: killed by SIGSEGV"
        #expect(machine.phase == .failed(reason: reason))
        #expect(machine.reason == reason)
        #expect(machine.lastExit == lastExit)
        #expect(machine.isAtRest)
        #expect(machine.displayState == .failed)

        // A stray backoff timer does not revive it; `start` does, with a fresh window.
        #expect(machine.handle(.timer(.backoffElapsed), at: clock.now) == [])
        #expect(machine.handle(.start, at: clock.now) == [.spawn(incarnation: 7)])
        #expect(machine.giveUp.count == 0)
        #expect(machine.consecutiveFailures == 0)
    }

    @Test func failuresSpreadOverMoreThanTheWindowNeverGiveUp() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        _ = machine.handle(.start, at: clock.now)
        // 30 crashes, one every 13 s: never more than five inside any 60 s.
        for failure in 1...30 {
            let pid = Int32(failure)
            _ = machine.handle(.spawned(pid: pid), at: clock.now)
            clock.advance(by: .seconds(13))
            #expect(
                machine.handle(.exited(crash), at: clock.now) == [
                    .killGroup(pid: pid), .readinessChanged(false), .spawn(incarnation: failure + 1),
                ])
        }
        #expect(machine.restarts == 29)
    }

    @Test func theReasonFormatsSubSecondAndFractionalWindows() {
        for (within, text) in [(Duration.milliseconds(500), "500ms"), (.seconds(1.5), "1.5s"), (.seconds(90), "90s")] {
            var clock = ManualClock()
            var machine = ReplicaMachine(policy: ReplicaPolicy(giveUp: .init(restarts: 1, within: within)))
            machine.startRunning(pid: 1, at: clock.now)
            _ = machine.handle(.exited(crash), at: clock.now)
            _ = machine.handle(.spawned(pid: 2), at: clock.now)
            clock.advance(by: .milliseconds(1))
            _ = machine.handle(.exited(crash), at: clock.now)
            let reason = "gave up after 1 restart within \(text); last: exited with status 1"
            #expect(machine.phase == .failed(reason: reason))
        }
    }
}
