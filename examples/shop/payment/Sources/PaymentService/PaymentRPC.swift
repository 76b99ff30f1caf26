import Foundation
import GRPCCore
import ShopKit
import ShopRPC

/// The payment service's gRPC API (`shop.payment.v1.Payments`), which the order saga calls through the gateway:
/// the same store, idempotency rules and error codes as `POST /charges` and `POST /refunds`.
struct PaymentRPC: Shop_Payment_V1_Payments.SimpleServiceProtocol {
    var store: PaymentStore

    func charge(request: Shop_Payment_V1_ChargeRequest, context: ServerContext) async throws -> Shop_Payment_V1_Payment
    {
        try await ShopRPCError.mapping {
            let charge = ChargeRequest(
                idempotencyKey: request.idempotencyKey, orderID: request.orderID,
                amountCents: Int(clamping: request.amountCents), card: request.hasCard ? request.card : nil)
            try charge.validate()
            let (payment, created) = try await store.charge(charge, now: Date.nowMilliseconds)
            try PaymentService.checkCharged(payment)
            return Self.message(payment, created: created)
        }
    }

    func refund(request: Shop_Payment_V1_RefundRequest, context: ServerContext) async throws -> Shop_Payment_V1_Payment
    {
        try await ShopRPCError.mapping {
            guard !request.idempotencyKey.isEmpty else {
                throw ShopError.badRequest("invalid_field", "idempotency_key must not be empty")
            }
            return Self.message(
                try await store.refund(key: request.idempotencyKey, orderID: request.orderID, now: Date.nowMilliseconds)
            )
        }
    }

    static func message(_ payment: PaymentStore.Payment, created: Bool = false) -> Shop_Payment_V1_Payment {
        var message = Shop_Payment_V1_Payment()
        message.id = Int64(payment.id)
        message.orderID = payment.orderID
        message.amountCents = Int64(payment.amountCents)
        message.status = payment.status.rawValue
        message.idempotencyKey = payment.idempotencyKey
        if let reason = payment.reason { message.reason = reason }
        message.created = created
        return message
    }
}
