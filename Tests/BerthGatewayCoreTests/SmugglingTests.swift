import BerthGatewayCore
import Testing

/// Every hostile framing case of RFC 9112 (§2.2, §3, §5, §6) that request smuggling relies on.
@Suite("Smuggling and hostile heads")
struct SmugglingTests {
    static let prefix = "POST /x HTTP/1.1\r\nHost: h\r\n"

    static func error(_ fields: String) -> HTTPFramingError? {
        TestBytes.requestError(prefix + fields + "\r\n")
    }

    @Test func contentLengthWithTransferEncoding() {
        #expect(
            Self.error("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")
                == .badRequest("both Content-Length and Transfer-Encoding"))
        #expect(Self.error("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")?.status == 400)
        #expect(Self.error("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n")?.status == 400)
    }

    @Test func differingContentLengths() throws {
        #expect(
            Self.error("Content-Length: 5\r\nContent-Length: 6\r\n")
                == .badRequest("differing Content-Length values"))
        #expect(Self.error("Content-Length: 5, 6\r\n") == .badRequest("differing Content-Length values"))
        let same = try #require(try TestBytes.request(Self.prefix + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n"))
        #expect(same.head.framing == .contentLength(5))
        let list = try #require(try TestBytes.request(Self.prefix + "Content-Length: 5, 5\r\n\r\n"))
        #expect(list.head.framing == .contentLength(5))
    }

    @Test(arguments: ["+5", "-5", "0x5", "5a", "5 5", "99999999999999999999", "", "5,", ",5", "1.0", "\u{665}"])
    func invalidContentLength(value: String) {
        #expect(Self.error("Content-Length: \(value)\r\n")?.status == 400, "Content-Length: \(value)")
    }

    @Test(arguments: [
        "chunked, chunked", "chunked, identity", "identity, chunked", "gzip, chunked", "chunked, gzip", "xchunked",
        "chunked;q=1", "chunk", "chunked,", ", chunked", "\"chunked\"", "chun\u{212A}ed",
    ])
    func transferEncodingOtherThanChunked(value: String) {
        #expect(
            Self.error("Transfer-Encoding: \(value)\r\n")
                == .notImplemented("Transfer-Encoding other than chunked"))
    }

    @Test func transferEncodingAcrossFieldsAndObfuscations() throws {
        #expect(Self.error("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")?.status == 501)
        #expect(Self.error("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")?.status == 501)
        #expect(Self.error("Transfer-Encoding:\r\n") == .badRequest("empty Transfer-Encoding"))
        // Whitespace before the colon, and a leading whitespace line (obs-fold), are refused outright.
        #expect(Self.error("Transfer-Encoding : chunked\r\n") == .badRequest("whitespace before colon"))
        let fold = HTTPFramingError.badRequest("obs-fold or whitespace before a field name")
        #expect(Self.error("Transfer-Encoding:\r\n chunked\r\n") == fold)
        #expect(Self.error(" Transfer-Encoding: chunked\r\n") == fold)
        #expect(Self.error("Transfer-Encoding: \u{b}chunked\r\n") == .badRequest("control character in field value"))
        #expect(Self.error("Transfer-Encoding: chunked\u{c}\r\n") == .badRequest("control character in field value"))
        #expect(Self.error("Transfer_Encoding: chunked\r\n") == nil)  // another field: no body, as upstreams read it
        // OWS around the value is not part of it (RFC 9110 §5.5), so these are plain chunked.
        let spaced = try #require(try TestBytes.request(Self.prefix + "Transfer-Encoding: \t chunked \t\r\n\r\n"))
        #expect(spaced.head.framing == .chunked)
        let upper = try #require(try TestBytes.request(Self.prefix + "TRANSFER-ENCODING: CHUNKED\r\n\r\n"))
        #expect(upper.head.framing == .chunked)
    }

    @Test func transferEncodingInHTTP10() {
        #expect(
            TestBytes.requestError("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")
                == .badRequest("Transfer-Encoding in an HTTP/1.0 request"))
    }

    @Test func bareCRAndBareLF() {
        #expect(TestBytes.requestError("GET / HTTP/1.1\nHost: h\r\n\r\n") == .badRequest("bare LF in head"))
        #expect(TestBytes.requestError("GET / HTTP/1.1\r\nHost: h\n\r\n") == .badRequest("bare LF in head"))
        #expect(TestBytes.requestError("GET / HTTP/1.1\r\nHost: h\r\n\n") == .badRequest("bare LF in head"))
        #expect(TestBytes.requestError("GET / HTTP/1.1\rHost: h\r\n\r\n") == .badRequest("bare CR in head"))
        #expect(
            TestBytes.requestError("GET / HTTP/1.1\r\nX: a\rb\r\nHost: h\r\n\r\n")
                == .badRequest("bare CR in head"))
        #expect(TestBytes.requestError("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequest("bare LF in head"))
    }

    @Test func nulBytes() {
        #expect(TestBytes.requestError("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n") == .badRequest("NUL in head"))
        #expect(TestBytes.requestError("GET /\u{0} HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequest("NUL in head"))
    }

    @Test func invalidTokens() {
        #expect(TestBytes.requestError("G(T / HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequest("invalid method"))
        #expect(TestBytes.requestError(" GET / HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequest("invalid method"))
        #expect(TestBytes.requestError("GET  / HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequest("invalid request target"))
        #expect(TestBytes.requestError("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequest("invalid method"))
        #expect(TestBytes.requestError("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequest("invalid HTTP version"))
        #expect(Self.error("X(Y): 1\r\n") == .badRequest("invalid character in field name"))
        #expect(Self.error("X@Y: 1\r\n") == .badRequest("invalid character in field name"))
        #expect(Self.error(": 1\r\n") == .badRequest("empty field name"))
        #expect(Self.error("NoColon\r\n") == .badRequest("field line without colon"))
        #expect(Self.error("X: a\u{7f}\r\n") == .badRequest("control character in field value"))
        #expect(Self.error("X\t: a\r\n") == .badRequest("whitespace before colon"))
    }

    @Test func hostRules() throws {
        #expect(TestBytes.requestError("GET / HTTP/1.1\r\n\r\n") == .badRequest("missing Host"))
        #expect(TestBytes.requestError("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n") == .badRequest("duplicate Host"))
        #expect(TestBytes.requestError("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n") == .badRequest("duplicate Host"))
        #expect(TestBytes.requestError("GET / HTTP/1.1\r\nHost: a b\r\n\r\n") == .badRequest("invalid Host"))
        #expect(TestBytes.requestError("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n") == .badRequest("invalid Host"))
        #expect(TestBytes.requestError("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n") == .badRequest("invalid Host"))
        let v6 = try #require(try TestBytes.request("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"))
        #expect(v6.head.host == "[::1]:8080")
        let empty = try #require(try TestBytes.request("GET / HTTP/1.1\r\nHost:\r\n\r\n"))
        #expect(empty.head.host == "")
    }

    @Test func overLongRequestLine() {
        let target = "/" + String(repeating: "a", count: 8 * 1024)
        #expect(TestBytes.requestError("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n") == .uriTooLong)
    }

    @Test func errorStatuses() {
        #expect(HTTPFramingError.badRequest("x").status == 400)
        #expect(HTTPFramingError.headTooLarge.status == 431)
        #expect(HTTPFramingError.notImplemented("x").status == 501)
        #expect(HTTPFramingError.versionNotSupported.status == 505)
    }
}
