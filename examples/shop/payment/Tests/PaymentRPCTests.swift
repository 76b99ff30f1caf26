import Foundation
import GRPCCore
import GRPCInProcessTransport
import ShopKit
import ShopRPC
import Testing

@testable import PaymentService

/// The gRPC handlers on a real SQLite file, through a real gRPC client and server (in-process transport): one
/// charge per idempotency key however often it is sent, declines and voids as FAILED_PRECONDITION with their code.
@Suite struct PaymentRPCTests {
    typealias Client = Shop_Payment_V1_Payments.Client<InProcessTransport.Client>

    func withPayments(_ body: (Client, PaymentStore) async throws -> Void) async throws {
        try await withPaymentStore { store in
            let transport = InProcessTransport()
            try await withGRPCServer(transport: transport.server, services: [PaymentRPC(store: store)]) { _ in
                try await withGRPCClient(transport: transport.client) { client in
                    try await body(Client(wrapping: client), store)
                }
            }
        }
    }

    static func charge(
        _ key: String, order: String = "1", cents: Int64 = 1200, card: String? = nil
    )
        -> Shop_Payment_V1_ChargeRequest
    {
        var request = Shop_Payment_V1_ChargeRequest()
        request.idempotencyKey = key
        request.orderID = order
        request.amountCents = cents
        if let card { request.card = card }
        return request
    }

    static func refund(_ key: String, order: String = "1") -> Shop_Payment_V1_RefundRequest {
        var request = Shop_Payment_V1_RefundRequest()
        request.idempotencyKey = key
        request.orderID = order
        return request
    }

    static func failure<T>(_ call: () async throws -> T) async -> RPCError? {
        do {
            _ = try await call()
            Issue.record("the call succeeded")
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            Issue.record("not an RPCError: \(error)")
            return nil
        }
    }

    @Test func aRepeatedChargeIsNotASecondCharge() async throws {
        try await withPayments { payments, store in
            let first = try await payments.charge(Self.charge("order-1"))
            #expect(first.status == "succeeded")
            #expect(first.created)
            let again = try await payments.charge(Self.charge("order-1"))
            #expect(again.id == first.id)
            #expect(!again.created)
            let value1 = try await store.payments(orderID: "1")
            #expect(value1.count == 1)
            let mismatch = await Self.failure { try await payments.charge(Self.charge("order-1", cents: 5)) }
            #expect(mismatch?.code == .failedPrecondition)
            #expect(mismatch.map(ShopRPCError.shopCode) == "idempotency_mismatch")
        }
    }

    @Test func declinesAndVoidsAreDefiniteRefusals() async throws {
        try await withPayments { payments, _ in
            let declined = await Self.failure { try await payments.charge(Self.charge("k1", card: "decline")) }
            #expect(declined?.code == .failedPrecondition)
            #expect(declined.map(ShopRPCError.shopCode) == "payment_declined")

            let value2 = try await payments.refund(Self.refund("k2", order: "2"))
            #expect(value2.status == "voided")
            let late = await Self.failure { try await payments.charge(Self.charge("k2", order: "2")) }
            #expect(late.map(ShopRPCError.shopCode) == "payment_voided")

            let bad = await Self.failure { try await payments.charge(Self.charge("", order: "3")) }
            #expect(bad?.code == .invalidArgument)
        }
    }

    @Test func refundGivesTheMoneyBackOnce() async throws {
        try await withPayments { payments, _ in
            _ = try await payments.charge(Self.charge("order-4", order: "4"))
            let value3 = try await payments.refund(Self.refund("order-4", order: "4"))
            #expect(value3.status == "refunded")
            let value4 = try await payments.refund(Self.refund("order-4", order: "4"))
            #expect(value4.status == "refunded")
        }
    }
}
