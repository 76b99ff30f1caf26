/// The order saga as pure functions: which step a status calls for, and where a step's result leads.
///
/// No I/O: the runner records the step durably, makes the call, then asks `decide` and stores the outcome with a
/// compare-and-set on the status, so two drivers of one order (a request and the resumer) cannot both move it.
public struct SagaMachine: Sendable {
    /// What to do after a step.
    public enum Decision: Equatable, Sendable {
        /// Store the new status (with a failure reason when compensating, the total after reserving).
        case move(OrderStatus, failure: Failure?, totalCents: Int?)
        /// The outcome is unknown: take the same step again later.
        case retry
        /// The result does not belong to this status (a stale driver): change nothing.
        case ignore
    }

    /// Why an order failed.
    public struct Failure: Equatable, Sendable {
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// How long after its creation an order whose money was not taken yet is given up on while the other
    /// services do not answer; after that it is compensated instead of retried.
    public var giveUpMilliseconds: Int

    public init(giveUpMilliseconds: Int = 15_000) {
        self.giveUpMilliseconds = giveUpMilliseconds
    }

    /// The step an order in `status` needs next; nil when it is finished.
    public static func step(for status: OrderStatus) -> SagaStep? {
        switch status {
        case .pending: .reserve
        case .reserved: .charge
        case .paid: .confirm
        case .refunding: .refund
        case .releasing: .release
        case .confirmed, .failed: nil
        }
    }

    /// Whether the move from `from` to `to` may stay in memory until the order's next move is stored: the moves of
    /// the happy path up to `paid` (`pending` → `reserved` → `paid`). So a saga without retries writes 2 transactions:
    /// the order with its first step, then `confirmed` with its event; the row stays `pending` while the stock is
    /// reserved and the money taken. A driver that dies in between loses nothing:
    /// - the driver taking the order up (the resumer) starts again from the reserve, which returns the first
    ///   reservation (idempotent by order id), then the charge, which returns the first payment (idempotent by key);
    /// - giving up, or a rejected reserve (the reservation expired meanwhile), refunds from `pending`, which voids a
    ///   charge that was never made and gives back one that was.
    /// A retried or unfinished step stores the moves kept in memory first, as if they had not been deferred.
    public static func mayDefer(from: OrderStatus, to: OrderStatus) -> Bool {
        (from == .pending && to == .reserved) || (from == .reserved && to == .paid)
    }

    /// Where `result` of `step`, taken in `status`, leads; `age` is the order's age in milliseconds.
    public func decide(status: OrderStatus, step: SagaStep, result: StepResult, age: Int) -> Decision {
        guard Self.step(for: status) == step else { return .ignore }
        let givingUp = age > giveUpMilliseconds
        let unavailable = Failure(code: "unavailable", message: "a service did not answer in time")
        switch (status, result) {
        case (.pending, .succeeded(let total)):
            return .move(.reserved, failure: nil, totalCents: total)
        case (.pending, .rejected(let code, let message)):
            // Nothing is reserved now. A driver that died after its charge left the row `pending` (`mayDefer`), so
            // refunding comes first: it voids a charge never made. Releasing then blocks a reserve call of this
            // order that may still be in flight.
            return .move(.refunding, failure: Failure(code: code, message: message), totalCents: nil)
        case (.pending, .unavailable):
            // As above: a charge may have been made by a driver that died.
            return givingUp ? .move(.refunding, failure: unavailable, totalCents: nil) : .retry
        case (.reserved, .succeeded):
            return .move(.paid, failure: nil, totalCents: nil)
        case (.reserved, .rejected(let code, let message)):
            // Declined (or voided): no money was taken, give the stock back.
            return .move(.releasing, failure: Failure(code: code, message: message), totalCents: nil)
        case (.reserved, .unavailable):
            // A charge may have been made: refunding voids or refunds it.
            return givingUp ? .move(.refunding, failure: unavailable, totalCents: nil) : .retry
        case (.paid, .succeeded):
            return .move(.confirmed, failure: nil, totalCents: nil)
        case (.paid, .rejected):
            // The reservation expired (its stock went back) before it was confirmed: give the money back.
            return .move(
                .refunding,
                failure: Failure(
                    code: "reservation_expired",
                    message: "the reservation expired before the order completed"), totalCents: nil)
        case (.paid, .unavailable):
            // The money is taken: keep trying to complete the order.
            return .retry
        case (.refunding, .succeeded):
            return .move(.releasing, failure: nil, totalCents: nil)
        case (.refunding, .rejected), (.refunding, .unavailable):
            return .retry
        case (.releasing, .succeeded), (.releasing, .rejected):
            // A rejected release means the stock is already back (or was never taken).
            return .move(.failed, failure: nil, totalCents: nil)
        case (.releasing, .unavailable):
            return .retry
        case (.confirmed, _), (.failed, _):
            return .ignore
        }
    }
}
