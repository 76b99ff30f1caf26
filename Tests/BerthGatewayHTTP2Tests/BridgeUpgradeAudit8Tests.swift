import NIOHPACK
import NIOHTTP1
import Testing

@testable import BerthGatewayHTTP2

/// Found by the outside audit (branch audit8): an HTTP/1.1 request offering `Upgrade: h2c` to an h2c/gRPC service got
/// 502 "Upgrade (h2c) cannot be forwarded", while the same request to an HTTP/1.1 service was served (the HTTP/1.1
/// gateway ignores an h2c upgrade, as RFC 9110 §7.8 lets a server). `curl --http2` offers h2c on every cleartext
/// request, so it failed against every h2c/gRPC service.
@Suite struct BridgeUpgradeAudit8Tests {
    private func head(_ fields: [(String, String)]) -> HTTPRequestHead {
        HTTPRequestHead(
            version: .http1_1, method: .GET, uri: "/pkg.S/M", headers: HTTPHeaders([("Host", "api")] + fields))
    }

    @Test func anH2CUpgradeIsIgnoredAndItsFieldsDropped() throws {
        let request = head([
            ("Connection", "Upgrade, HTTP2-Settings"), ("Upgrade", "h2c"), ("HTTP2-Settings", "AAMAAABkAAQAAP__"),
        ])
        // Before the fix: `.failure(.upgrade("h2c"))`, a 502.
        let (headers, _, _) = try HTTP1Translation.requestHeaders(request, scheme: "http", clientAddress: "x").get()
        for gone in ["upgrade", "http2-settings", "connection"] { #expect(!headers.contains(name: gone)) }
        #expect(headers.first(name: ":path") == "/pkg.S/M")
    }

    @Test func anUpgradeToAnythingElseIsStillRefused() {
        for offer in ["websocket", "WebSocket", "foo/1"] {
            #expect(throws: HTTP1Translation.Refusal.upgrade(offer)) {
                try HTTP1Translation.requestHeaders(
                    head([("Connection", "Upgrade"), ("Upgrade", offer)]), scheme: "http", clientAddress: "x"
                ).get()
            }
        }
    }
}
