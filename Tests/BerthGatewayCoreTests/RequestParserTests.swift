import BerthGatewayCore
import Testing

@Suite("Request heads")
struct RequestParserTests {
    @Test func simpleGet() throws {
        let text = "GET /api/users?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"
        let parsed = try #require(try TestBytes.request(text))
        #expect(parsed.length == text.utf8.count)
        #expect(parsed.head.method == "GET")
        #expect(parsed.head.target == "/api/users?x=1")
        #expect(parsed.head.version == .http1_1)
        #expect(
            parsed.head.headers == [
                HTTPHeaderField(name: "Host", value: "example.com"), HTTPHeaderField(name: "Accept", value: "*/*"),
            ])
        #expect(parsed.head.framing == .none)
        #expect(parsed.head.keepAlive)
        #expect(!parsed.head.expectContinue)
        #expect(parsed.head.upgrade == nil)
        #expect(parsed.head.host == "example.com")
        #expect(parsed.head.isIdempotent)
    }

    @Test func postWithContentLengthAndOWS() throws {
        let text = "POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length:  12 \t\r\nX-Empty:\r\n\r\nhello world!"
        let parsed = try #require(try TestBytes.request(text))
        #expect(parsed.head.framing == .contentLength(12))
        #expect(parsed.head.headers[1] == HTTPHeaderField(name: "Content-Length", value: "12"))
        #expect(parsed.head.headers[2] == HTTPHeaderField(name: "X-Empty", value: ""))
        #expect(!parsed.head.isIdempotent)
        #expect(parsed.length == text.utf8.count - 12)
    }

    /// Replay on another replica depends on it: exactly these methods, case-sensitive (RFC 9110 §9.2.2).
    @Test(arguments: [
        ("GET", true), ("HEAD", true), ("PUT", true), ("DELETE", true), ("OPTIONS", true), ("TRACE", true),
        ("POST", false), ("PATCH", false), ("get", false), ("GETS", false), ("PUTX", false), ("OPTIONZ", false),
    ])
    func idempotentMethods(method: String, idempotent: Bool) throws {
        let parsed = try #require(try TestBytes.request("\(method) / HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(parsed.head.isIdempotent == idempotent)
    }

    @Test func contentLengthZeroIsNoBody() throws {
        let parsed = try #require(try TestBytes.request("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"))
        #expect(parsed.head.framing == .none)
    }

    @Test func chunkedRequest() throws {
        let parsed = try #require(
            try TestBytes.request(
                "PUT /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            )
        )
        #expect(parsed.head.framing == .chunked)
        #expect(parsed.head.isIdempotent)
    }

    @Test func connectionOptionsAndVersions() throws {
        let close = try #require(try TestBytes.request("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n"))
        #expect(!close.head.keepAlive)
        let old = try #require(try TestBytes.request("GET / HTTP/1.0\r\n\r\n"))
        #expect(old.head.version == .http1_0)
        #expect(!old.head.keepAlive)
        #expect(old.head.host == nil)
        let oldKeep = try #require(try TestBytes.request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
        #expect(oldKeep.head.keepAlive)
        let list = try #require(
            try TestBytes.request("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, close\r\nConnection: bar\r\n\r\n")
        )
        #expect(!list.head.keepAlive)
    }

    @Test func expectContinueAndUpgrade() throws {
        let text = "POST /u HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n"
        #expect(try #require(try TestBytes.request(text)).head.expectContinue)
        let ws = "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n"
        #expect(try #require(try TestBytes.request(ws)).head.upgrade == "websocket")
        let noConnection = "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n"
        #expect(try #require(try TestBytes.request(noConnection)).head.upgrade == nil)
        let old = "GET /ws HTTP/1.0\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nExpect: 100-continue\r\n\r\n"
        let oldHead = try #require(try TestBytes.request(old)).head
        #expect(oldHead.upgrade == nil)
        #expect(!oldHead.expectContinue)
    }

    @Test func absoluteFormBecomesOriginFormAndReplacesHost() throws {
        let text = "GET http://Example.com:8080?q=1 HTTP/1.1\r\nHost: other\r\n\r\n"
        let head = try #require(try TestBytes.request(text)).head
        #expect(head.target == "/?q=1")
        #expect(head.host == "Example.com:8080")
        #expect(head.headers == [HTTPHeaderField(name: "Host", value: "Example.com:8080")])
        let withPath = try #require(try TestBytes.request("GET https://a.b/c/d HTTP/1.1\r\nHost: a.b\r\n\r\n")).head
        #expect(withPath.target == "/c/d")
        // Found by the fuzzer: HTTP/1.0 in absolute-form needs no Host field, yet the head must carry one upstream.
        let old = try #require(try TestBytes.request("GET http://a.b:81/x HTTP/1.0\r\n\r\n")).head
        #expect(old.headers == [HTTPHeaderField(name: "Host", value: "a.b:81")])
        #expect(old.host == "a.b:81")
        #expect(TestBytes.requestError("GET ftp://a/b HTTP/1.1\r\nHost: a\r\n\r\n") != nil)
        #expect(TestBytes.requestError("GET http://u@a/b HTTP/1.1\r\nHost: a\r\n\r\n") != nil)
        #expect(TestBytes.requestError("GET http:///b HTTP/1.1\r\nHost: a\r\n\r\n") != nil)
    }

    @Test func asteriskFormOnlyForOptions() throws {
        #expect(try #require(try TestBytes.request("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")).head.target == "*")
        #expect(TestBytes.requestError("GET * HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequest("asterisk-form target"))
        #expect(TestBytes.requestError("GET x HTTP/1.1\r\nHost: h\r\n\r\n") == .badRequest("invalid request target"))
    }

    @Test func connectIsNotImplemented() {
        #expect(TestBytes.requestError("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n") == .notImplemented("CONNECT"))
    }

    @Test func utf8FieldValuesRoundTripAndInvalidUTF8IsRejected() throws {
        let head = try #require(try TestBytes.request("GET / HTTP/1.1\r\nHost: h\r\nX-Name: Zoë\r\n\r\n")).head
        #expect(head.headers[1].value == "Zoë")
        var bytes = Array("GET / HTTP/1.1\r\nHost: h\r\nX-Name: ".utf8) + [0xFF, 0xFE] + Array("\r\n\r\n".utf8)
        #expect(throws: HTTPFramingError.badRequest("field value is not valid UTF-8")) {
            try TestBytes.request(bytes)
        }
        bytes = Array("GET /\u{e9} HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        #expect(throws: HTTPFramingError.badRequest("invalid request target")) { try TestBytes.request(bytes) }
    }

    @Test func leadingEmptyLinesAreSkipped() throws {
        let text = "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"
        let parsed = try #require(try TestBytes.request(text))
        #expect(parsed.length == text.utf8.count)
        #expect(parsed.head.target == "/")
    }

    @Test func pipelinedRequestsLeaveTheRest() throws {
        let first = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n"
        let second = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
        let third = "GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        let all = Array((first + "hello" + second + third).utf8)
        let one = try #require(try TestBytes.request(all))
        #expect(one.length == first.utf8.count)
        #expect(one.head.framing == .contentLength(5))
        let rest = Array(all[(one.length + 5)...])
        let two = try #require(try TestBytes.request(rest))
        #expect(two.head.target == "/b")
        #expect(two.length == second.utf8.count)
        let three = try #require(try TestBytes.request(Array(rest[two.length...])))
        #expect(three.head.target == "/c")
        #expect(!three.head.keepAlive)
        #expect(three.length == third.utf8.count)
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\nGET /next",
        "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: \u{1}\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n bad\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
        "\r\nGET / HTTP/1.1\nHost: h\r\n\r\n",
    ])
    func feedingByteByByteEqualsAllAtOnce(text: String) {
        let bytes = Array(text.utf8)
        let whole = Result { () throws(HTTPFramingError) in try TestBytes.request(bytes) }
        var progress = HeadScanProgress()
        var outcome: Result<(head: RequestHead, length: Int)?, HTTPFramingError> = .success(nil)
        for end in 1...bytes.count {
            outcome = Array(bytes[0..<end]).withUnsafeBytes { buffer in
                Result { () throws(HTTPFramingError) in
                    try HeadParser.parseRequest(buffer, limits: HTTPLimits(), progress: &progress)
                }
            }
            if case .success(nil) = outcome { continue }
            break
        }
        switch (whole, outcome) {
        case (.success(let a?), .success(let b?)):
            #expect(a.head == b.head)
            #expect(a.length == b.length)
        case (.failure(let a), .failure(let b)):
            #expect(a == b)
        default:
            Issue.record("whole \(whole) differs from incremental \(outcome)")
        }
    }

    @Test func incompleteHeadNeedsMoreBytes() throws {
        #expect(try TestBytes.request("GET / HTTP/1.1\r\nHost: h\r\n") == nil)
        #expect(try TestBytes.request("GET / HTTP/1.1\r\nHost: h\r\n\r") == nil)
        #expect(try TestBytes.request("") == nil)
    }

    @Test func limits() throws {
        let limits = HTTPLimits(maxHeadBytes: 64, maxHeaderCount: 2, maxRequestLineBytes: 20)
        let exact = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: " + String(repeating: "a", count: 28) + "\r\n\r\n"
        #expect(exact.utf8.count == 64)
        #expect(try TestBytes.request(exact, limits: limits) != nil)
        let over = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: " + String(repeating: "a", count: 29) + "\r\n\r\n"
        #expect(TestBytes.requestError(over, limits: limits) == .headTooLarge)
        #expect(TestBytes.requestError(over, limits: limits)?.status == 431)
        // Too large is known before the end arrives: the gateway can answer 431 without buffering more.
        #expect(
            TestBytes.requestError("GET / HTTP/1.1\r\nX: " + String(repeating: "b", count: 60), limits: limits)
                == .headTooLarge)
        let threeFields = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n"
        #expect(TestBytes.requestError(threeFields, limits: limits) == .headTooLarge)
        let longLine = "GET /" + String(repeating: "x", count: 7) + " HTTP/1.1\r\nHost: h\r\n\r\n"
        #expect(TestBytes.requestError(longLine, limits: limits) == .uriTooLong)
        #expect(TestBytes.requestError("GET /" + String(repeating: "x", count: 30), limits: limits) == .uriTooLong)
        #expect(HTTPFramingError.uriTooLong.status == 414)
    }

    @Test func versions() {
        #expect(TestBytes.requestError("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == .versionNotSupported)
        #expect(TestBytes.requestError("GET / HTTP/1.2\r\nHost: h\r\n\r\n")?.status == 505)
        #expect(TestBytes.requestError("GET / HTTP/0.9\r\n\r\n") == .versionNotSupported)
        #expect(TestBytes.requestError("GET / http/1.1\r\nHost: h\r\n\r\n") == .badRequest("invalid HTTP version"))
        #expect(TestBytes.requestError("GET / HTTP/1.1 \r\nHost: h\r\n\r\n") == .badRequest("invalid HTTP version"))
        #expect(TestBytes.requestError("GET / HTTP/11\r\nHost: h\r\n\r\n") == .badRequest("invalid HTTP version"))
        #expect(TestBytes.requestError("GET /\r\n\r\n") == .badRequest("invalid request target"))
    }
}
