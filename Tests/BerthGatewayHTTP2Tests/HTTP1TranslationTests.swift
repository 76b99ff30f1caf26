import NIOHPACK
import NIOHTTP1
import Testing

@testable import BerthGatewayHTTP2

/// The HTTP/1.1 <-> HTTP/2 mapping of the bridge that lets an HTTP/1.1 client reach an h2c/gRPC service.
@Suite struct HTTP1TranslationTests {
    private func head(
        _ fields: [(String, String)], method: HTTPMethod = .POST, uri: String = "/pkg.S/M"
    )
        -> HTTPRequestHead
    {
        // An HTTP/1.1 request needs a Host (HTTP1TranslationAuditTests); tests about other fields get one.
        let host = fields.contains { $0.0.lowercased() == "host" } ? [] : [("Host", "test")]
        return HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(host + fields))
    }

    @Test func aRequestHeadBecomesPseudoHeadersWithoutConnectionFields() throws {
        let request = head([
            ("Host", "api.example"), ("Content-Type", "application/grpc"), ("TE", "trailers"),
            ("Connection", "keep-alive, X-Hop"), ("X-Hop", "1"), ("Keep-Alive", "timeout=5"),
            ("Content-Length", "10"), ("X-Forwarded-For", "6.6.6.6"), ("X-Custom", "a"),
        ])
        let (headers, endStream, expects) = try HTTP1Translation.requestHeaders(
            request, scheme: "http", clientAddress: "10.0.0.1"
        ).get()
        #expect(Array(headers.prefix(4).map { $0.name }) == [":method", ":scheme", ":authority", ":path"])
        #expect(headers.first(name: ":authority") == "api.example")
        #expect(headers.first(name: ":path") == "/pkg.S/M")
        #expect(headers.first(name: "content-type") == "application/grpc")
        #expect(headers.first(name: "te") == "trailers")
        #expect(headers.first(name: "x-custom") == "a")
        #expect(headers.first(name: "content-length") == "10")
        for gone in ["host", "connection", "keep-alive", "x-hop"] { #expect(!headers.contains(name: gone), "\(gone)") }
        #expect(headers["x-forwarded-for"] == ["10.0.0.1"])
        #expect(!endStream)
        #expect(!expects)
    }

    @Test func noLengthAndNoChunkingMeansNoBody() throws {
        let get = try HTTP1Translation.requestHeaders(
            head([], method: .GET, uri: "/"), scheme: "https", clientAddress: "x"
        ).get()
        #expect(get.endStream)
        #expect(get.headers.first(name: ":scheme") == "https")
        let chunked = try HTTP1Translation.requestHeaders(
            head([("Transfer-Encoding", "chunked"), ("Expect", "100-continue")]), scheme: "http", clientAddress: "x"
        ).get()
        #expect(!chunked.endStream)
        #expect(chunked.expectsContinue)
        #expect(!chunked.headers.contains(name: "transfer-encoding"))
        #expect(!chunked.headers.contains(name: "expect"))
    }

    @Test func whatHTTP2CannotCarryIsRefused() {
        let upgrade = head([("Connection", "Upgrade"), ("Upgrade", "websocket")], method: .GET, uri: "/")
        #expect(throws: HTTP1Translation.Refusal.upgrade("websocket")) {
            try HTTP1Translation.requestHeaders(upgrade, scheme: "http", clientAddress: "x").get()
        }
        #expect(throws: HTTP1Translation.Refusal.connect) {
            try HTTP1Translation.requestHeaders(
                head([], method: .CONNECT, uri: "/"), scheme: "http", clientAddress: "x"
            ).get()
        }
        #expect(throws: HTTP1Translation.Refusal.target("*")) {
            try HTTP1Translation.requestHeaders(
                head([], method: .OPTIONS, uri: "*"), scheme: "http", clientAddress: "x"
            ).get()
        }
    }

    @Test func aResponseHeadersFrameBecomesAResponseHead() {
        let frame: HTTP2Fields = [":status": "200", "content-type": "application/grpc", "grpc-encoding": "identity"]
        let head = HTTP1Translation.responseHead(frame, keepAlive: true)
        #expect(head.status == .ok)
        #expect(head.headers["content-type"] == ["application/grpc"])
        #expect(!head.headers.contains(name: ":status"))
        #expect(!head.headers.contains(name: "connection"))
        let closing = HTTP1Translation.responseHead([":status": "503"], keepAlive: false)
        #expect(closing.status.code == 503)
        #expect(closing.headers["connection"] == ["close"])
    }

    @Test func trailersPassBothWays() {
        let http1 = HTTP1Translation.trailers(HTTP2Fields([("grpc-status", "0"), ("grpc-message", "")]))
        #expect(http1["grpc-status"] == ["0"])
        let http2 = HTTP1Translation.trailers(HTTPHeaders([("X-Checksum", "abc"), ("Connection", "close")]))
        #expect(http2.first(name: "x-checksum") == "abc")
        #expect(!http2.contains(name: "connection"))
    }

    /// The replica's connection does not validate header blocks (NIO checks them once, on the client's side; an
    /// HTTP/1.1 client's side has no such check for connection-specific fields): the translation drops them.
    @Test func replicaTrailersLoseConnectionSpecificFields() {
        let http1 = HTTP1Translation.trailers(
            HTTP2Fields([("grpc-status", "0"), ("transfer-encoding", "chunked"), ("connection", "close")]))
        #expect(http1["grpc-status"] == ["0"])
        #expect(!http1.contains(name: "transfer-encoding"))
        #expect(!http1.contains(name: "connection"))
    }
}
