import BerthGatewayCore
import Testing

/// Found by the outside audit (branch audit1): `Upgrade: h2c` went to the replica with `Connection: upgrade`. A
/// replica that accepts it turns the connection into an HTTP/2 tunnel whose later requests pass no route and no
/// check of the gateway's ("h2c smuggling"). It now goes on as plain HTTP/1.1, without the Upgrade field.
@Suite struct UpgradeAuditTests {
    @Test(arguments: ["h2c", "H2C", " h2c ", "websocket, h2c", "h2c/1"])
    func anH2CUpgradeIsNotPassedOn(_ offer: String) throws {
        let text =
            "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: \(offer)\r\n"
            + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
        let head = try #require(try TestBytes.request(text)).head
        #expect(head.upgrade == nil)
        let out = try RewriteTests.rewritten(text, RequestRewrite(clientAddress: "c", requestID: "r"))
        #expect(!out.lowercased().contains("upgrade"), "\(out)")
        #expect(!out.contains("HTTP2-Settings"))
    }

    @Test func aWebSocketUpgradeStillIs() throws {
        let text = "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
        #expect(try #require(try TestBytes.request(text)).head.upgrade == "websocket")
    }
}
