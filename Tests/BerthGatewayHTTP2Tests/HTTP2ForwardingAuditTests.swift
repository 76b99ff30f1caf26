import NIOHPACK
import Testing

@testable import BerthGatewayHTTP2

/// Found by the outside audit (branch audit1): an HTTP/2 client's `x-forwarded-for: 6.6.6.6` (and `forwarded`,
/// `x-real-ip`...) reached an h2c/gRPC replica as sent, with no address of the gateway's own, while HTTP/1.1 replicas
/// and bridged HTTP/1.1 clients got the gateway's. A replica that rate-limits or logs by that address was fooled.
@Suite struct HTTP2ForwardingAuditTests {
    private let forwarding = HTTP2StreamProxy.Forwarding(clientAddress: "10.0.0.7", scheme: "http", host: "api")

    private func block(_ extra: [(String, String)]) -> HTTP2Fields {
        HTTP2Fields([(":method", "POST"), (":scheme", "http"), (":authority", "api"), (":path", "/pkg.S/M")] + extra)
    }

    @Test func aClientsForwardingFieldsAreReplacedByTheGateways() {
        let forged = block([
            ("content-type", "application/grpc"), ("x-forwarded-for", "6.6.6.6"), ("forwarded", "for=6.6.6.6"),
            ("x-real-ip", "6.6.6.6"), ("x-forwarded-proto", "https"), ("x-forwarded-host", "evil"),
            ("x-forwarded-port", "443"),
        ])
        for fields in [HTTP2StreamProxy.RequestFields(forged), nil] {
            let headers = HTTP2StreamProxy.upstreamHeaders(
                forged, path: "/pkg.S/M", requestID: "r", fields: fields, forwarding: forwarding)
            #expect(headers["x-forwarded-for"] == ["10.0.0.7"])
            #expect(headers["x-forwarded-proto"] == ["http"])
            #expect(headers["x-forwarded-host"] == ["api"])
            for gone in ["forwarded", "x-real-ip", "x-forwarded-port"] { #expect(!headers.contains(name: gone)) }
            #expect(headers.first(name: "content-type") == "application/grpc")
        }
    }

    @Test func aPlainCallGetsTheGatewaysFieldsOnTheFastPathToo() {
        let plain = block([("content-type", "application/grpc")])
        let fast = HTTP2StreamProxy.upstreamHeaders(
            plain, path: "/pkg.S/M", requestID: "r", fields: .init(plain), forwarding: forwarding)
        let rebuilt = HTTP2StreamProxy.upstreamHeaders(plain, path: "/pkg.S/M", requestID: "r", forwarding: forwarding)
        #expect(Array(fast.map { "\($0.name)=\($0.value)" }) == Array(rebuilt.map { "\($0.name)=\($0.value)" }))
        #expect(fast["x-forwarded-for"] == ["10.0.0.7"])
    }
}
