import BerthGatewayCore
import Testing

/// Found by the outside audit (branch audit7): a replica's `204 No Content` with `Content-Length: 5` (or
/// `Transfer-Encoding: chunked`) reached the client with that field, although RFC 9110 §8.6 and RFC 9112 §6.1 forbid
/// it there; a client or a proxy in front of the gateway that framed the 204 by it would read the next response's
/// first bytes as this one's body. 1xx and 204 responses now lose both fields (304 and HEAD keep theirs: they
/// describe the representation, as the RFCs allow).
@Suite struct ResponseFramingAuditTests {
    @Test(arguments: [
        "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nX-A: 1\r\n\r\n",
        "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n",
        "HTTP/1.1 204 No Content\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n",
    ])
    func a204LosesItsFramingFields(_ text: String) throws {
        #expect(try RewriteTests.response(text) == "HTTP/1.1 204 No Content\r\nX-A: 1\r\nX-Request-Id: gw-1\r\n\r\n")
    }

    @Test func anInformationalResponseLosesItsFramingFields() throws {
        let out = try RewriteTests.response("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\nContent-Length: 7\r\n\r\n")
        #expect(out == "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\nX-Request-Id: gw-1\r\n\r\n")
    }

    @Test func a304AndAHeadResponseKeepTheirs() throws {
        #expect(
            try RewriteTests.response("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n")
                .contains("\r\nContent-Length: 5\r\n"))
        #expect(
            try RewriteTests.response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", method: "HEAD")
                .contains("\r\nContent-Length: 5\r\n"))
    }
}
