import BerthGatewayCore
import Testing

/// Found by the outside audit (branch audit7). Before it, these paths matched a route `/static` and were forwarded:
/// - `/static/%252e%252e/secret.txt`, `/static/..%252fsecret.txt`: double-encoded dots and slashes, which a server
///   that decodes twice (a second proxy, a framework decoding what its server decoded) reads as `..` and `/`;
/// - `/static/%EF%BC%8E%EF%BC%8E/secret.txt`: FULLWIDTH FULL STOP, `.` once a server folds compatibility forms.
@Suite struct RequestTargetAudit7Tests {
    @Test(arguments: [
        "/static/%252e%252e/secret.txt", "/static/%252E%252E/x", "/static/.%252e/x", "/static/%252e/x",
        "/static/%25%32%65%25%32%65/x", "/static/%25%32e./x", "/static/%252%65./x", "/%252e%252e",
        "/static/%EF%BC%8E%EF%BC%8E/secret.txt", "/static/%ef%bc%8e%ef%bc%8e/x", "/static/.%EF%BC%8E/x",
        "/static/%E2%80%A5/x", "/static/%EF%B9%92%E2%80%A4/x", "/static/%EF%BC%8E/x", "/%e2%80%a5",
    ])
    func aDoubleEncodedOrCompatibilityDotSegmentIsRefused(_ target: String) {
        #expect(RequestTargetCheckTests.error(target) == .badRequest("dot-segment (. or ..) in the path"), "\(target)")
    }

    @Test(arguments: [
        "/static/..%252fsecret.txt", "/static/..%252Fx", "/static/..%255cx", "/a%2500b", "/static/..%25%32%66x",
        "/static/%252f",
    ])
    func aDoubleEncodedSlashOrNULIsRefused(_ target: String) {
        #expect(
            RequestTargetCheckTests.error(target) == .badRequest("double-encoded slash or NUL (%25...) in the path"),
            "\(target)")
    }

    @Test(arguments: ["/static/..%EF%BC%8Fsecret.txt", "/a%ef%bc%bcb", "/a%EF%B9%A8b", "/a%E2%88%95b"])
    func aCompatibilitySlashIsRefused(_ target: String) {
        #expect(
            RequestTargetCheckTests.error(target) == .badRequest("fullwidth or compatibility slash in the path"),
            "\(target)")
    }

    /// A double-encoded or fullwidth dot inside a name, other `%25` escapes and other three-byte characters pass.
    @Test(arguments: [
        "/static/report%252epdf", "/a/100%25", "/a/100%25off", "/a/%2541", "/a/%25%32", "/a/%25zz", "/a/%252",
        "/static/file%EF%BC%8Etxt", "/a/%EF%BC%8E%EF%BC%8E%EF%BC%8E", "/a/x%E2%80%A5", "/%E3%81%82/%EF%BC%A1",
        "/a/%E2%80%A6", "/a?x=%252e%252e/", "/a/%25%25",
    ])
    func ordinaryPathsPass(_ target: String) {
        #expect(RequestTargetCheckTests.error(target) == nil, "\(target)")
    }

    @Test func theParserRefusesItBeforeRouting() {
        let error = TestBytes.requestError("GET /static/%252e%252e/secret.txt HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(error == .badRequest("dot-segment (. or ..) in the path"))
    }
}

/// `RequestTargetCheck.checkTarget`: the HTTP/2 `:path` gets the request line's character rule too.
@Suite struct RequestTargetCharacterAudit7Tests {
    @Test(arguments: ["/static/\u{FF0E}\u{FF0E}/x", "/a b", "/a?q=\u{E9}", "/a\u{7F}", "/a\t"])
    func rawBytesOutsideVisibleASCIIAreRefused(_ target: String) {
        var error: HTTPFramingError?
        do { try RequestTargetCheck.checkTarget(target) } catch let caught { error = caught }
        #expect(error == .badRequest("invalid request target"), "\(target)")
    }

    @Test func anOrdinaryTargetPasses() throws {
        try RequestTargetCheck.checkTarget("/static/caf%C3%A9.css?x=%20y")
    }
}
