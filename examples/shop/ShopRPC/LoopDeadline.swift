import GRPCCore
import NIOCore
import NIOPosix
import Synchronization

/// A call's deadline kept by a timer on NIO's event loop instead of grpc-swift's `CallOptions.timeout`.
///
/// Why: grpc-swift runs each call with a timeout in a task group beside a `Task.sleep` until the deadline. A sleep
/// is not served by NIO's event loop (which runs the shop's tasks, `ServiceMain.takeOverConcurrency`) but by
/// libdispatch's timer threads: every call armed a timer in dispatch's heap and woke its threads, 10-13 % of the order
/// process's CPU (BENCHMARKS.md, "Shop findings (branch shopperf)"). Here the deadline is one timer on the event
/// loop, cancelled (removed from the loop's heap) when the call returns, and the call runs in one task.
///
/// What stays the same: the call carries the time left as `grpc-timeout` (the gateway and the server keep it), and
/// the caller gets `DEADLINE_EXCEEDED` when it passes first, the call being cancelled.
public enum LoopDeadline {
    /// Runs `call` with `metadata` that carries the time left until `deadline` as `grpc-timeout`; throws
    /// `RPCError(.deadlineExceeded)` when the deadline passes first (at once when it has passed already).
    public static func run<Result: Sendable>(
        until deadline: ContinuousClock.Instant,
        _ call: @escaping @Sendable (_ metadata: Metadata) async throws -> Result
    ) async throws -> Result {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { throw expired }
        let metadata: Metadata = [GRPCTimeout.key: .string(GRPCTimeout.encode(left))]
        let task = Task { try await call(metadata) }
        let timedOut = Flag()
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        let timer = loop.scheduleTask(in: TimeAmount(left)) {
            timedOut.set()
            task.cancel()
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            do {
                return try await task.value
            } catch {
                // Whatever the cancelled call threw (cancelled, unavailable), the caller learns why it ended.
                if timedOut.isSet { throw expired }
                throw error
            }
        } onCancel: {
            task.cancel()
        }
    }

    static var expired: RPCError {
        RPCError(code: .deadlineExceeded, message: "the call's deadline passed before it completed")
    }
}

/// Set once by the timer, read by the caller after the call ended.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

extension TimeAmount {
    /// A `Duration` in NIO's nanoseconds, saturating.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = .nanoseconds(overflow ? .max : whole &+ attoseconds / 1_000_000_000)
    }
}
