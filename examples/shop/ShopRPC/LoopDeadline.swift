import GRPCCore
import ShopGRPCTransport

/// A call's deadline kept by the shop's transport, with a timer on NIO's event loop (`CallDeadline`), instead of
/// grpc-swift's `CallOptions.timeout`.
///
/// Why: grpc-swift runs each call with a timeout in a task group beside a `Task.sleep` until the deadline. A sleep
/// is not served by NIO's event loop (which runs the shop's tasks, `ServiceMain.takeOverConcurrency`) but by
/// libdispatch's timer threads: every call armed a timer in dispatch's heap and woke its threads, 10-13 % of the order
/// process's CPU (BENCHMARKS.md, "Shop findings (branch shopperf)"). The transport keeps the deadline with one timer
/// on the connection's loop, removed when the call returns; the call runs in the caller's task (before, this type
/// kept the timer itself and ran each call in a task of its own, which the timer cancelled).
///
/// What stays the same: the call carries the time left as `grpc-timeout` (the gateway and the server keep it), and
/// the caller gets `DEADLINE_EXCEEDED` when it passes first, the call's stream being reset.
public enum LoopDeadline {
    /// Runs `call` with `metadata` that carries the time left until `deadline` as `grpc-timeout`, and with
    /// `deadline` as the transport's `CallDeadline`; throws `RPCError(.deadlineExceeded)` at once when it has
    /// passed already. Calls on `H2cClientTransport` fail with it when the deadline passes first.
    public static func run<Result: Sendable>(
        until deadline: ContinuousClock.Instant,
        _ call: @Sendable (_ metadata: Metadata) async throws -> Result
    ) async throws -> Result {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { throw CallDeadline.exceeded }
        let metadata: Metadata = [GRPCTimeout.key: .string(GRPCTimeout.encode(left))]
        return try await CallDeadline.$current.withValue(deadline) { try await call(metadata) }
    }
}
