import Foundation
import ShopKit

/// Drives one order's saga against inventory and payment, through the gateway: record the step, call, decide,
/// store the outcome. Used by `POST /orders` and by the resumer for orders left unfinished by a crash.
struct SagaRunner: Sendable {
    var store: OrderStore
    var gateway: GatewayClient
    var machine: SagaMachine

    /// Drives the order until it is finished or `retries` unknown outcomes in a row; returns its last state.
    func drive(_ id: Int, retries: Int) async throws -> OrderStore.Order? {
        var unknownOutcomes = 0
        var backoff = Duration.milliseconds(100)
        while true {
            guard let order = try await store.order(id) else { return nil }
            guard let step = SagaMachine.step(for: order.status) else { return order }
            guard try await store.markStep(id, step, status: order.status, now: Date.nowMilliseconds) else {
                continue
            }
            let result = await perform(step, order)
            let now = Date.nowMilliseconds
            switch machine.decide(status: order.status, step: step, result: result, age: now - order.createdAt) {
            case .move(let next, let failure, let total):
                _ = try await store.move(id, from: order.status, to: next, failure: failure, totalCents: total, now: now)
                unknownOutcomes = 0
                backoff = .milliseconds(100)
            case .retry:
                unknownOutcomes += 1
                if case .unavailable(let reason) = result {
                    ShopLog.line("order \(id): \(step.rawValue) unanswered (\(reason)), try \(unknownOutcomes)")
                }
                guard unknownOutcomes <= retries else { return order }
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(1))
            case .ignore:
                continue
            }
        }
    }

    struct ReserveBody: Encodable {
        var order_id: String
        var items: [OrderRequest.Line]
    }

    struct ChargeBody: Encodable {
        var idempotency_key: String
        var order_id: String
        var amount_cents: Int
        var card: String?
    }

    struct RefundBody: Encodable {
        var idempotency_key: String
        var order_id: String
    }

    struct Reservation: Decodable {
        var total_cents: Int
    }

    func perform(_ step: SagaStep, _ order: OrderStore.Order) async -> StepResult {
        let id = String(order.id)
        let key = "order-\(order.id)"
        do {
            let reply: GatewayReply
            switch step {
            case .reserve:
                reply = try await gateway.send(.POST, "/api/inventory/reservations",
                    json: ReserveBody(order_id: id, items: order.lines))
                if reply.isSuccess { return .succeeded(totalCents: try reply.decode(Reservation.self).total_cents) }
            case .charge:
                reply = try await gateway.send(.POST, "/api/payments/charges",
                    json: ChargeBody(idempotency_key: key, order_id: id, amount_cents: order.totalCents, card: order.card))
            case .confirm:
                reply = try await gateway.send(.POST, "/api/inventory/reservations/\(id)/confirm")
            case .refund:
                reply = try await gateway.send(.POST, "/api/payments/refunds",
                    json: RefundBody(idempotency_key: key, order_id: id))
            case .release:
                reply = try await gateway.send(.POST, "/api/inventory/reservations/\(id)/release")
            }
            return Self.result(reply)
        } catch {
            return .unavailable(error.description)
        }
    }

    /// 2xx is success, 5xx (and the gateway's 502/503/504) unknown, any other 4xx a definite no.
    static func result(_ reply: GatewayReply) -> StepResult {
        switch reply.status {
        case 200..<300:
            return .succeeded(totalCents: nil)
        case 400..<500 where reply.status != 408 && reply.status != 429:
            struct Envelope: Decodable {
                struct Inner: Decodable {
                    var code: String
                    var message: String?
                }
                var error: Inner
            }
            let error = (try? JSONDecoder().decode(Envelope.self, from: reply.body))?.error
            return .rejected(code: error?.code ?? "http_\(reply.status)", message: error?.message ?? "refused")
        default:
            return .unavailable("status \(reply.status)")
        }
    }
}
