import Foundation
import Hummingbird
import ShopKit

/// The inventory's HTTP endpoints.
struct InventoryRoutes: Sendable {
    var store: InventoryStore
    /// What the saga's calls carry: reservations change stock, so only the shop's services may make them (or read
    /// them).
    var token: InternalToken

    func add(to router: Router<BasicRequestContext>) {
        router.get("/items") { _, _ in try JSONBody.response(try await store.items()) }
        router.get("/items/:sku") { _, context in
            let sku = try context.parameters.require("sku")
            guard let item = try await store.item(sku) else {
                throw ShopError(.notFound, "unknown_item", "no item with sku '\(sku)'")
            }
            return try JSONBody.response(item)
        }
        router.post("/reservations") { request, _ in
            try token.require(request.headers[.authorization])
            let body = try await JSONBody.decode(ReservationRequest.self, from: request)
            let lines = try body.normalizedLines()
            let (reservation, created) = try await store.reserve(
                orderID: body.orderID, lines: lines, now: Date.nowMilliseconds)
            if !created, reservation.status == .released {
                throw ShopError(
                    .conflict, "reservation_released", "the reservation of order \(body.orderID) was released")
            }
            return try JSONBody.response(reservation, status: created ? .created : .ok)
        }
        // Read by the saga and the operator only (outside audit, audit7: anyone listed any order's items); a
        // reservation does not know its order's owner, so the user reads the order's state on `GET /api/orders/{id}`.
        router.get("/reservations/:order") { request, context in
            try token.require(request.headers[.authorization])
            let order = try context.parameters.require("order")
            guard let reservation = try await store.reservation(order) else {
                throw ShopError(.notFound, "unknown_reservation", "no reservation for order \(order)")
            }
            return try JSONBody.response(reservation)
        }
        router.post("/reservations/:order/confirm") { request, context in
            try token.require(request.headers[.authorization])
            let order = try context.parameters.require("order")
            return try JSONBody.response(try await store.confirm(orderID: order, now: Date.nowMilliseconds))
        }
        router.post("/reservations/:order/release") { request, context in
            try token.require(request.headers[.authorization])
            let order = try context.parameters.require("order")
            return try JSONBody.response(try await store.release(orderID: order, now: Date.nowMilliseconds))
        }
    }
}
