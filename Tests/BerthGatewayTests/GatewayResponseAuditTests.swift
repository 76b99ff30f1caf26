import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Testing

/// Found by the outside audit (branch audit7): a replica's `101 Switching Protocols` to a request without `Upgrade`
/// reached the client, which then took its connection for switched while the gateway went on reading it as HTTP/1.1
/// (the client's next request got a response the client read as tunnel bytes). RFC 9110 §15.2.2 forbids such a
/// switch: the replica broke the protocol, and the client gets a 502 naming it.
@Suite(.serialized, .timeLimit(.minutes(2))) struct GatewayResponseAuditTests {
    @Test func a101WithoutAnUpgradeRequestIs502() async throws {
        let upstream = try ScriptedUpstream { _ in
            Array("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n".utf8)
        }
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")]) { $0.retries = 0 }
        gateway.gateway.replicaReady(service: "web", replica: 1, index: 0, port: upstream.port, generation: 1)
        try await Task.sleep(for: .milliseconds(20))
        let response = try TestHTTPConnection(port: gateway.port).get("/x")
        // Before the fix: status 101, with `Upgrade: websocket`.
        #expect(response.status == 502)
        #expect(
            response.text.contains(
                "web.0 answered with an invalid response head (101 Switching Protocols to a request"),
            "\(response.text)")
        await gateway.stop()
    }
}
