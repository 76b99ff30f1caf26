import ShopKit

/// Payments in the payment service's SQLite file, one row per idempotency key.
struct PaymentStore: Sendable {
    var database: ShopDatabase
    var rules: PaymentRules

    struct Payment: Codable, Sendable {
        var id: Int
        var idempotencyKey: String
        var orderID: String
        var amountCents: Int
        var status: PaymentRules.Status
        var reason: String?

        enum CodingKeys: String, CodingKey {
            case id, status, reason
            case idempotencyKey = "idempotency_key"
            case orderID = "order_id"
            case amountCents = "amount_cents"
        }
    }

    /// The payment for the request and whether it was recorded just now.
    func charge(_ request: ChargeRequest, now: Int) async throws -> (payment: Payment, created: Bool) {
        try await database.write { session in
            let existing = try Self.payment(key: request.idempotencyKey, session)
            switch rules.charge(request, existing: existing.map { ($0.orderID, $0.amountCents, $0.status) }) {
            case .mismatch:
                throw ShopError(.unprocessableContent, "idempotency_mismatch",
                    "idempotency_key \(request.idempotencyKey) was used for another order or amount")
            case .replay:
                return (existing!, false)
            case .record(let status, let reason):
                // RETURNING: the stored row without a second statement while the write lock is held.
                let row = try session.query(
                    "INSERT INTO payments (idempotency_key, order_id, amount_cents, status, reason, created_at, "
                        + "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
                    [.text(request.idempotencyKey), .text(request.orderID), .int(request.amountCents),
                     .text(status.rawValue), reason.map { .text($0) } ?? .null, .int(now), .int(now)]
                ).first!
                return (Self.payment(row), true)
            }
        }
    }

    func refund(key: String, orderID: String, now: Int) async throws -> Payment {
        try await database.write { session in
            let existing = try Self.payment(key: key, session)
            switch rules.refund(existing: existing?.status) {
            case .unchanged:
                return existing!
            case .change(let status):
                try session.query(
                    "UPDATE payments SET status = ?, updated_at = ? WHERE idempotency_key = ?",
                    [.text(status.rawValue), .int(now), .text(key)])
            case .void:
                try session.query(
                    "INSERT INTO payments (idempotency_key, order_id, amount_cents, status, reason, created_at, "
                        + "updated_at) VALUES (?, ?, 0, 'voided', 'refunded before any charge', ?, ?)",
                    [.text(key), .text(orderID), .int(now), .int(now)])
            }
            return try Self.payment(key: key, session)!
        }
    }

    func payments(orderID: String) async throws -> [Payment] {
        try await database.read { session in
            try session.query("SELECT * FROM payments WHERE order_id = CAST(? AS TEXT) ORDER BY id", [.text(orderID)])
                .map(Self.payment)
        }
    }

    func payment(id: Int) async throws -> Payment? {
        try await database.read { session in
            try session.query("SELECT * FROM payments WHERE id = ?", [.int(id)]).first.map(Self.payment)
        }
    }

    private static func payment(key: String, _ session: DatabaseSession) throws -> Payment? {
        try session.query("SELECT * FROM payments WHERE idempotency_key = ?", [.text(key)]).first
            .map(Self.payment)
    }

    private static func payment(_ row: SQLRow) -> Payment {
        Payment(
            id: row.int("id"),
            idempotencyKey: row.string("idempotency_key"),
            orderID: row.string("order_id"),
            amountCents: row.int("amount_cents"),
            status: PaymentRules.Status(rawValue: row.string("status")) ?? .declined,
            reason: row.optionalString("reason")
        )
    }
}
