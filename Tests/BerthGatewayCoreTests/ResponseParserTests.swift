import BerthGatewayCore
import Testing

@Suite("Response heads")
struct ResponseParserTests {
    @Test func contentLengthResponse() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nhi"
        let parsed = try #require(try TestBytes.response(text))
        #expect(parsed.length == text.utf8.count - 2)
        #expect(parsed.head.status == 200)
        #expect(parsed.head.reason == "OK")
        #expect(parsed.head.framing == .contentLength(2))
        #expect(parsed.head.keepAlive)
        #expect(!parsed.head.isInformational)
    }

    @Test func reasonPhrases() throws {
        #expect(try #require(try TestBytes.response("HTTP/1.1 404 Not Found\r\n\r\n")).head.reason == "Not Found")
        #expect(try #require(try TestBytes.response("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n")).head.reason == "")
        #expect(try #require(try TestBytes.response("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")).head.status == 200)
        #expect(TestBytes.responseError("HTTP/1.1 20 OK\r\n\r\n") == .badRequest("invalid status code"))
        #expect(TestBytes.responseError("HTTP/1.1 2000 OK\r\n\r\n") == .badRequest("invalid status line"))
        #expect(TestBytes.responseError("HTTP/1.1 099 OK\r\n\r\n") == .badRequest("invalid status code"))
        #expect(TestBytes.responseError("HTTP/2.0 200 OK\r\n\r\n") == .versionNotSupported)
        #expect(TestBytes.responseError("\r\nHTTP/1.1 200 OK\r\n\r\n") == .badRequest("empty status line"))
    }

    @Test(arguments: [100, 101, 103, 204, 304])
    func statusesWithoutBody(status: Int) throws {
        let text = "HTTP/1.1 \(status) X\r\nContent-Length: 10\r\n\r\n"
        let head = try #require(try TestBytes.response(text)).head
        #expect(head.framing == .none)
        #expect(head.isInformational == (status < 200))
    }

    @Test func headResponseHasNoBody() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
        #expect(try #require(try TestBytes.response(text, method: "HEAD")).head.framing == .none)
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(try #require(try TestBytes.response(chunked, method: "HEAD")).head.framing == .none)
        #expect(try #require(try TestBytes.response(chunked, method: "GET")).head.framing == .chunked)
    }

    @Test func closeDelimitedBodies() throws {
        let head = try #require(try TestBytes.response("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")).head
        #expect(head.framing == .untilClose)
        #expect(!head.keepAlive)
        let gzip = try #require(try TestBytes.response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")).head
        #expect(gzip.framing == .untilClose)
        let old = try #require(try TestBytes.response("HTTP/1.0 200 OK\r\n\r\n")).head
        #expect(old.framing == .untilClose)
        #expect(!old.keepAlive)
    }

    @Test func connectionReuse() throws {
        let closeText = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n"
        let close = try #require(try TestBytes.response(closeText))
        #expect(!close.head.keepAlive)
        let oldKeep = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n"
        #expect(try #require(try TestBytes.response(oldKeep)).head.keepAlive)
        let oldClose = "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n"
        #expect(!(try #require(try TestBytes.response(oldClose)).head.keepAlive))
    }

    @Test func continueThenFinal() throws {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
        let first = try #require(try TestBytes.response(text))
        #expect(first.head.status == 100)
        #expect(first.head.isInformational)
        #expect(!first.head.switchesProtocols)
        let rest = String(decoding: Array(text.utf8).dropFirst(first.length), as: UTF8.self)
        let second = try #require(try TestBytes.response(rest))
        #expect(second.head.status == 201)
        #expect(second.head.framing == .none)
    }

    @Test func switchingProtocols() throws {
        let text = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        let head = try #require(try TestBytes.response(text)).head
        #expect(head.switchesProtocols)
        #expect(head.framing == .none)
    }

    @Test func hostileResponses() {
        #expect(
            TestBytes.responseError("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
                == .badRequest("both Content-Length and Transfer-Encoding"))
        #expect(
            TestBytes.responseError("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
                == .badRequest("differing Content-Length values"))
        #expect(
            TestBytes.responseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip, chunked\r\n\r\n")?
                .status == 501)
        #expect(TestBytes.responseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")?.status == 501)
        #expect(TestBytes.responseError("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")?.status == 400)
        #expect(TestBytes.responseError("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n")?.status == 400)
        #expect(TestBytes.responseError("HTTP/1.1 200 OK\nX: a\r\n\r\n") == .badRequest("bare LF in head"))
        #expect(
            TestBytes.responseError("HTTP/1.1 200 OK\r\nSet-Cookie: a\rb\r\n\r\n")
                == .badRequest("bare CR in head"))
    }

    @Test func gzipThenChunkedIsChunked() throws {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        #expect(try #require(try TestBytes.response(text)).head.framing == .chunked)
    }

    @Test func statusLineTooLongIsHeadTooLarge() {
        let limits = HTTPLimits(maxHeadBytes: 1024, maxHeaderCount: 10, maxRequestLineBytes: 20)
        let text = "HTTP/1.1 200 " + String(repeating: "O", count: 30) + "\r\n\r\n"
        #expect(throws: HTTPFramingError.headTooLarge) { try TestBytes.response(text, limits: limits) }
    }
}
