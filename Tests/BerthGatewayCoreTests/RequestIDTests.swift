import BerthGatewayCore
import Testing

/// A generated request id is written as the same 16 hex digits wherever it goes, without becoming a `String` on
/// the request path (see `RequestID`).
@Suite struct RequestIDTests {
    @Test func aGeneratedIDIsSixteenLowerCaseHexDigits() {
        #expect(RequestID.generated(0x0123_4567_89ab_cdef).text == "0123456789abcdef")
        #expect(RequestID.generated(0).text == "0000000000000000")
        #expect(RequestID.generated(.max).text == "ffffffffffffffff")
        #expect(RequestID.generated(1).utf8Count == 16)
        #expect(RequestID.text("trace-42").utf8Count == 8)
    }

    @Test func itsBytesAreItsText() {
        for id: RequestID in [.generated(0xfeed_0000_beef_0001), .text("trace-42.a_b")] {
            let bytes = id.withBytes { Array($0) }
            #expect(bytes == Array(id.text.utf8))
        }
    }

    @Test func bothHeadsCarryTheSameDigits() throws {
        let id = RequestID.generated(0xa1b2_c3d4_e5f6_0718)
        let request = try RewriteTests.rewritten(
            "GET / HTTP/1.1\r\nHost: h\r\n\r\n", RequestRewrite(clientAddress: "10.0.0.1", requestID: id))
        #expect(request.contains("X-Request-Id: a1b2c3d4e5f60718\r\n"))
        let response = try RewriteTests.response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", requestID: id)
        #expect(response.contains("X-Request-Id: a1b2c3d4e5f60718\r\n"))
        // The same bytes as the id given as text.
        #expect(
            try RewriteTests.response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", requestID: .text(id.text))
                == response)
    }
}
