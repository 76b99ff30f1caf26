import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Foundation
import Testing

/// Found by the outside audit (branch audit7): `send_timeout` applied to HTTP/1.1 clients only. An HTTP/2 client
/// that asked for a large response and then took none of it (it never sent WINDOW_UPDATE, or never read its socket)
/// held the call's HTTP/1.1 replica connection for as long as it kept its own open (80 s and more, measured: the
/// idle timeout counts only connections without streams), and with it a single-threaded replica.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HTTP2SendTimeoutAuditTests {
    /// The HTTP/1.1 case of `GatewaySendTimeoutTests.aStalledClientReleasesItsReplicaAfterTheSendTimeout`, over
    /// HTTP/2: the client keeps its 64 KiB window and never opens it further.
    @Test func anHTTP2ClientThatTakesNothingReleasesItsReplicaAfterTheSendTimeout() async throws {
        let big =
            Array("HTTP/1.1 200 OK\r\nContent-Length: \(16 << 20)\r\n\r\n".utf8)
            + [UInt8](repeating: UInt8(ascii: "x"), count: 16 << 20)
        let upstream = try ScriptedUpstream { line in
            line.hasPrefix("GET /big ") ? big : Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)
        }
        defer { upstream.stop() }
        let log = CapturedLog()
        let gateway = try await RunningGateway(routes: [route("/", "web")], log: log) {
            $0.sendTimeout = .seconds(1)
            $0.accessLog = true
        }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let stalled = try TestHTTPConnection(port: port, timeoutSeconds: 30)
        try stalled.send(HTTP2AuditTests.http2Preface + HTTP2AuditTests.headersFrame(stream: 1, path: "/big"))
        let started = ContinuousClock.now
        // The call reached the single-threaded replica (which then blocks sending to the gateway) before the next
        // request is sent.
        let deadline = ContinuousClock.now + .seconds(10)
        while upstream.requests.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(upstream.requests == ["GET /big HTTP/1.1"])
        // Served once the replica is free again: after the send timeout, not never. Before the fix "never" was the
        // client's 30 s receive timeout (the GET throws); no tighter bound (see the HTTP/1.1 test: filling the
        // buffers between replica, gateway and client takes seconds on a loaded machine).
        let next = try await onThread { () throws -> Int in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 30)
            return try client.get("/small").status
        }
        let elapsed = ContinuousClock.now - started
        #expect(next == 200)
        #expect(elapsed >= .milliseconds(900), "\(elapsed)")
        #expect(upstream.requests == ["GET /big HTTP/1.1", "GET /small HTTP/1.1"])
        // The stalled call is logged as the client's (its response had started: 200), not against the replica.
        let lines = await log.waitForRequests(2)
        #expect(lines.contains { $0["path"] == "/big" && $0["status"] == "200" }, "\(lines)")
        withExtendedLifetime(stalled) {}
        await gateway.stop()
    }
}
