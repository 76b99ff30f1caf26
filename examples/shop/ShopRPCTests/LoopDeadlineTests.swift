import GRPCCore
import ShopGRPCTransport
import Synchronization
import Testing

@testable import ShopRPC

/// The saga's calls carry the time left as `grpc-timeout` and their deadline as the transport's `CallDeadline`
/// (which keeps it with a timer on the event loop); a deadline already passed fails before the call.
@Suite struct LoopDeadlineTests {
    @Test func aCallCarriesTheTimeLeftAsItsTimeout() async throws {
        let seen = try await LoopDeadline.run(until: .now + .seconds(3)) { metadata in
            Array(metadata[stringValues: GRPCTimeout.key])
        }
        #expect(seen.count == 1)
        let timeout = try #require(GRPCTimeout.decode(seen[0]))
        #expect(timeout > .zero && timeout <= .seconds(3))
    }

    @Test func theCallRunsWithItsDeadlineForTheTransport() async throws {
        // H2cClientTransport reads it and fails the call when it passes (TransportDeadlineTests).
        let deadline = ContinuousClock.now + .seconds(3)
        #expect(CallDeadline.current == nil)
        let seen = try await LoopDeadline.run(until: deadline) { _ in CallDeadline.current }
        #expect(seen == deadline)
        #expect(CallDeadline.current == nil)
    }

    @Test func aDeadlineThatHasPassedFailsWithoutACall() async throws {
        let called = Mutex(false)
        let error = await #expect(throws: RPCError.self) {
            try await LoopDeadline.run(until: .now - .milliseconds(1)) { _ in called.withLock { $0 = true } }
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(!called.withLock { $0 })
    }

    @Test func theCallersCancellationReachesTheCallAndIsNotADeadline() async throws {
        let started = AsyncStream<Void>.makeStream()
        let caller = Task {
            try await LoopDeadline.run(until: .now + .seconds(600)) { _ in
                started.continuation.yield()
                try await Task.sleep(for: .seconds(600))
            }
        }
        for await _ in started.stream { break }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
    }

    @Test func anErrorOfTheCallReachesTheCaller() async throws {
        let error = await #expect(throws: RPCError.self) {
            try await LoopDeadline.run(until: .now + .seconds(600)) { _ in
                throw RPCError(code: .failedPrecondition, message: "declined")
            }
        }
        #expect(error?.code == .failedPrecondition)
    }
}
