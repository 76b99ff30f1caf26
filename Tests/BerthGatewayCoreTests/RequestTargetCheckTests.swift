import BerthGatewayCore
import Testing

/// Paths that would leave a route's prefix once an upstream resolves them are refused; ordinary paths pass.
@Suite("Request target checks")
struct RequestTargetCheckTests {
    static func error(_ target: String) -> HTTPFramingError? {
        do {
            try RequestTargetCheck.checkPath(target)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        "/..", "/.", "/a/..", "/a/../b", "/a/./b", "/a/.", "/a/..?q", "/a/..#f", "/%2e%2e/b", "/%2E%2E/b", "/%2e./b",
        ".%2E", "/a/%2e", "/a/..%2fb", "/a/%2F", "/a/%5c", "/a/%5Cb", "/a\\b", "/a%00", "/a%zz", "/a%2", "/a%",
        "/a/%2e%2e%2f%2e%2e/etc/passwd",
    ])
    func refused(_ target: String) {
        let error = Self.error(target)
        #expect(error?.status == 400, "\(target) was \(error.map { "\($0)" } ?? "accepted")")
    }

    @Test(arguments: [
        "/", "/a", "/a/", "/a/b.txt", "/.well-known/x", "/a/...", "/a/..b", "/a/b..", "/a/.b", "/%7Euser", "/a%20b",
        "/a?x=../..", "/a?p=%2f%2e%2e", "*", "/a//b", "/a/%2e%2e%2e",
    ])
    func accepted(_ target: String) {
        #expect(Self.error(target) == nil, "\(target)")
    }

    @Test func theParserRefusesThemWithAMessage() {
        let error = TestBytes.requestError("GET /static/%2e%2e/secret.txt HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(error == .badRequest("dot-segment (. or ..) in the path"))
        let slash = TestBytes.requestError("GET http://h/static/..%2Fsecret HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(slash == .badRequest("encoded slash (%2F or %5C) in the path"))
    }
}
