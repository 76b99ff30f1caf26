import BerthGatewayCore
import Testing

@Suite("Head rewriting")
struct RewriteTests {
    static func rewritten(_ text: String, _ rewrite: RequestRewrite) throws -> String {
        let head = try #require(try TestBytes.request(text)).head
        var buffer: [UInt8] = Array("previous".utf8)
        RequestRewrite.serialize(head, rewrite: rewrite, into: &buffer)
        #expect(buffer.starts(with: Array("previous".utf8)))
        // The gateway's path (field lines copied as bytes from the read buffer) writes the very same bytes.
        let bytes = Array(text.utf8)
        let (linesHead, _, lines) = try #require(try TestBytes.requestLines(bytes).get())
        #expect(linesHead.headers.isEmpty)
        let written = bytes.withUnsafeBytes { bytes in
            var written: [UInt8] = []
            RequestRewrite.write(linesHead, lines: lines, in: bytes, rewrite: rewrite, into: &written)
            return written
        }
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: buffer.dropFirst(8), as: UTF8.self))
        return String(decoding: buffer.dropFirst(8), as: UTF8.self)
    }

    @Test func hopByHopFieldsAreRemoved() throws {
        let text =
            "GET /a HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret, close\r\nKeep-Alive: 5\r\n"
            + "Proxy-Connection: x\r\nTE: trailers\r\nTrailer: X-T\r\nUpgrade: h2c\r\nX-Secret: s\r\n"
            + "Accept: */*\r\n\r\n"
        let out = try Self.rewritten(text, RequestRewrite(clientAddress: "10.1.2.3", scheme: "https", requestID: "r1"))
        #expect(
            out == "GET /a HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nX-Forwarded-For: 10.1.2.3\r\n"
                + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: h\r\nX-Request-Id: r1\r\n\r\n")
    }

    @Test func connectionCannotStripFraming() throws {
        let text =
            "POST /a HTTP/1.1\r\nHost: h\r\nConnection: content-length, host, transfer-encoding\r\n"
            + "Content-Length: 3\r\n\r\n"
        let out = try Self.rewritten(text, RequestRewrite(clientAddress: "c", requestID: "r"))
        #expect(out.contains("\r\nHost: h\r\n"))
        #expect(out.contains("\r\nContent-Length: 3\r\n"))
    }

    @Test func forwardingFieldsOfAnUntrustedClientAreReplaced() throws {
        let text =
            "GET / HTTP/1.1\r\nHost: app.example\r\nX-Forwarded-For: 1.1.1.1\r\n"
            + "X-Forwarded-For: 2.2.2.2, 3.3.3.3\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 7.7.7.7\r\n"
            + "X-Forwarded-Port: 8443\r\nx-forwarded-proto: https\r\nX-Forwarded-Host: evil\r\n\r\n"
        let out = try Self.rewritten(text, RequestRewrite(clientAddress: "9.9.9.9", scheme: "http", requestID: "id"))
        #expect(
            out == "GET / HTTP/1.1\r\nHost: app.example\r\nX-Forwarded-For: 9.9.9.9\r\n"
                + "X-Forwarded-Proto: http\r\nX-Forwarded-Host: app.example\r\nX-Request-Id: id\r\n\r\n")
    }

    @Test func forwardingFieldsOfATrustedProxyPassAndTheForwardedForGrows() throws {
        let text =
            "GET / HTTP/1.1\r\nHost: app.example\r\nX-Forwarded-For: 1.1.1.1\r\n"
            + "X-Forwarded-For: 2.2.2.2, 3.3.3.3\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 7.7.7.7\r\n"
            + "X-Forwarded-Port: 8443\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Proto: ftp\r\n"
            + "X-Forwarded-Host: public.example\r\n\r\n"
        let rewrite = RequestRewrite(clientAddress: "9.9.9.9", scheme: "http", requestID: "id", trustForwarded: true)
        let out = try Self.rewritten(text, rewrite)
        #expect(out.contains("\r\nX-Forwarded-For: 1.1.1.1, 2.2.2.2, 3.3.3.3, 9.9.9.9\r\n"))
        #expect(out.contains("\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 7.7.7.7\r\nX-Forwarded-Port: 8443\r\n"))
        #expect(out.contains("\r\nX-Forwarded-Proto: https\r\n"))
        #expect(!out.contains("ftp"))
        #expect(!out.contains("X-Forwarded-Proto: http\r\n"))
        #expect(out.contains("\r\nX-Forwarded-Host: public.example\r\n"))
        #expect(!out.contains("X-Forwarded-Host: app.example"))
        // A trusted proxy that sent none of them: the gateway's own.
        let plain = try Self.rewritten("GET / HTTP/1.1\r\nHost: h\r\n\r\n", rewrite)
        #expect(plain.contains("\r\nX-Forwarded-For: 9.9.9.9\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: h\r\n"))
    }

    @Test func requestIDKeptOrReplaced() throws {
        let text = "GET / HTTP/1.1\r\nHost: h\r\nX-Request-Id: client-1\r\nx-request-id: client-2\r\n\r\n"
        let head = try #require(try TestBytes.request(text)).head
        #expect(head.requestID == "client-1")
        let kept = try Self.rewritten(text, RequestRewrite(clientAddress: "c"))
        #expect(kept.contains("\r\nX-Request-Id: client-1\r\n"))
        #expect(!kept.contains("client-2"))
        let replaced = try Self.rewritten(text, RequestRewrite(clientAddress: "c", requestID: "gw-7"))
        #expect(replaced.contains("\r\nX-Request-Id: gw-7\r\n"))
        #expect(!replaced.contains("client-1"))
        let added = try Self.rewritten(
            "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
            RequestRewrite(clientAddress: "c", requestID: "n")
        )
        #expect(added.contains("\r\nX-Request-Id: n\r\n"))
    }

    @Test func callerValuesCannotInjectFields() throws {
        let rewrite = RequestRewrite(clientAddress: "c\r\nX-Evil: 1", requestID: "id\r\n\r\nGET /")
        let out = try Self.rewritten("GET / HTTP/1.1\r\nHost: h\r\n\r\n", rewrite)
        #expect(!out.contains("\r\nX-Evil"))
        #expect(out.hasSuffix("\r\nX-Request-Id: idGET /\r\n\r\n"))
    }

    @Test(arguments: [
        ("/api/users/1?x=1", "/api/users", "/1?x=1"),
        ("/api/users", "/api/users", "/"),
        ("/api/users/", "/api/users", "/"),
        ("/api/users?x", "/api/users", "/?x"),
        ("/api/users/1", "/api/users/", "/1"),
        ("/api/usersx", "/api/users", "/api/usersx"),
        ("/other", "/api", "/other"),
        ("/a/b", "/", "/a/b"),
    ])
    func stripPrefix(target: String, prefix: String, expected: String) throws {
        #expect(PathPrefix.strip(target, prefix: prefix) == expected)
        let out = try Self.rewritten(
            "GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n",
            RequestRewrite(clientAddress: "c", requestID: "r", stripPrefix: prefix)
        )
        #expect(out.hasPrefix("GET \(expected) HTTP/1.1\r\n"))
    }

    @Test func framingIsCanonical() throws {
        let list = try Self.rewritten(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\ncontent-length: 5\r\n\r\n",
            RequestRewrite(clientAddress: "c", requestID: "r")
        )
        #expect(list.ranges(of: "ontent-Length").count == 1)
        #expect(list.contains("\r\nContent-Length: 5\r\n"))
        let chunked = try Self.rewritten(
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:  CHUNKED \r\n\r\n",
            RequestRewrite(clientAddress: "c", requestID: "r")
        )
        #expect(chunked.contains("\r\nTransfer-Encoding: chunked\r\n"))
        #expect(!chunked.contains("CHUNKED"))
        let zero = try Self.rewritten(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
            RequestRewrite(clientAddress: "c", requestID: "r")
        )
        #expect(zero.contains("\r\nContent-Length: 0\r\n"))
        let get = try Self.rewritten("GET / HTTP/1.1\r\nHost: h\r\n\r\n", RequestRewrite(clientAddress: "c"))
        #expect(!get.contains("Content-Length"))
    }

    @Test func http10ClientBecomesHTTP11Upstream() throws {
        let out = try Self.rewritten(
            "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            RequestRewrite(clientAddress: "c", requestID: "r", fallbackHost: "svc")
        )
        #expect(out.hasPrefix("GET /x HTTP/1.1\r\nHost: svc\r\n"))
        #expect(!out.contains("Connection"))
        #expect(!out.contains("X-Forwarded-Host"))
    }

    @Test func upgradeIsPassedOn() throws {
        let out = try Self.rewritten(
            "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n",
            RequestRewrite(clientAddress: "c", requestID: "r")
        )
        #expect(out.contains("\r\nUpgrade: websocket\r\n"))
        #expect(out.contains("\r\nSec-WebSocket-Key: k\r\n"))
        #expect(out.hasSuffix("\r\nConnection: upgrade\r\n\r\n"))
    }

    @Test func rewrittenRequestParsesBack() throws {
        let text =
            "PUT /api/users/1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close, X-A\r\n"
            + "X-A: 1\r\nExpect: 100-continue\r\n\r\n"
        let head = try #require(try TestBytes.request(text)).head
        var buffer: [UInt8] = []
        RequestRewrite.serialize(head, rewrite: RequestRewrite(clientAddress: "c", requestID: "r"), into: &buffer)
        let again = try #require(try TestBytes.request(buffer))
        #expect(again.length == buffer.count)
        #expect(again.head.framing == .chunked)
        #expect(again.head.keepAlive)
        #expect(again.head.expectContinue)
        #expect(again.head.headers.first(named: "x-a") == nil)
    }

    static func response(
        _ text: String, method: String = "GET", requestID: RequestID = "gw-1",
        keepAlive: Bool = true, clientVersion: HTTPVersion = .http1_1
    ) throws -> String {
        let head = try #require(try TestBytes.response(text, method: method)).head
        var buffer: [UInt8] = []
        ResponseRewrite.serialize(
            head, requestID: requestID, keepAlive: keepAlive, clientVersion: clientVersion, into: &buffer
        )
        // The gateway's path (field lines copied as bytes from the read buffer) writes the very same bytes.
        let (linesHead, lines) = try #require(try TestBytes.responseLines(text, method: method))
        #expect(linesHead.headers.isEmpty)
        let written = Array(text.utf8).withUnsafeBytes { bytes in
            var written: [UInt8] = []
            ResponseRewrite.write(
                linesHead, lines: lines, in: bytes, requestID: requestID, keepAlive: keepAlive,
                clientVersion: clientVersion, into: &written)
            return written
        }
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: buffer, as: UTF8.self))
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test func responseRewrite() throws {
        let text =
            "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\nX-Hop: 1\r\n"
            + "Content-Length: 2, 2\r\nX-Request-Id: upstream\r\nContent-Type: text/plain\r\n\r\n"
        #expect(
            try Self.response(text)
                == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nX-Request-Id: gw-1\r\n\r\n")
        let closing = try Self.response(text, keepAlive: false)
        #expect(closing.hasSuffix("\r\nConnection: close\r\nX-Request-Id: gw-1\r\n\r\n"))
        #expect(try Self.response(text, clientVersion: .http1_0).contains("\r\nConnection: keep-alive\r\n"))
    }

    @Test func responseFramingIsKept() throws {
        let chunked = try Self.response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        #expect(chunked.contains("\r\nTransfer-Encoding: gzip, chunked\r\n"))
        let close = try Self.response("HTTP/1.1 200 OK\r\nContent-Type: a\r\n\r\n", keepAlive: true)
        #expect(close.contains("\r\nConnection: close\r\n"))
        let head = try Self.response("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", method: "HEAD")
        #expect(head.contains("\r\nContent-Length: 99\r\n"))
        let noReason = try Self.response("HTTP/1.1 204\r\n\r\n")
        #expect(noReason.hasPrefix("HTTP/1.1 204 \r\n"))
        #expect(try TestBytes.response(noReason)?.head.status == 204)
    }

    @Test func switchingProtocolsKeepsUpgrade() throws {
        let out = try Self.response(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
        )
        #expect(out.contains("\r\nUpgrade: websocket\r\n"))
        #expect(out.contains("\r\nConnection: upgrade\r\n"))
    }
}
