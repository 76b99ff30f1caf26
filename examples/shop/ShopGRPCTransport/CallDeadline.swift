import GRPCCore
import NIOCore

/// The deadline of the calls a task makes on `H2cClientTransport`, set with `CallDeadline.$current.withValue`.
///
/// The transport keeps it: a wait for a connection ends at the deadline, and a call still open then is failed with
/// `DEADLINE_EXCEEDED` and its stream reset (the server's handler is cancelled), by one timer on the connection's
/// event loop, removed when the call ends.
///
/// Why not grpc-swift's `CallOptions.timeout`: grpc-swift keeps that deadline with a `Task.sleep` in a task group,
/// which libdispatch's timer threads serve, not the event loop the shop's tasks run on (10-13 % of the order
/// process's CPU, BENCHMARKS.md "Shop findings (branch shopperf)"). Why a task-local: a transport is handed a call's
/// options, and those have no deadline that grpc-swift would not also keep itself. It replaces a timer in the
/// caller (`LoopDeadline` before) that had to run each call in a task of its own to cancel it.
public enum CallDeadline {
    @TaskLocal public static var current: ContinuousClock.Instant?

    /// What a call ends with when its deadline passes first (or had passed before it was made).
    public static var exceeded: RPCError {
        RPCError(code: .deadlineExceeded, message: "the call's deadline passed before it completed")
    }
}

extension TimeAmount {
    /// The time from now until `instant` (zero or less once it has passed), in NIO's nanoseconds, saturating.
    init(until instant: ContinuousClock.Instant) {
        self.init(ContinuousClock.now.duration(to: instant))
    }

    /// A `Duration` in NIO's nanoseconds, saturating.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = .nanoseconds(overflow ? (seconds < 0 ? .min : .max) : whole &+ attoseconds / 1_000_000_000)
    }
}
