import Crypto
import Foundation
import OrderService
import Testing

@Suite struct SagaMachineTests {
    let machine = SagaMachine(giveUpMilliseconds: 15_000)

    /// Runs the results through the machine from `pending`, returning the statuses visited.
    func run(_ results: [StepResult], age: Int = 0) -> [OrderStatus] {
        var status = OrderStatus.pending
        var visited = [status]
        for result in results {
            guard let step = SagaMachine.step(for: status) else { break }
            switch machine.decide(status: status, step: step, result: result, age: age) {
            case .move(let next, _, _):
                status = next
                visited.append(next)
            case .retry, .ignore:
                visited.append(status)
            }
        }
        return visited
    }

    @Test func happyPath() {
        let ok = StepResult.succeeded(totalCents: nil)
        #expect(run([.succeeded(totalCents: 500), ok, ok]) == [.pending, .reserved, .paid, .confirmed])
        #expect(SagaMachine.step(for: .confirmed) == nil)
    }

    @Test func reserveCarriesTheTotal() {
        #expect(
            machine.decide(status: .pending, step: .reserve, result: .succeeded(totalCents: 500), age: 0)
                == .move(.reserved, failure: nil, totalCents: 500))
    }

    /// The row stays `pending` while the stock is reserved and the money taken (`mayDefer`), so a failure from
    /// `pending` refunds first: that voids a charge no driver made, or gives back one made by a driver that died.
    @Test func insufficientStockRefundsThenReleasesThenFails() {
        let decision = machine.decide(
            status: .pending, step: .reserve,
            result: .rejected(code: "insufficient_stock", message: "none left"), age: 0)
        #expect(
            decision
                == .move(
                    .refunding,
                    failure: SagaMachine.Failure(code: "insufficient_stock", message: "none left"), totalCents: nil))
        let ok = StepResult.succeeded(totalCents: nil)
        #expect(
            run([.rejected(code: "insufficient_stock", message: ""), ok, ok])
                == [.pending, .refunding, .releasing, .failed])
    }

    /// What a driver that died after its charge leaves, once the reservation expired: the reserve taken again is
    /// rejected, and the money goes back.
    @Test func aReservationReleasedBeforeTheResumerRefunds() {
        let ok = StepResult.succeeded(totalCents: nil)
        #expect(
            run([.rejected(code: "reservation_released", message: ""), ok, ok])
                == [.pending, .refunding, .releasing, .failed])
    }

    @Test func declinedPaymentReleasesWithoutRefund() {
        let ok = StepResult.succeeded(totalCents: nil)
        #expect(
            run([.succeeded(totalCents: 5), .rejected(code: "payment_declined", message: ""), ok])
                == [.pending, .reserved, .releasing, .failed])
    }

    @Test func expiredReservationRefundsThenReleases() {
        let ok = StepResult.succeeded(totalCents: nil)
        #expect(
            run([.succeeded(totalCents: 5), ok, .rejected(code: "reservation_released", message: ""), ok, ok])
                == [.pending, .reserved, .paid, .refunding, .releasing, .failed])
    }

    @Test func unknownOutcomesAreRetriedUntilTheGiveUpAge() {
        let down = StepResult.unavailable("502")
        #expect(machine.decide(status: .pending, step: .reserve, result: down, age: 1000) == .retry)
        // Giving up refunds (or voids) first: a charge may have been made, by this driver after `reserved` or,
        // from `pending`, by one that died (the row stays `pending` until the order is confirmed).
        let refunding = SagaMachine.Decision.move(
            .refunding, failure: SagaMachine.Failure(code: "unavailable", message: "a service did not answer in time"),
            totalCents: nil)
        for (status, step) in [(OrderStatus.pending, SagaStep.reserve), (.reserved, .charge)] {
            #expect(machine.decide(status: status, step: step, result: down, age: 16_000) == refunding)
        }
    }

    /// Only the happy path's moves up to `paid` may wait for the next write: from `pending`, the reserve and the
    /// charge taken again are idempotent and every failure refunds. Every other move changes what a driver taking
    /// the order up would do.
    @Test func onlyTheMovesUpToPaidMayBeDeferred() {
        let deferred: [(OrderStatus, OrderStatus)] = [(.pending, .reserved), (.reserved, .paid)]
        for from in OrderStatus.allCases {
            for to in OrderStatus.allCases {
                #expect(SagaMachine.mayDefer(from: from, to: to) == deferred.contains { $0 == (from, to) })
            }
        }
    }

    @Test func paidOrdersNeverGiveUp() {
        #expect(machine.decide(status: .paid, step: .confirm, result: .unavailable("x"), age: 1_000_000) == .retry)
        #expect(
            machine.decide(status: .refunding, step: .refund, result: .unavailable("x"), age: 1_000_000)
                == .retry)
    }

    @Test func resultsOfAnotherStepAreIgnored() {
        #expect(machine.decide(status: .paid, step: .reserve, result: .succeeded(totalCents: 1), age: 0) == .ignore)
        #expect(
            machine.decide(status: .failed, step: .release, result: .succeeded(totalCents: nil), age: 0)
                == .ignore)
    }

    @Test func everyOpenStatusHasAStep() {
        for status in OrderStatus.allCases {
            #expect((SagaMachine.step(for: status) == nil) == status.isTerminal)
        }
    }
}

