import GRPCCore
import ShopRPC

/// The saga's calls to inventory and payment: gRPC through the gateway (routes `/shop.inventory.v1.Inventory` and
/// `/shop.payment.v1.Payments`), all on the process's one multiplexed HTTP/2 connection. Each call carries the
/// deadline it is given (sent as `grpc-timeout`; the gateway and the server both honour it), kept by the transport
/// with a timer on the event loop (`LoopDeadline`) rather than by grpc-swift's `CallOptions.timeout`.
struct SagaCalls: Sendable {
    var inventory: any Shop_Inventory_V1_Inventory.ClientProtocol
    var payments: any Shop_Payment_V1_Payments.ClientProtocol

    init(_ rpc: ShopRPCClient) {
        inventory = Shop_Inventory_V1_Inventory.Client(wrapping: rpc.client)
        payments = Shop_Payment_V1_Payments.Client(wrapping: rpc.client)
    }

    /// Calls over any transport (the tests' in-process one).
    init(
        inventory: any Shop_Inventory_V1_Inventory.ClientProtocol, payments: any Shop_Payment_V1_Payments.ClientProtocol
    ) {
        self.inventory = inventory
        self.payments = payments
    }

    /// Takes `step` for `order` within `timeout`; the outcome as the saga machine reads it.
    func perform(_ step: SagaStep, _ order: OrderStore.Order, timeout: Duration) async -> StepResult {
        let deadline = ContinuousClock.now + timeout
        do {
            let total = try await LoopDeadline.run(until: deadline) { [self] metadata in
                try await call(step, order, metadata: metadata)
            }
            return .succeeded(totalCents: total)
        } catch let error as RPCError {
            return Self.result(error)
        } catch {
            return .unavailable("\(error)")
        }
    }

    /// One call, with `metadata` (its `grpc-timeout`); the reservation's total for `reserve`.
    private func call(_ step: SagaStep, _ order: OrderStore.Order, metadata: Metadata) async throws -> Int? {
        let id = String(order.id)
        let key = "order-\(order.id)"
        switch step {
        case .reserve:
            var request = Shop_Inventory_V1_ReserveRequest()
            request.orderID = id
            request.items = order.lines.map { line in
                var item = Shop_Inventory_V1_Line()
                item.sku = line.sku
                item.quantity = Int64(line.quantity)
                return item
            }
            return Int(try await inventory.reserve(request, metadata: metadata).totalCents)
        case .charge:
            var request = Shop_Payment_V1_ChargeRequest()
            request.idempotencyKey = key
            request.orderID = id
            request.amountCents = Int64(order.totalCents)
            if let card = order.card { request.card = card }
            _ = try await payments.charge(request, metadata: metadata)
        case .confirm:
            var request = Shop_Inventory_V1_ReservationRef()
            request.orderID = id
            _ = try await inventory.confirm(request, metadata: metadata)
        case .refund:
            var request = Shop_Payment_V1_RefundRequest()
            request.idempotencyKey = key
            request.orderID = id
            _ = try await payments.refund(request, metadata: metadata)
        case .release:
            var request = Shop_Inventory_V1_ReservationRef()
            request.orderID = id
            _ = try await inventory.release(request, metadata: metadata)
        }
        return nil
    }

    /// A failed call: a definite no when the service answered one (its shop error code from the metadata), an
    /// unknown outcome (take the step again) when it may not have arrived or may have had its effect.
    static func result(_ error: RPCError) -> StepResult {
        if ShopRPCError.isOutcomeUnknown(error.code) {
            return .unavailable("gRPC \(error.code): \(error.message)")
        }
        return .rejected(code: ShopRPCError.shopCode(of: error), message: error.message)
    }
}
