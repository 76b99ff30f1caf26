import Testing

@testable import BerthGatewayHTTP2

/// `ReplicaResponseCheck`, the rules a replica's response head must meet before the gateway passes it on (found by
/// the outside audit, audit8: see `ReplicaResponseAudit8Tests` in BerthGatewayTests for what broke).
@Suite struct ReplicaResponseCheckTests {
    private func head(_ status: String?, repeated: Bool = false, end: Bool = false) -> ReplicaResponseCheck.Head {
        ReplicaResponseCheck.head(status: status, repeated: repeated, endStream: end)
    }

    @Test func finalAndInterimStatuses() {
        #expect(head("200") == .final(200))
        #expect(head("599", end: true) == .final(599))
        #expect(head("204", end: true) == .final(204))
        #expect(head("100") == .informational)
        #expect(head("103") == .informational)
    }

    @Test func whatIsNotAResponseHead() {
        for status in ["99", "1000", "600", "abc", "2OO", "+20", " 200", "200 ", "", "099"] {
            guard case .invalid = head(status) else {
                Issue.record("\(status.debugDescription) passed")
                continue
            }
        }
        #expect(head(nil) == .invalid("no :status"))
        #expect(head("200", repeated: true) == .invalid("more than one :status"))
        #expect(head("101") == .invalid(":status 101, which HTTP/2 does not allow"))
        #expect(head("103", end: true) == .invalid("an interim 103 response that ends the stream"))
    }

    @Test func aLongStatusIsCutInTheMessage() {
        guard case .invalid(let why) = head(String(repeating: "9", count: 5000)) else {
            Issue.record("passed")
            return
        }
        #expect(why.count < 60)
    }
}
