import BerthGatewayCore
import Testing

@Suite("Client request ids")
struct RequestIDCheckTests {
    @Test func plainIDsAreKept() {
        #expect(RequestIDCheck.isAcceptable("abc-123"))
        #expect(RequestIDCheck.isAcceptable("0f3a.B_x-9"))
        #expect(RequestIDCheck.isAcceptable(String(repeating: "a", count: 128)))
    }

    @Test(arguments: [
        "", String(repeating: "a", count: 129), "a b", "a\" status=200", "id=1", "caf\u{e9}", "a\tb", "a/b", "{x}",
        "a,b",
    ])
    func othersAreReplaced(_ id: String) {
        #expect(!RequestIDCheck.isAcceptable(id), "\(id)")
    }
}
