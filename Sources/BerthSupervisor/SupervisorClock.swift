/// The time the supervisor reads and waits on. The daemon uses the continuous clock; a test can pass a clock it
/// moves by hand, so that backoffs, stop timeouts, probe intervals and rollout deadlines fire when it says.
///
/// Not `Clock` itself: the state machines take `ContinuousClock.Instant`s, and `any Clock<Duration>` cannot name
/// its instant type.
public protocol SupervisorClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// Returns at `deadline` (or throws `CancellationError` when the waiting task is cancelled).
    func sleep(until deadline: ContinuousClock.Instant) async throws
}

/// The real clock: `ContinuousClock`, which keeps counting while the machine sleeps and never goes back.
public struct ContinuousSupervisorClock: SupervisorClock {
    public init() {}

    public var now: ContinuousClock.Instant { .now }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await Task.sleep(until: deadline, clock: .continuous)
    }
}
