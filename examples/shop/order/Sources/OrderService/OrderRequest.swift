import ShopKit

/// The body of `POST /orders`: the items and, optionally, a card token passed to the payment service.
public struct OrderRequest: Decodable, Sendable {
    public struct Line: Codable, Equatable, Sendable {
        public var sku: String
        public var quantity: Int

        public init(sku: String, quantity: Int) {
            self.sku = sku
            self.quantity = quantity
        }
    }

    public var items: [Line]
    public var card: String?

    public init(items: [Line], card: String? = nil) {
        self.items = items
        self.card = card
    }

    /// Lines with duplicate SKUs merged, sorted; a 400 for no items, an empty SKU, a quantity outside 1..1000.
    public func normalizedLines() throws(ShopError) -> [Line] {
        guard !items.isEmpty else { throw .badRequest("invalid_field", "items must not be empty") }
        guard items.count <= 100 else { throw .badRequest("invalid_field", "at most 100 items per order") }
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

    /// What an idempotency key is bound to: a retry with the same key must ask for the same thing.
    public static func fingerprint(_ lines: [Line], card: String?) -> String {
        lines.map { "\($0.sku)x\($0.quantity)" }.joined(separator: ",") + "|" + (card ?? "")
    }
}
