import GRPCCore
import ShopRPC
import Testing

@testable import OrderService

/// How the saga reads a failed gRPC call, and how much of the order's deadline each call gets.
@Suite struct SagaCallsTests {
    @Test func aServiceRefusalIsDefiniteAndKeepsItsCode() {
        let declined = RPCError(
            code: .failedPrecondition, message: "card declined", metadata: [ShopRPCError.codeKey: .string("payment_declined")])
        #expect(SagaCalls.result(declined) == .rejected(code: "payment_declined", message: "card declined"))
        let bare = RPCError(code: .notFound, message: "no such thing")
        #expect(SagaCalls.result(bare) == .rejected(code: "grpc_notFound", message: "no such thing"))
    }

    @Test func noAnswerIsAnUnknownOutcome() {
        for code: RPCError.Code in [
            .unavailable, .deadlineExceeded, .cancelled, .unknown, .internalError,
            .unimplemented,
        ] {
            guard case .unavailable = SagaCalls.result(RPCError(code: code, message: "x")) else {
                Issue.record("\(code) should be an unknown outcome")
                continue
            }
        }
    }

    @Test func eachCallGetsWhatIsLeftOfTheOrdersDeadline() {
        let now = ContinuousClock.now
        #expect(SagaRunner.callTimeout(until: now + .seconds(10), now: now, cap: .seconds(3)) == .seconds(3))
        #expect(
            SagaRunner.callTimeout(until: now + .milliseconds(700), now: now, cap: .seconds(3))
                == .milliseconds(700))
        #expect(SagaRunner.callTimeout(until: now + .milliseconds(5), now: now, cap: .seconds(3)) == nil)
        #expect(SagaRunner.callTimeout(until: now - .seconds(1), now: now, cap: .seconds(3)) == nil)
    }
}
