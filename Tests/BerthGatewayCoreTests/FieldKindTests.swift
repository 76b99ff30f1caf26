import Testing

@testable import BerthGatewayCore

@Suite struct FieldKindTests {
    @Test(arguments: [
        ("Host", HTTPFieldKind.host), ("CONTENT-LENGTH", .contentLength), ("transfer-Encoding", .transferEncoding),
        ("Connection", .connection), ("upgrade", .upgrade), ("Expect", .expect), ("Keep-Alive", .keepAlive),
        ("Proxy-Connection", .proxyConnection), ("TE", .te), ("Trailer", .trailer),
        ("X-Forwarded-For", .xForwardedFor), ("x-forwarded-proto", .xForwardedProto),
        ("X-Forwarded-Host", .xForwardedHost), ("X-Request-ID", .xRequestID),
        ("Hostx", .other), ("Content-Type", .other), ("TEE", .other), ("", .other),
    ])
    func namesAreRecognizedInAnyCase(name: String, kind: HTTPFieldKind) {
        #expect(HTTPHeaderField(name: name, value: "v").kind == kind)
    }

    @Test func parsedFieldsCarryTheirKindAndNominatedFieldsAreStillRemoved() throws {
        let bytes = Array(
            "GET / HTTP/1.1\r\nhOsT: a\r\nConnection: close, X-Secret, Keep-Alive\r\nx-secret: 1\r\nX-Other: 2\r\n\r\n"
                .utf8)
        let (head, _) = try #require(
            try bytes.withUnsafeBytes { try HeadParser.parseRequest($0, limits: HTTPLimits()) })
        #expect(head.headers.map(\.kind) == [.host, .connection, .other, .other])
        var out: [UInt8] = []
        RequestRewrite.serialize(head, rewrite: RequestRewrite(clientAddress: "1.2.3.4"), into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(!text.lowercased().contains("x-secret"))
        #expect(text.contains("X-Other: 2\r\n"))
        #expect(text.contains("hOsT: a\r\n"))
        #expect(!text.contains("Connection"))
    }
}
