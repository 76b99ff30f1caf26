import BerthGatewayCore
import Testing

/// Found by the outside audit (branch audit7): `X-Client-IP`, `True-Client-IP`, `CF-Connecting-IP`,
/// `X-Cluster-Client-IP`, `X-Originating-IP`, `Client-IP` and the like reached replicas from any client, while
/// `X-Real-IP` was dropped. Applications read them before `X-Forwarded-For` (node's request-ip takes `X-Client-IP`
/// first), so `X-Client-IP: 6.6.6.6` was the address they saw. They are dropped like `X-Real-IP` unless the peer is
/// in `trust_forwarded`, and their `_` spellings always.
@Suite struct ClientAddressFieldAuditTests {
    static let forged =
        "X-Client-IP: 6.6.6.6\r\nTrue-Client-IP: 6.6.6.6\r\nCF-Connecting-IP: 6.6.6.6\r\n"
        + "X-Cluster-Client-IP: 6.6.6.6\r\nX-Originating-IP: 6.6.6.6\r\nClient-IP: 6.6.6.6\r\n"
        + "Fastly-Client-IP: 6.6.6.6\r\nX-Forwarded: for=6.6.6.6\r\nForwarded-For: 6.6.6.6\r\n"
        + "X-Remote-IP: 6.6.6.6\r\nX-Remote-Addr: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n"

    @Test func anUntrustedClientsAddressFieldsAreDropped() throws {
        let text = "GET / HTTP/1.1\r\nHost: h\r\n" + Self.forged + "X_Client_IP: 6.6.6.6\r\nX-Custom: kept\r\n\r\n"
        let rewrite = RequestRewrite(clientAddress: "9.9.9.9", requestID: "id", trustForwarded: false)
        let out = try RewriteTests.rewritten(text, rewrite)
        #expect(
            out == "GET / HTTP/1.1\r\nHost: h\r\nX-Custom: kept\r\nX-Forwarded-For: 9.9.9.9\r\n"
                + "X-Forwarded-Proto: http\r\nX-Forwarded-Host: h\r\nX-Request-Id: id\r\n\r\n")
    }

    @Test func aTrustedProxysAddressFieldsPassButNotTheirLookalikes() throws {
        let text = "GET / HTTP/1.1\r\nHost: h\r\n" + Self.forged + "X_Client_IP: 6.6.6.6\r\n\r\n"
        let rewrite = RequestRewrite(clientAddress: "9.9.9.9", requestID: "id", trustForwarded: true)
        let out = try RewriteTests.rewritten(text, rewrite)
        #expect(out.hasPrefix("GET / HTTP/1.1\r\nHost: h\r\n" + Self.forged), "\(out)")
        #expect(!out.contains("X_Client_IP"))
    }

    @Test(arguments: [
        "x-client-ip", "X-Client-IP", "true-client-ip", "CF-CONNECTING-IP", "x-cluster-client-ip", "x-originating-ip",
        "client-ip", "fastly-client-ip", "x-forwarded", "forwarded-for", "x-remote-ip", "x-remote-addr", "x-real-ip",
    ])
    func clientAddressNames(_ name: String) {
        #expect(ForwardingFieldName.isClientAddress(name), "\(name)")
    }

    @Test(arguments: ["x-client", "client-ips", "x-forwarded-for", "forwarded", "x-clientip", "", "user-agent"])
    func otherNames(_ name: String) {
        #expect(!ForwardingFieldName.isClientAddress(name), "\(name)")
    }

    @Test(arguments: ["x_client_ip", "True_Client_IP", "cf_connecting_ip", "x_cluster_client_ip", "client_ip"])
    func lookalikesOfClientAddressNames(_ name: String) {
        #expect(ForwardingFieldName.isLookalike(name), "\(name)")
    }

    @Test func theyAreDroppedFromTrailers() {
        #expect(!TrailerFilter.allows(line: Array("X-Client-IP: 6.6.6.6".utf8)))
        #expect(!TrailerFilter.allows(line: Array("cf-connecting-ip: 6.6.6.6".utf8)))
        #expect(TrailerFilter.allows(line: Array("x-checksum: 1".utf8)))
    }
}
