import BerthGateway
import BerthTestSupport
import Foundation
import Testing

/// `HostileRequest.all` (docs/hostile-input.md) through the real gateway on loopback: each client gets the case's
/// status and a closed connection, and not one byte of it reaches the upstream, which records what it receives.
@Suite(.serialized, .timeLimit(.minutes(2))) struct GatewayHostileInputTests {
    @Test func everyHostileRequestIsRefusedAndNothingReachesTheUpstream() async throws {
        let upstream = try RecordingUpstream()
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: [upstream.port])

        // The upstream is reachable and records: a plain request arrives.
        let probe = try TestHTTPConnection(port: gateway.port)
        #expect(try probe.get("/probe").status == 200)
        #expect(await upstream.waitForBytes(atLeast: 1))
        #expect(String(decoding: upstream.bytes, as: UTF8.self).hasPrefix("GET /probe HTTP/1.1\r\n"))
        upstream.clear()

        for hostile in HostileRequest.all {
            let client = try TestHTTPConnection(port: gateway.port)
            try client.send(hostile.bytes)
            let response = try client.readResponse()
            #expect(response.status == hostile.status, "\(hostile.name)")
            #expect(client.isClosedByPeer(), "\(hostile.name): connection left open")
        }
        // A last plain request, on a fresh connection: once it has arrived, anything sent before would have too.
        let last = try TestHTTPConnection(port: gateway.port)
        #expect(try last.get("/last").status == 200)
        #expect(await upstream.waitForBytes(atLeast: 1))
        try await Task.sleep(for: .milliseconds(100))
        let seen = String(decoding: upstream.bytes, as: UTF8.self)
        #expect(seen.hasPrefix("GET /last HTTP/1.1\r\n"), "the upstream received: \(seen.debugDescription)")
        #expect(seen.components(separatedBy: "HTTP/1.1\r\n").count == 2, "\(seen.debugDescription)")
        await gateway.stop()
    }
}
