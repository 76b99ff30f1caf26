import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Foundation
import Testing

/// The pool's idle keep-alive connections over real sockets: the gateway finds an idle connection where it pooled
/// it (no table of connections hashed per request), so one that the replica closes must still be forgotten.
@Suite(.serialized, .timeLimit(.minutes(2))) struct GatewayIdlePoolTests {
    /// A connection the replica closes while idle is never handed out again. Were it kept, the next request would
    /// be written to a closed channel, answered by nothing, and end as a 504 after `timeout` (a replay does not
    /// come: a dead channel sends no event). Replay is allowed (`retries: 1`) so that a request racing the close
    /// is not a failure of this test.
    @Test func anIdleConnectionClosedByTheReplicaIsNotReused() async throws {
        let upstream = try RecordingUpstream()
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")]) {
            $0.retries = 1
            $0.upstreamTimeout = .seconds(5)
        }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        for round in 0..<3 {
            let response = try await onThread { try TestHTTPConnection(port: port).get("/round-\(round)") }
            #expect(response.status == 200, "round \(round)")
            #expect(response.text == "ok")
            // The gateway pooled its connection; the replica closes it, and the gateway's idle read sees that.
            try await Task.sleep(for: .milliseconds(100))
            upstream.closeOpenConnections()
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(upstream.accepted >= 3)
        await gateway.stop()
    }
}
