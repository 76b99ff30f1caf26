/// Where an order's saga stands; stored in the `orders.status` column and shown to clients.
///
/// `pending` → `reserved` → `paid` → `confirmed` is the happy path; `refunding` → `releasing` → `failed` the
/// compensation. `confirmed` and `failed` are terminal.
public enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case pending
    case reserved
    case paid
    case confirmed
    case refunding
    case releasing
    case failed

    public var isTerminal: Bool {
        switch self {
        case .confirmed, .failed: true
        case .pending, .reserved, .paid, .refunding, .releasing: false
        }
    }
}

/// A call the saga makes to another service. Every one is idempotent (keyed by the order id), so a step whose
/// outcome is unknown (a crash, a 502, a timeout) is simply taken again.
public enum SagaStep: String, Codable, Sendable {
    /// Inventory: take the stock.
    case reserve
    /// Payment: take the money.
    case charge
    /// Inventory: mark the reservation sold.
    case confirm
    /// Payment: give the money back (or void a charge that never arrived).
    case refund
    /// Inventory: give the stock back (or block a reservation that never arrived).
    case release
}

/// What a step's call returned.
public enum StepResult: Equatable, Sendable {
    /// 2xx; the reservation's total for `reserve`.
    case succeeded(totalCents: Int?)
    /// A definite no (4xx): insufficient stock, unknown item, declined card, expired reservation.
    case rejected(code: String, message: String)
    /// No answer or a 5xx: the outcome is unknown.
    case unavailable(String)
}
