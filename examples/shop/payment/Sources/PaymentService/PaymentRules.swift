/// The payment decisions, free of I/O: whether a new charge succeeds, and what a charge or refund does to a
/// payment that already exists under the same idempotency key.
public struct PaymentRules: Sendable {
    /// The state of a payment record.
    public enum Status: String, Codable, Sendable {
        /// Money taken.
        case succeeded
        /// Refused; nothing taken.
        case declined
        /// Money given back.
        case refunded
        /// Refunded before any charge arrived: a charge with this key can no longer succeed.
        case voided
    }

    /// What `POST /charges` does.
    public enum ChargeOutcome: Equatable, Sendable {
        /// Record a new payment with this status (and the decline reason).
        case record(Status, reason: String?)
        /// Answer with the existing payment; 402 if it was declined.
        case replay(Status)
        /// The key was used for another order or amount.
        case mismatch
    }

    /// What `POST /refunds` does.
    public enum RefundOutcome: Equatable, Sendable {
        case change(Status)
        case unchanged
        /// No payment under the key: record a voided one.
        case void
    }

    /// Charges above this are declined.
    public var limitCents: Int

    public init(limitCents: Int = 100_000) {
        self.limitCents = limitCents
    }

    public func charge(_ request: ChargeRequest, existing: (orderID: String, amountCents: Int, status: Status)?)
        -> ChargeOutcome
    {
        if let existing {
            guard existing.orderID == request.orderID, existing.amountCents == request.amountCents
                || existing.status == .voided
            else { return .mismatch }
            return .replay(existing.status)
        }
        if request.card == "decline" { return .record(.declined, reason: "card declined") }
        if request.amountCents > limitCents {
            return .record(.declined, reason: "amount over the limit of \(limitCents) cents")
        }
        return .record(.succeeded, reason: nil)
    }

    public func refund(existing: Status?) -> RefundOutcome {
        switch existing {
        case nil: .void
        case .succeeded?: .change(.refunded)
        case .declined?, .refunded?, .voided?: .unchanged
        }
    }
}
