/// The time the supervisor reads and waits on. The daemon uses the continuous clock; a test can pass a clock it
/// moves by hand, so that backoffs, stop timeouts, probe intervals and rollout deadlines fire when it says.
///
/// Not `Clock` itself: the state machines take `ContinuousClock.Instant`s, and `any Clock<Duration>` cannot name
/// its instant type.
public protocol SupervisorClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// Returns at `deadline` (or throws `CancellationError` when the waiting task is cancelled).
    func sleep(until deadline: ContinuousClock.Instant) async throws
    /// How far a probe's next run may be pushed back so that probes due close together start on one wake-up of
    /// the timer task (zero: each at its exact deadline, as a test's clock wants).
    var probeGrain: Duration { get }
}

extension SupervisorClock {
    public var probeGrain: Duration { .zero }
}

/// The real clock: `ContinuousClock`, which keeps counting while the machine sleeps and never goes back.
public struct ContinuousSupervisorClock: SupervisorClock {
    public init() {}

    public var now: ContinuousClock.Instant { .now }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await Task.sleep(until: deadline, clock: .continuous)
    }

    /// 10 ms: at 1,000 replicas probed twice a second, ~20 probes start per wake-up instead of one, and a probe runs
    /// at most 10 ms later than its interval says.
    public var probeGrain: Duration { .milliseconds(10) }
}
