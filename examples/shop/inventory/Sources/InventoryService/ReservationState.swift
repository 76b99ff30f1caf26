import ShopKit

/// A reservation's life: `held` (stock taken) until `confirmed` (sold) or `released` (stock given back, by the
/// order's compensation or the expiry timeout). Confirm and release are idempotent; the pure decisions live here.
public enum ReservationState: String, Codable, Sendable {
    case held
    case confirmed
    case released

    /// What a request does to a reservation in this state.
    public enum Outcome: Equatable, Sendable {
        /// Change to the state (and give the stock back when releasing).
        case change(ReservationState)
        /// Already there: answer success, change nothing.
        case unchanged
        /// Refused with this error code.
        case refuse(String)
    }

    public func confirm() -> Outcome {
        switch self {
        case .held: .change(.confirmed)
        case .confirmed: .unchanged
        case .released: .refuse("reservation_released")
        }
    }

    public func release() -> Outcome {
        switch self {
        case .held: .change(.released)
        case .released: .unchanged
        case .confirmed: .refuse("reservation_confirmed")
        }
    }

    /// The expiry sweeper releases only held reservations.
    public func expire() -> Outcome {
        switch self {
        case .held: .change(.released)
        case .confirmed, .released: .unchanged
        }
    }
}
