import Foundation
import Hummingbird
import ShopKit
import ShopRPC

/// The payment service: charges and refunds, idempotent by key so that a retried charge never charges twice.
public enum PaymentService {
    static let migrations = [
        """
        CREATE TABLE payments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            idempotency_key TEXT NOT NULL UNIQUE,
            order_id TEXT NOT NULL,
            amount_cents INTEGER NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX payments_order ON payments (order_id)
        """
    ]

    static func database(_ environment: ServiceEnvironment) async throws -> ShopDatabase {
        try await ShopDatabase.open(path: environment.dataDirectory + "/payment.sqlite")
    }

    public static func migrate(_ environment: ServiceEnvironment) async throws {
        let database = try await database(environment)
        let applied = try await database.migrate(migrations)
        ShopLog.line("payment: \(applied) migrations applied to \(database.path)")
        try await database.close()
    }

    public static func serve(_ environment: ServiceEnvironment) async throws {
        let store = PaymentStore(
            database: try await database(environment),
            rules: PaymentRules(limitCents: try environment.int("SHOP_PAYMENT_LIMIT_CENTS", default: 100_000))
        )
        let router = ServiceMain.router()
        add(store, token: try InternalToken.load(environment), to: router)
        try await ServiceMain.serve(router, name: "payment", environment: environment)
    }

    /// The gRPC API for the order saga (`serve-grpc`): its own service entry in the manifest (`payment-rpc`,
    /// `protocol: grpc`), on the same SQLite file as the REST replica.
    public static func serveRPC(_ environment: ServiceEnvironment) async throws {
        let store = PaymentStore(
            database: try await database(environment),
            rules: PaymentRules(limitCents: try environment.int("SHOP_PAYMENT_LIMIT_CENTS", default: 100_000))
        )
        try await ShopRPCServer.serve(
            [PaymentRPC(store: store)], serviceNames: [Shop_Payment_V1_Payments.descriptor.fullyQualifiedService],
            name: "payment-rpc", environment: environment)
    }

    /// A declined or voided charge is an error for the caller (402, 409; on gRPC FAILED_PRECONDITION).
    static func checkCharged(_ payment: PaymentStore.Payment) throws(ShopError) {
        switch payment.status {
        case .declined:
            throw ShopError(
                HTTPResponse.Status(code: 402), "payment_declined", payment.reason ?? "declined",
                details: ["payment_id": String(payment.id)])
        case .voided:
            throw ShopError(.conflict, "payment_voided", "this charge was refunded before it arrived")
        case .succeeded, .refunded:
            return
        }
    }

    struct RefundRequest: Decodable {
        var idempotencyKey: String
        var orderID: String

        enum CodingKeys: String, CodingKey {
            case idempotencyKey = "idempotency_key"
            case orderID = "order_id"
        }
    }

    static func add(_ store: PaymentStore, token: InternalToken, to router: Router<BasicRequestContext>) {
        // Charges and refunds are the saga's calls: only the shop's services may make them.
        router.post("/charges") { request, _ in
            try token.require(request.headers[.authorization])
            let charge = try await JSONBody.decode(ChargeRequest.self, from: request)
            try charge.validate()
            let (payment, created) = try await store.charge(charge, now: Date.nowMilliseconds)
            try checkCharged(payment)
            return try JSONBody.response(payment, status: created ? .created : .ok)
        }
        router.post("/refunds") { request, _ in
            try token.require(request.headers[.authorization])
            let refund = try await JSONBody.decode(RefundRequest.self, from: request)
            guard !refund.idempotencyKey.isEmpty else {
                throw ShopError.badRequest("invalid_field", "idempotency_key must not be empty")
            }
            return try JSONBody.response(
                try await store.refund(key: refund.idempotencyKey, orderID: refund.orderID, now: Date.nowMilliseconds))
        }
        // The reads too (outside audit, audit7: anyone read every order's amount and status by counting ids): a
        // payment row does not know its order's owner, so the user reads the outcome on `GET /api/orders/{id}`.
        router.get("/") { request, _ in
            try token.require(request.headers[.authorization])
            guard let orderID = request.uri.queryParameters["order_id"].map(String.init), !orderID.isEmpty else {
                throw ShopError.badRequest("missing_field", "query parameter order_id is required")
            }
            return try JSONBody.response(try await store.payments(orderID: orderID))
        }
        router.get("/:id") { request, context in
            try token.require(request.headers[.authorization])
            guard let id = context.parameters.get("id", as: Int.self) else {
                throw ShopError.badRequest("invalid_field", "payment id must be an integer")
            }
            guard let payment = try await store.payment(id: id) else {
                throw ShopError.notFound("no payment \(id)")
            }
            return try JSONBody.response(payment)
        }
    }
}
