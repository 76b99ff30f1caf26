import ShopKit

/// The body of `POST /reservations`: who reserves (an order id, which makes the call idempotent) and what.
public struct ReservationRequest: Decodable, Sendable {
    public struct Line: Codable, Equatable, Sendable {
        public var sku: String
        public var quantity: Int

        public init(sku: String, quantity: Int) {
            self.sku = sku
            self.quantity = quantity
        }
    }

    public var orderID: String
    public var items: [Line]

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case items
    }

    public init(orderID: String, items: [Line]) {
        self.orderID = orderID
        self.items = items
    }

    /// The lines with duplicate SKUs merged, sorted by SKU (the order rows are locked in); a `ShopError` for
    /// an empty order, a quantity below 1 or above 1000, an empty SKU or order id.
    public func normalizedLines() throws(ShopError) -> [Line] {
        guard !orderID.isEmpty, orderID.count <= 100 else {
            throw .badRequest("invalid_field", "order_id must be a non-empty string of at most 100 characters")
        }
        guard !items.isEmpty else { throw .badRequest("invalid_field", "items must not be empty") }
        var quantities: [String: Int] = [:]
        for line in items {
            guard !line.sku.isEmpty else { throw .badRequest("invalid_field", "every item needs a sku") }
            guard (1...1000).contains(line.quantity) else {
                throw .badRequest("invalid_field", "quantity of \(line.sku) must be 1..1000, got \(line.quantity)")
            }
            quantities[line.sku, default: 0] += line.quantity
        }
        return quantities.keys.sorted().map { Line(sku: $0, quantity: quantities[$0]!) }
    }
}
