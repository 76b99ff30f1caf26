import Testing

@testable import BerthSupervisorCore

/// `steadyProbeInterval`: when the I/O layer may repeat a probe without reporting its successes. Each test checks
/// the promise behind it: whenever it answers an interval, a success changes nothing but the next probe's time.
@Suite("Steady probes")
struct SteadyProbeTests {
    let policy = ReplicaPolicy(
        backoff: exactBackoff,
        ready: ProbePolicy(interval: .seconds(5), failureThreshold: 2, successThreshold: 2),
        health: ProbePolicy(interval: .seconds(3), failureThreshold: 2)
    )

    /// Fires `kind`'s timer and checks what `steadyProbeInterval` says while that probe is in flight; then answers it
    /// and, when it was steady and the probe succeeded, checks that the answer only scheduled the next probe.
    @discardableResult
    func probe(
        _ machine: inout ReplicaMachine, _ kind: ProbeKind, at now: ContinuousClock.Instant, success: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Duration? {
        _ = machine.handle(.timer(.probe(kind, incarnation: 1)), at: now)
        let steady = machine.steadyProbeInterval(kind, incarnation: 1)
        let before = machine
        let actions = machine.handle(
            .probeResult(kind, incarnation: 1, success: success, detail: success ? "" : "HTTP 500"), at: now)
        if let steady, success {
            #expect(
                actions == [.schedule(.probe(kind, incarnation: 1), at: now + steady)], sourceLocation: sourceLocation)
            #expect(machine.isReady == before.isReady, sourceLocation: sourceLocation)
            #expect(machine.displayState == before.displayState, sourceLocation: sourceLocation)
            #expect(machine.phase.hasSameOutline(as: before.phase), sourceLocation: sourceLocation)
        }
        return steady
    }

    @Test func readinessIsSteadyOnlyOnceReadyAndUntilAFailure() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        _ = machine.startRunning(pid: 5, at: clock.now)
        // Not in flight: nothing to repeat.
        #expect(machine.steadyProbeInterval(.ready, incarnation: 1) == nil)
        // Starting: every success counts toward the threshold.
        #expect(probe(&machine, .ready, at: clock.now, success: true) == nil)
        clock.advance(by: .milliseconds(100))
        #expect(probe(&machine, .ready, at: clock.now, success: true) == nil)
        #expect(machine.isReady)
        clock.advance(by: .seconds(5))
        #expect(probe(&machine, .ready, at: clock.now, success: true) == .seconds(5))
        clock.advance(by: .seconds(5))
        // A failure is always heard, and the probes after it are reported until one succeeds again.
        #expect(probe(&machine, .ready, at: clock.now, success: false) == .seconds(5))
        clock.advance(by: .seconds(5))
        #expect(probe(&machine, .ready, at: clock.now, success: true) == nil)
        clock.advance(by: .seconds(5))
        #expect(probe(&machine, .ready, at: clock.now, success: true) == .seconds(5))
        // Another incarnation's probe is never steady.
        _ = machine.handle(.timer(.probe(.ready, incarnation: 1)), at: clock.now)
        #expect(machine.steadyProbeInterval(.ready, incarnation: 2) == nil)
    }

    @Test func livenessIsSteadyUntilAFailure() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        _ = machine.startRunning(pid: 5, at: clock.now)
        #expect(probe(&machine, .health, at: clock.now, success: true) == .seconds(3))
        clock.advance(by: .seconds(3))
        #expect(probe(&machine, .health, at: clock.now, success: false) == .seconds(3))
        clock.advance(by: .seconds(3))
        #expect(probe(&machine, .health, at: clock.now, success: true) == nil)
        clock.advance(by: .seconds(3))
        #expect(probe(&machine, .health, at: clock.now, success: true) == .seconds(3))
    }

    /// Any sequence of results: a success while steady never changes readiness, the phase, or anything but the time
    /// of the next probe (checked inside `probe`).
    @Test func aSteadySuccessNeverChangesTheMachine() {
        var clock = ManualClock()
        var machine = ReplicaMachine(policy: policy)
        _ = machine.startRunning(pid: 5, at: clock.now)
        var generator = SplitMix(seed: 16)
        for step in 0..<400 {
            guard case .running = machine.phase else { break }
            let kind: ProbeKind = step % 2 == 0 ? .ready : .health
            probe(&machine, kind, at: clock.now, success: generator.next() % 4 != 0)
            clock.advance(by: .seconds(1))
        }
    }
}

/// A small deterministic generator for the sequence test.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
