import Foundation
import Hummingbird
import ShopKit

/// The order service's HTTP endpoints: place an order (idempotent with `Idempotency-Key`), read orders.
struct OrderRoutes: Sendable {
    var store: OrderStore
    var runner: SagaRunner
    var verifier: TokenVerifier
    /// How long `POST /orders` may take: the deadline its gRPC calls share (each gets what is left of it).
    var timeout: Duration

    struct OrderView: Encodable {
        struct ErrorView: Encodable {
            var code: String
            var message: String
        }

        var id: Int
        var status: OrderStatus
        var total_cents: Int
        var items: [OrderRequest.Line]
        var step: SagaStep?
        var error: ErrorView?

        init(_ order: OrderStore.Order) {
            id = order.id
            status = order.status
            total_cents = order.totalCents
            items = order.lines
            step = order.step
            error = order.failure.map { ErrorView(code: $0.code, message: $0.message) }
        }

        /// What `JSONEncoder` with `.sortedKeys` writes for the view (nil fields left out), written by `JSONText`:
        /// the answer to every `POST /api/orders`.
        var json: String {
            var object = JSONText()
            if let error {
                var nested = JSONText()
                nested.string("code", error.code)
                nested.string("message", error.message)
                object.raw("error", nested.object)
            }
            object.int("id", id)
            object.raw("items", JSONText.array(items.map(\.json)))
            object.string("status", status.rawValue)
            if let step { object.string("step", step.rawValue) }
            object.int("total_cents", total_cents)
            return object.object
        }
    }

    /// A JSON answer written by `JSONText`.
    static func response(json: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }

    func add(to router: Router<BasicRequestContext>) {
        router.post("/") { request, _ in try await place(request) }
        router.get("/") { request, _ in
            let user = try await authenticate(request)
            let orders = try await store.orders(userID: user)
            return Self.response(json: JSONText.array(orders.map { OrderView($0).json }))
        }
        router.get("/:id") { request, context in
            let user = try await authenticate(request)
            guard let id = context.parameters.get("id", as: Int.self) else {
                throw ShopError.badRequest("invalid_field", "order id must be an integer")
            }
            guard let order = try await store.order(id), order.userID == user else {
                throw ShopError.notFound("no order \(id)")
            }
            return Self.response(json: OrderView(order).json)
        }
    }

    func place(_ request: Request) async throws -> Response {
        let deadline = ContinuousClock.now + timeout
        let user = try await authenticate(request)
        let key = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value
        if let key, key.isEmpty || key.count > 200 {
            throw ShopError.badRequest("invalid_field", "Idempotency-Key must have 1..200 characters")
        }
        let body = try await JSONBody.decode(OrderRequest.self, from: request)
        let lines = try body.normalizedLines()
        let (order, created) = try await store.create(
            userID: user, key: key, lines: lines, card: body.card, now: Date.nowMilliseconds)
        // An order found by its key is read again by the runner (another request may be driving it).
        let latest =
            try await runner.drive(
                order.id, retries: 4, deadline: deadline, fresh: created, known: created ? order : nil) ?? order
        return try Self.respond(latest, created: created)
    }

    /// Confirmed: 201 (200 for a retry); failed: the failure as a 4xx error; still running: 202.
    static func respond(_ order: OrderStore.Order, created: Bool) throws -> Response {
        switch order.status {
        case .confirmed:
            return response(json: OrderView(order).json, status: created ? .created : .ok)
        case .failed:
            let failure = order.failure ?? SagaMachine.Failure(code: "failed", message: "the order failed")
            throw ShopError(status(failure.code), failure.code, failure.message, details: ["order_id": "\(order.id)"])
        case .pending, .reserved, .paid, .refunding, .releasing:
            return response(json: OrderView(order).json, status: .accepted)
        }
    }

    static func status(_ code: String) -> HTTPResponse.Status {
        switch code {
        case "insufficient_stock", "reservation_expired": .conflict
        case "unknown_item": .unprocessableContent
        case "payment_declined": HTTPResponse.Status(code: 402)
        case "unavailable": .serviceUnavailable
        default: .conflict
        }
    }

    func authenticate(_ request: Request) async throws -> String {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw ShopError.unauthorized("missing Authorization: Bearer TOKEN")
        }
        guard let user = await verifier.userID(String(header.dropFirst("Bearer ".count)),
            now: Int(Date().timeIntervalSince1970))
        else { throw ShopError.unauthorized("the token is invalid or expired") }
        return user
    }
}
