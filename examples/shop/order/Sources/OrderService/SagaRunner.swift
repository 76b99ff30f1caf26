import Foundation
import ShopKit

/// Drives one order's saga against inventory and payment, over gRPC through the gateway: record the step, call,
/// decide, store the outcome. Used by `POST /orders` and by the resumer for orders left unfinished by a crash.
struct SagaRunner: Sendable {
    var store: OrderStore
    var calls: SagaCalls
    var machine: SagaMachine
    /// The longest a single call may take, even when the order's deadline is further away.
    var callTimeout: Duration = .seconds(3)

    /// Drives the order until it is finished, `retries` unknown outcomes in a row, or `deadline`; returns its last
    /// state. Each call gets the time left until `deadline` (at most `callTimeout`) as its gRPC deadline, so no
    /// call outlives the request that made it; an order left unfinished is finished by the resumer.
    ///
    /// `fresh`: the order was created just now, its first step recorded with it. The step of every later call is
    /// recorded by the transaction that moved the order, and the moves to `reserved` and `paid` are stored only
    /// with the next one (`SagaMachine.mayDefer`), so a saga without retries writes 2 transactions (create,
    /// confirmed); a retried step, or an order taken up by the resumer, records its step again first (a
    /// compare-and-set on the status that also tells the resumer the order is being driven), the deferred moves
    /// stored with it.
    ///
    /// `known`: the order as the caller just read or wrote it. The runner reads the order only when it does not
    /// know it: each of its moves is a compare-and-set that returns the order as stored, and a lost one (another
    /// driver moved it) makes it read the order again. A fresh order is driven without a single read.
    func drive(
        _ id: Int, retries: Int, deadline: ContinuousClock.Instant, fresh: Bool = false, known: OrderStore.Order? = nil
    ) async throws -> OrderStore.Order? {
        var unknownOutcomes = 0
        var backoff = Duration.milliseconds(100)
        var recorded = fresh
        var known = known
        /// Set while `known` is ahead of its row (deferred moves): the status the row still has.
        var rowStatus: OrderStatus?
        while true {
            let order: OrderStore.Order
            if let known {
                order = known
            } else {
                guard let read = try await store.order(id) else { return nil }
                order = read
            }
            known = order
            guard let step = SagaMachine.step(for: order.status) else { return order }
            guard let timeout = Self.callTimeout(until: deadline, now: .now, cap: callTimeout) else {
                // What the caller is told is what is stored.
                guard let row = rowStatus else { return order }
                if let stored = try await store.move(
                    order, to: order.status, failure: nil, totalCents: nil, now: Date.nowMilliseconds, from: row)
                {
                    return stored
                }
                return try await store.order(id)
            }
            if !(recorded && order.step == step) {
                guard try await store.markStep(id, step, status: order.status, now: Date.nowMilliseconds) else {
                    recorded = false
                    known = nil
                    continue
                }
            }
            recorded = false
            let result = await calls.perform(step, order, timeout: timeout)
            let now = Date.nowMilliseconds
            switch machine.decide(status: order.status, step: step, result: result, age: now - order.createdAt) {
            case .move(let next, let failure, let total):
                if SagaMachine.mayDefer(from: order.status, to: next) {
                    // Stored with the next move, in its transaction; the next call is made at once.
                    rowStatus = rowStatus ?? order.status
                    known = OrderStore.moved(order, to: next, failure: failure, totalCents: total, now: now)
                    recorded = true
                } else {
                    known = try await store.move(
                        order, to: next, failure: failure, totalCents: total, now: now, from: rowStatus)
                    rowStatus = nil
                    recorded = known != nil
                }
                unknownOutcomes = 0
                backoff = .milliseconds(100)
            case .retry:
                if let row = rowStatus {
                    // The step is taken again later: store the deferred move first, as if it had not been deferred.
                    rowStatus = nil
                    guard
                        let stored = try await store.move(
                            order, to: order.status, failure: nil, totalCents: nil, now: now, from: row)
                    else {
                        known = nil
                        continue
                    }
                    known = stored
                }
                unknownOutcomes += 1
                if case .unavailable(let reason) = result {
                    ShopLog.line("order \(id): \(step.rawValue) unanswered (\(reason)), try \(unknownOutcomes)")
                }
                guard unknownOutcomes <= retries else { return order }
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(1))
            case .ignore:
                known = nil
                rowStatus = nil
                continue
            }
        }
    }

    /// The deadline of the next call: what is left until `deadline`, at most `cap`; nil when too little is left
    /// for a call to be worth making (under 10 ms).
    static func callTimeout(
        until deadline: ContinuousClock.Instant, now: ContinuousClock.Instant, cap: Duration
    )
        -> Duration?
    {
        let left = now.duration(to: deadline)
        guard left >= .milliseconds(10) else { return nil }
        return min(left, cap)
    }
}
