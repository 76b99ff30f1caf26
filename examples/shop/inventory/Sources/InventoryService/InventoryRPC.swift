import Foundation
import GRPCCore
import ShopKit
import ShopRPC

/// The inventory's gRPC API (`shop.inventory.v1.Inventory`), which the order saga calls through the gateway: the
/// same store, rules and error codes as the REST routes, so both APIs agree on every reservation.
struct InventoryRPC: Shop_Inventory_V1_Inventory.SimpleServiceProtocol {
    var store: InventoryStore

    func reserve(
        request: Shop_Inventory_V1_ReserveRequest, context: ServerContext
    ) async throws -> Shop_Inventory_V1_Reservation {
        try await ShopRPCError.mapping {
            let body = ReservationRequest(
                orderID: request.orderID,
                items: request.items.map { .init(sku: $0.sku, quantity: Int(clamping: $0.quantity)) })
            let lines = try body.normalizedLines()
            let (reservation, created) = try await store.reserve(
                orderID: body.orderID, lines: lines, now: Date.nowMilliseconds)
            if !created, reservation.status == .released {
                throw ShopError(
                    .conflict, "reservation_released",
                    "the reservation of order \(body.orderID) was released")
            }
            return Self.message(reservation, created: created)
        }
    }

    func confirm(
        request: Shop_Inventory_V1_ReservationRef, context: ServerContext
    ) async throws -> Shop_Inventory_V1_Reservation {
        try await ShopRPCError.mapping {
            try Self.check(request.orderID)
            return Self.message(try await store.confirm(orderID: request.orderID, now: Date.nowMilliseconds))
        }
    }

    func release(
        request: Shop_Inventory_V1_ReservationRef, context: ServerContext
    ) async throws -> Shop_Inventory_V1_Reservation {
        try await ShopRPCError.mapping {
            try Self.check(request.orderID)
            return Self.message(try await store.release(orderID: request.orderID, now: Date.nowMilliseconds))
        }
    }

    static func check(_ orderID: String) throws(ShopError) {
        guard !orderID.isEmpty, orderID.count <= 100 else {
            throw .badRequest("invalid_field", "order_id must be a non-empty string of at most 100 characters")
        }
    }

    static func message(
        _ reservation: InventoryStore.Reservation, created: Bool = false
    )
        -> Shop_Inventory_V1_Reservation
    {
        var message = Shop_Inventory_V1_Reservation()
        message.orderID = reservation.orderID
        message.status = reservation.status.rawValue
        message.totalCents = Int64(reservation.totalCents)
        message.expiresAt = Int64(reservation.expiresAt)
        message.created = created
        message.lines = reservation.lines.map { line in
            var item = Shop_Inventory_V1_Line()
            item.sku = line.sku
            item.quantity = Int64(line.quantity)
            item.priceCents = Int64(line.priceCents)
            return item
        }
        return message
    }
}
