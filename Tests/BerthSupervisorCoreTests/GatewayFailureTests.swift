import Testing

@testable import BerthSupervisorCore

@Suite("Gateway failures as liveness (health.gateway_failures)")
struct GatewayFailureTests {
    static func policy(threshold: Int?) -> ReplicaPolicy {
        ReplicaPolicy(backoff: exactBackoff, stopTimeout: .seconds(10), gatewayFailureThreshold: threshold)
    }

    @Test func theNthFailureInARowRestartsTheReplica() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: Self.policy(threshold: 3))
        _ = machine.startRunning(pid: 42, at: clock.now)
        for count in 1...2 {
            let report = ReplicaEvent.gatewayFailures(incarnation: 1, consecutive: count, detail: "invalid response")
            #expect(machine.handle(report, at: clock.now) == [])
        }
        #expect(machine.isReady)
        let reason = "3 requests in a row failed at the gateway: invalid response"
        #expect(
            machine.handle(
                .gatewayFailures(incarnation: 1, consecutive: 3, detail: "invalid response"),
                at: clock.now) == [
                    .readinessChanged(false),
                    .signalStop(pid: 42),
                    // Failing, not asked to stop: the gateway gives up on what it has not answered.
                    .hung(incarnation: 1),
                    .schedule(.stopTimeout(incarnation: 1), at: clock.now + ReplicaMachine.failedStopGrace),
                ])
        #expect(machine.reason == reason)
        #expect(machine.afterStop == .restartAfterFailure(reason: reason))
        // Its exit starts the next incarnation.
        let actions = machine.handle(
            .exited(ExitInfo(succeeded: false, description: "killed by SIGTERM")),
            at: clock.now)
        #expect(actions.contains(.spawn(incarnation: 2)))
    }

    @Test func reportsAboutAnOlderIncarnationOrWithoutOptInAreIgnored() {
        let clock = ManualClock()
        var machine = ReplicaMachine(policy: Self.policy(threshold: 2))
        _ = machine.startRunning(pid: 42, at: clock.now)
        #expect(machine.handle(.gatewayFailures(incarnation: 0, consecutive: 5, detail: "x"), at: clock.now) == [])
        #expect(machine.isReady)

        var untouched = ReplicaMachine(policy: Self.policy(threshold: nil))
        _ = untouched.startRunning(pid: 7, at: clock.now)
        #expect(untouched.handle(.gatewayFailures(incarnation: 1, consecutive: 100, detail: "x"), at: clock.now) == [])
        #expect(untouched.isReady)
    }
}
