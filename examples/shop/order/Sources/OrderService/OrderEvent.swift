import Foundation

/// What the order service tells the rest of the shop when an order ends: `order.confirmed` or `order.cancelled`.
/// Written to the outbox in the same transaction as the order's final status, so an order never ends without
/// its event, and relayed to RabbitMQ. `event_id` is fixed per order and outcome: consumers store it once.
public struct OrderEvent: Codable, Equatable, Sendable {
    public var event_id: String
    public var type: String
    public var order_id: Int
    public var user_id: String
    public var status: String
    public var total_cents: Int
    public var items: [OrderRequest.Line]
    public var error_code: String?
    public var occurred_at: Int

    /// The event for an order that reached `status`; nil for a status that is not final.
    public init?(orderID: Int, userID: String, status: OrderStatus, totalCents: Int, items: [OrderRequest.Line],
        errorCode: String?, at now: Int)
    {
        let type: String
        switch status {
        case .confirmed: type = "order.confirmed"
        case .failed: type = "order.cancelled"
        case .pending, .reserved, .paid, .refunding, .releasing: return nil
        }
        event_id = "\(type):\(orderID)"
        self.type = type
        order_id = orderID
        user_id = userID
        self.status = status.rawValue
        total_cents = totalCents
        self.items = items
        error_code = errorCode
        occurred_at = now
    }

    /// The routing key is the event type; the notification queue is bound to `order.*`.
    public var routingKey: String { type }

    /// The event as JSON: what `JSONEncoder` with `.sortedKeys` writes for it (`error_code` left out when nil),
    /// written by `JSONText` (written once per order, in the order's final transaction).
    public func json() throws -> String {
        var object = JSONText()
        if let error_code { object.string("error_code", error_code) }
        object.string("event_id", event_id)
        object.raw("items", JSONText.array(items.map(\.json)))
        object.int("occurred_at", occurred_at)
        object.int("order_id", order_id)
        object.string("status", status)
        object.int("total_cents", total_cents)
        object.string("type", type)
        object.string("user_id", user_id)
        return object.object
    }
}