@Suite struct OrderRequestTests {
    @Test func linesAreMergedAndSorted() throws {
        let request = OrderRequest(items: [
            .init(sku: "b", quantity: 1), .init(sku: "a", quantity: 2),
            .init(sku: "b", quantity: 3),
        ])
        #expect(try request.normalizedLines() == [.init(sku: "a", quantity: 2), .init(sku: "b", quantity: 4)])
    }

    @Test func badLinesAreRefused() {
        #expect(throws: (any Error).self) { try OrderRequest(items: []).normalizedLines() }
        #expect(throws: (any Error).self) { try OrderRequest(items: [.init(sku: "a", quantity: 0)]).normalizedLines() }
        #expect(throws: (any Error).self) { try OrderRequest(items: [.init(sku: "", quantity: 1)]).normalizedLines() }
    }

    @Test func fingerprintBindsItemsAndCard() {
        let lines = [OrderRequest.Line(sku: "a", quantity: 2)]
        #expect(OrderRequest.fingerprint(lines, card: nil) == OrderRequest.fingerprint(lines, card: nil))
        #expect(OrderRequest.fingerprint(lines, card: nil) != OrderRequest.fingerprint(lines, card: "decline"))
    }
}

@Suite struct TokenVerifierTests {
    let s = String(repeating: "s", count: 32)
    let t = String(repeating: "t", count: 32)

    func token(secret: String, payload: String, alg: String = "HS256") -> String {
        func encode(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let input = encode(Data(#"{"alg":"\#(alg)","typ":"JWT"}"#.utf8)) + "." + encode(Data(payload.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + encode(Data(mac))
    }

    @Test func validTokenGivesTheUser() async {
        let verifier = await TokenVerifier.make(secret: s)
        let user = await verifier.userID(token(secret: s, payload: #"{"sub":"42","exp":2000}"#), now: 1000)
        #expect(user == "42")
    }

    @Test func wrongSecretExpiryOrAlgorithmIsRefused() async {
        let verifier = await TokenVerifier.make(secret: s)
        for refused in [
            token(secret: t, payload: #"{"sub":"42","exp":2000}"#),
            token(secret: s, payload: #"{"sub":"42","exp":999}"#),
            token(secret: s, payload: #"{"sub":"42","exp":2000}"#, alg: "none"),
            "garbage",
        ] {
            let user = await verifier.userID(refused, now: 1000)
            #expect(user == nil, "\(refused)")
        }
    }

    /// A verified token is remembered, but only until its `exp`, only for exactly that token (a changed signature
    /// or payload is verified anew and refused), and never beyond the cache's bound.
    @Test func aRememberedTokenStillExpiresAndOnlyItselfMatches() async {
        let verifier = await TokenVerifier.make(secret: s, cacheLimit: 2)
        let valid = token(secret: s, payload: #"{"sub":"42","exp":2000}"#)
        #expect(await verifier.userID(valid, now: 1000) == "42")
        #expect(verifier.cachedTokens == 1)
        #expect(await verifier.userID(valid, now: 1999) == "42")
        #expect(await verifier.userID(valid, now: 2000) == nil)  // expired, though remembered
        var forged = valid
        forged.removeLast()
        forged.append(valid.last == "A" ? "B" : "A")
        #expect(await verifier.userID(forged, now: 1000) == nil)
        #expect(verifier.cachedTokens == 1)  // a refused token is not remembered
        _ = await verifier.userID(token(secret: s, payload: #"{"sub":"43","exp":2000}"#), now: 1000)
        _ = await verifier.userID(token(secret: s, payload: #"{"sub":"44","exp":2000}"#), now: 1000)
        #expect(verifier.cachedTokens <= 2)
    }
}
