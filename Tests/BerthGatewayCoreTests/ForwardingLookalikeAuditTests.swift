import BerthGatewayCore
import Testing

/// Found by the outside audit (branch audit6): `X_Forwarded_For: 6.6.6.6` passed the gateway untouched beside its
/// own `X-Forwarded-For`. A CGI-style server (WSGI, PHP, Rack) reads both as `HTTP_X_FORWARDED_FOR`, the client's
/// first: Python's wsgiref gave the application `6.6.6.6,127.0.0.1`, so the forged address was leftmost again.
/// The lookalikes of every forwarding field and of `X-Request-Id` are dropped; other names with `_` pass.
@Suite struct ForwardingLookalikeAuditTests {
    @Test func lookalikesOfForwardingFieldsAreDropped() throws {
        let text =
            "GET / HTTP/1.1\r\nHost: h\r\nX_Forwarded_For: 6.6.6.6\r\nx_real_ip: 6.6.6.6\r\nFORWARDED_x: y\r\n"
            + "X_Forwarded-Proto: https\r\nx-forwarded_host: evil\r\nX_FORWARDED_PORT: 1\r\nX_Request_Id: forged\r\n"
            + "X_Custom: kept\r\n\r\n"
        for trusted in [false, true] {
            let rewrite = RequestRewrite(clientAddress: "9.9.9.9", requestID: "id", trustForwarded: trusted)
            let out = try RewriteTests.rewritten(text, rewrite)
            #expect(
                out == "GET / HTTP/1.1\r\nHost: h\r\nFORWARDED_x: y\r\nX_Custom: kept\r\nX-Forwarded-For: 9.9.9.9\r\n"
                    + "X-Forwarded-Proto: http\r\nX-Forwarded-Host: h\r\nX-Request-Id: id\r\n\r\n")
        }
    }

    @Test(arguments: [
        "x_forwarded_for", "X_Forwarded_Proto", "x_forwarded_host", "x_forwarded_port", "x_real_ip", "X_REAL-IP",
        "x_request_id", "x-request_id",
    ])
    func lookalikes(_ name: String) {
        #expect(ForwardingFieldName.isLookalike(name), "\(name)")
    }

    @Test(arguments: ["x-forwarded-for", "x_forwarded_fo", "x_custom", "forwarded", "_", "x_forwarded_for_", ""])
    func notLookalikes(_ name: String) {
        #expect(!ForwardingFieldName.isLookalike(name), "\(name)")
    }
}
