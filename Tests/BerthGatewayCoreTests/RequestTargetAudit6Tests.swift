import BerthGatewayCore
import Testing

/// Found by the outside audit (branch audit6). Before it, these paths matched a route `/static` and were forwarded:
/// - `/static/..;/secret.txt`: Tomcat and other servlet containers strip the path parameter (`;...`) and resolve the
///   `..` that is left, serving `/secret.txt` (the classic `..;` bypass of a proxy's prefix rules);
/// - `/static/%c0%ae%c0%ae/secret.txt`: overlong UTF-8 for `..`, which lax decoders read as dots.
@Suite struct RequestTargetAudit6Tests {
    @Test(arguments: [
        "/static/..;/secret.txt", "/static/.;/a", "/static/..;jsessionid=1/x", "/static/%2e%2e;/x", "/static/..%3b/x",
        "/static/.%3B/x", "/..;",
    ])
    func aDotSegmentWithAParameterIsRefused(_ target: String) {
        #expect(
            RequestTargetCheckTests.error(target) == .badRequest("dot-segment with a parameter (..;) in the path"),
            "\(target)")
    }

    @Test(arguments: [
        "/static/%c0%ae%c0%ae/secret.txt", "/static/%C0%AE%C0%AE/secret.txt", "/static/..%c0%afsecret.txt",
        "/static/%c1%9c", "/static/%e0%80%ae%e0%80%ae/secret.txt", "/static/%f0%80%80%ae",
    ])
    func overlongUTF8IsRefused(_ target: String) {
        #expect(RequestTargetCheckTests.error(target) == .badRequest("overlong UTF-8 in the path"), "\(target)")
    }

    /// Parameters on ordinary segments, valid UTF-8 and a lone Latin-1 byte still pass.
    @Test(arguments: [
        "/static/a.txt;jsessionid=1", "/static/b;x.txt", "/a;b/c", "/a/...;x", "/a/%3b", "/caf%C3%A9", "/caf%C0",
        "/%E0%A4%85", "/%F0%9F%98%80", "/%C0A", "/%E0%41%80", "/a?x=%c0%ae",
    ])
    func ordinaryPathsPass(_ target: String) {
        #expect(RequestTargetCheckTests.error(target) == nil, "\(target)")
    }

    @Test func theParserRefusesItBeforeRouting() {
        let error = TestBytes.requestError("GET /static/..;/secret.txt HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(error == .badRequest("dot-segment with a parameter (..;) in the path"))
    }
}
