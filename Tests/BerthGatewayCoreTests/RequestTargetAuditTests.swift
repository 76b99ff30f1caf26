import BerthGatewayCore
import Testing

/// Found by the outside audit (branch audit1): `GET /static#/../secret` matched the route `/static` and was
/// forwarded, because `#` ended the path check like `?`. A server that does not split a fragment off a request
/// target (Go's `ParseRequestURI` keeps it in the path) resolves it to `/secret`. No request target has a
/// fragment (RFC 9112 §3.2; clients strip it), so `#` in the path is refused.
@Suite struct RequestTargetAuditTests {
    @Test(arguments: ["/static#/../secret", "/a#frag", "/#", "/a/..#f"])
    func aFragmentInThePathIsRefused(_ target: String) {
        var error: HTTPFramingError?
        do { try RequestTargetCheck.checkPath(target) } catch let caught { error = caught }
        #expect(error?.status == 400, "\(target)")
    }

    @Test func theParserRefusesItWithAMessage() {
        let error = TestBytes.requestError("GET /static#/../secret HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(error == .badRequest("fragment (#) in the request target"))
    }

    @Test func theQueryIsStillTheUpstreamsBusiness() throws {
        try RequestTargetCheck.checkPath("/a?x=#y")
    }
}
