import PaymentService
import Testing

@Suite struct PaymentRulesTests {
    let rules = PaymentRules(limitCents: 10_000)
    let request = ChargeRequest(idempotencyKey: "order-1", orderID: "1", amountCents: 500)

    @Test func newChargeSucceeds() {
        #expect(rules.charge(request, existing: nil) == .record(.succeeded, reason: nil))
    }

    @Test func declinedByCardOrLimit() {
        var declined = request
        declined.card = "decline"
        #expect(rules.charge(declined, existing: nil) == .record(.declined, reason: "card declined"))
        var large = request
        large.amountCents = 10_001
        #expect(rules.charge(large, existing: nil) == .record(.declined, reason: "amount over the limit of 10000 cents"))
    }

    @Test func retriedChargeReplaysAndNeverChargesTwice() {
        #expect(rules.charge(request, existing: ("1", 500, .succeeded)) == .replay(.succeeded))
        #expect(rules.charge(request, existing: ("1", 500, .declined)) == .replay(.declined))
        #expect(rules.charge(request, existing: ("1", 500, .refunded)) == .replay(.refunded))
    }

    @Test func voidedKeyBlocksALateCharge() {
        #expect(rules.charge(request, existing: ("1", 0, .voided)) == .replay(.voided))
    }

    @Test func keyReusedForAnotherAmountIsAMismatch() {
        #expect(rules.charge(request, existing: ("1", 400, .succeeded)) == .mismatch)
        #expect(rules.charge(request, existing: ("2", 500, .succeeded)) == .mismatch)
    }

    @Test func refunds() {
        #expect(rules.refund(existing: nil) == .void)
        #expect(rules.refund(existing: .succeeded) == .change(.refunded))
        #expect(rules.refund(existing: .refunded) == .unchanged)
        #expect(rules.refund(existing: .declined) == .unchanged)
    }

    @Test func validation() {
        #expect(throws: (any Error).self) {
            try ChargeRequest(idempotencyKey: "", orderID: "1", amountCents: 1).validate()
        }
        #expect(throws: (any Error).self) {
            try ChargeRequest(idempotencyKey: "k", orderID: "1", amountCents: 0).validate()
        }
    }
}
