import Testing

@testable import BerthGatewayHTTP2

/// The pure parts of the HTTP/2 side: telling the preface from HTTP/1.1, `grpc-timeout`, `grpc-message`.
@Suite struct HTTP2PureTests {
    @Test func prefaceIsRecognizedByteByByte() {
        let preface = HTTP2Preface.bytes
        #expect(HTTP2Preface.classify(preface) == .http2)
        #expect(HTTP2Preface.classify(preface + Array("\0\0\0\u{4}".utf8)) == .http2)
        for length in 0..<preface.count {
            #expect(HTTP2Preface.classify(preface.prefix(length)) == .undecided, "after \(length) bytes")
        }
    }

    @Test(arguments: ["GET / HTTP/1.1\r\n", "POST /x HTTP/1.1\r\n", "PUT", "PATCH /", "PRI * HTTP/1.1\r\n", "PRX"])
    func http1IsRecognizedAtTheFirstDifferentByte(_ text: String) {
        #expect(HTTP2Preface.classify(Array(text.utf8)) == .http1)
    }

    @Test func grpcTimeoutUnits() {
        #expect(GRPCTimeout.parse("1H") == .seconds(3600))
        #expect(GRPCTimeout.parse("2M") == .seconds(120))
        #expect(GRPCTimeout.parse("3S") == .seconds(3))
        #expect(GRPCTimeout.parse("250m") == .milliseconds(250))
        #expect(GRPCTimeout.parse("99999999u") == .microseconds(99_999_999))
        #expect(GRPCTimeout.parse("5n") == .nanoseconds(5))
    }

    @Test(arguments: ["", "S", "10", "10s", "-1S", "123456789S", "1.5S", " 1S"])
    func invalidGRPCTimeoutsAreIgnored(_ text: String) {
        #expect(GRPCTimeout.parse(text) == nil)
    }

    @Test func grpcMessageIsPercentEncoded() {
        #expect(GRPCMessage.percentEncoded("no route for /a") == "no route for /a")
        #expect(GRPCMessage.percentEncoded("100% é\n") == "100%25 %C3%A9%0A")
    }

    @Test func gatewayStatusesMapToHTTP() {
        #expect(GRPCStatus.unavailable.httpStatus == 503)
        #expect(GRPCStatus.unimplemented.httpStatus == 404)
        #expect(GRPCStatus.deadlineExceeded.httpStatus == 504)
    }
}
