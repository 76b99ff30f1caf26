import ShopKit

/// The body of `POST /charges`. The idempotency key makes a retried charge return the first one's result.
public struct ChargeRequest: Decodable, Sendable, Equatable {
    public var idempotencyKey: String
    public var orderID: String
    public var amountCents: Int
    /// A card token; `"decline"` makes the charge fail (for tests and demos).
    public var card: String?

    enum CodingKeys: String, CodingKey {
        case card
        case idempotencyKey = "idempotency_key"
        case orderID = "order_id"
        case amountCents = "amount_cents"
    }

    public init(idempotencyKey: String, orderID: String, amountCents: Int, card: String? = nil) {
        self.idempotencyKey = idempotencyKey
        self.orderID = orderID
        self.amountCents = amountCents
        self.card = card
    }

    public func validate() throws(ShopError) {
        guard !idempotencyKey.isEmpty, idempotencyKey.count <= 200 else {
            throw .badRequest("invalid_field", "idempotency_key must be a non-empty string of at most 200 characters")
        }
        guard !orderID.isEmpty else { throw .badRequest("invalid_field", "order_id must not be empty") }
        guard amountCents > 0 else { throw .badRequest("invalid_field", "amount_cents must be at least 1") }
    }
}
