import NIOHPACK
import NIOHTTP1
import Testing

@testable import BerthGatewayHTTP2

/// Found by the outside audit (branch audit6): `x_forwarded_for: 6.6.6.6` reached replicas beside the gateway's
/// `x-forwarded-for` over HTTP/2 and through the HTTP/1.1 bridge, where a CGI-style server reads both as one
/// variable with the forged address first (see `ForwardingLookalikeAuditTests` in BerthGatewayCoreTests).
@Suite struct ForwardingLookalikeHTTP2AuditTests {
    private let forwarding = HTTP2StreamProxy.Forwarding(clientAddress: "10.0.0.7", scheme: "http", host: "api")

    @Test func anHTTP2ClientsLookalikesAreDropped() {
        let forged = HTTP2Fields([
            (":method", "POST"), (":scheme", "http"), (":authority", "api"), (":path", "/pkg.S/M"),
            ("x_forwarded_for", "6.6.6.6"), ("x_real_ip", "6.6.6.6"), ("x_custom", "kept"),
        ])
        for fields in [HTTP2StreamProxy.RequestFields(forged), nil] {
            let headers = HTTP2StreamProxy.upstreamHeaders(
                forged, path: "/pkg.S/M", requestID: "r", fields: fields, forwarding: forwarding)
            #expect(!headers.contains(name: "x_forwarded_for"))
            #expect(!headers.contains(name: "x_real_ip"))
            #expect(headers.first(name: "x_custom") == "kept")
            #expect(headers["x-forwarded-for"] == ["10.0.0.7"])
        }
    }

    @Test func aBridgedHTTP1ClientsLookalikesAreDropped() throws {
        let head = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/pkg.S/M",
            headers: HTTPHeaders([("Host", "api"), ("X_Forwarded_For", "6.6.6.6"), ("X_Custom", "kept")]))
        let (headers, _, _) = try HTTP1Translation.requestHeaders(head, scheme: "http", clientAddress: "10.0.0.1").get()
        #expect(!headers.contains(name: "x_forwarded_for"))
        #expect(headers.first(name: "x_custom") == "kept")
        #expect(headers["x-forwarded-for"] == ["10.0.0.1"])
    }
}

/// Found by the outside audit (branch audit7): an HTTP/2 client's `x-client-ip`, `true-client-ip`,
/// `cf-connecting-ip` and the like reached h2c, gRPC and HTTP/1.1 replicas (see `ClientAddressFieldAuditTests` in
/// BerthGatewayCoreTests); they are dropped like `x-real-ip`.
@Suite struct ClientAddressFieldHTTP2AuditTests {
    private let forwarding = HTTP2StreamProxy.Forwarding(clientAddress: "10.0.0.7", scheme: "http", host: "api")
    private static let names = [
        "x-client-ip", "true-client-ip", "cf-connecting-ip", "x-cluster-client-ip", "x-originating-ip", "client-ip",
    ]

    @Test func anHTTP2ClientsAddressFieldsAreDropped() {
        let forged = HTTP2Fields(
            [(":method", "POST"), (":scheme", "http"), (":authority", "api"), (":path", "/pkg.S/M")]
                + Self.names.map { ($0, "6.6.6.6") } + [("x-custom", "kept")])
        let fields = HTTP2StreamProxy.RequestFields(forged)
        #expect(fields.forwarding)
        for fields in [fields, nil] {
            let headers = HTTP2StreamProxy.upstreamHeaders(
                forged, path: "/pkg.S/M", requestID: "r", fields: fields, forwarding: forwarding)
            for name in Self.names { #expect(!headers.contains(name: name), "\(name)") }
            #expect(headers.first(name: "x-custom") == "kept")
            #expect(headers["x-forwarded-for"] == ["10.0.0.7"])
        }
    }

    @Test func aBridgedHTTP1ClientsAddressFieldsAreDropped() throws {
        let head = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/pkg.S/M",
            headers: HTTPHeaders([("Host", "api"), ("X-Client-IP", "6.6.6.6"), ("CF-Connecting-IP", "6.6.6.6")]))
        let (headers, _, _) = try HTTP1Translation.requestHeaders(head, scheme: "http", clientAddress: "10.0.0.1").get()
        #expect(!headers.contains(name: "x-client-ip"))
        #expect(!headers.contains(name: "cf-connecting-ip"))
        #expect(headers["x-forwarded-for"] == ["10.0.0.1"])
    }
}
