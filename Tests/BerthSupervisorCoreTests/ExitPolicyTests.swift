import Testing

@testable import BerthSupervisorCore

@Suite("Exits under each restart policy")
struct ExitPolicyTests {
    enum Outcome: Sendable, Equatable {
        case restarted
        case completed
        case failed(String)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var restart: ReplicaPolicy.Restart
        var exit: ExitInfo
        var outcome: Outcome

        var testDescription: String { "\(restart), \(exit.description) -> \(outcome)" }
    }

    static let cases: [Case] = [
        Case(restart: .always, exit: cleanExit, outcome: .restarted),
        Case(restart: .always, exit: crash, outcome: .restarted),
        Case(restart: .onFailure, exit: cleanExit, outcome: .completed),
        Case(restart: .onFailure, exit: crash, outcome: .restarted),
        Case(restart: .never, exit: cleanExit, outcome: .completed),
        Case(restart: .never, exit: crash, outcome: .failed("exited with status 1 (restart policy: never)")),
    ]

    @Test(arguments: cases)
    func exitOfAReadyProcess(_ testCase: Case) {
        let (restart, exit, outcome) = (testCase.restart, testCase.exit, testCase.outcome)
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: restart, backoff: exactBackoff))
        machine.startRunning(pid: 77, at: clock.now)
        clock.advance(by: .seconds(3))
        let actions = machine.handle(.exited(exit), at: clock.now)
        #expect(machine.lastExit == exit)
        switch outcome {
        case .restarted:
            #expect(actions == [.killGroup(pid: 77), .readinessChanged(false), .spawn(incarnation: 2)])
            #expect(machine.phase == .spawning)
            #expect(machine.reason == exit.description)
            #expect(machine.displayState == .starting)
        case .completed:
            #expect(actions == [.killGroup(pid: 77), .readinessChanged(false)])
            #expect(machine.phase == .completed)
            #expect(machine.reason == nil)
            #expect(machine.isAtRest)
            #expect(machine.displayState == .completed)
        case .failed(let reason):
            #expect(actions == [.killGroup(pid: 77), .readinessChanged(false)])
            #expect(machine.phase == .failed(reason: reason))
            #expect(machine.reason == reason)
            #expect(machine.isAtRest)
            #expect(machine.displayState == .failed)
        }
    }

    @Test func exitBeforeReadyDoesNotAnnounceUnreadiness() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: .never, ready: ProbePolicy()))
        machine.startRunning(pid: 77, at: clock.now)
        clock.advance(by: .milliseconds(30))
        #expect(machine.handle(.exited(cleanExit), at: clock.now) == [.killGroup(pid: 77)])
        #expect(machine.phase == .completed)
    }

    @Test func startAfterCompletedRunsTheJobAgain() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: ReplicaPolicy(restart: .onFailure))
        machine.startRunning(pid: 77, at: clock.now)
        _ = machine.handle(.exited(cleanExit), at: clock.now)
        #expect(machine.handle(.start, at: clock.now) == [.spawn(incarnation: 2)])
    }
}
