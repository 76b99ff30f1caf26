import BerthTestSupport
import Foundation
import Testing

/// Found by the outside audit (branch audit1), through a real gateway: a request whose body never all arrives was
/// 504 and counted as the replica's timeout (`ExchangeAuditTests` checks the judging); the client now gets 408.
@Suite(.serialized) struct GatewayAuditTests {
    @Test func aBodyThatNeverArrivesIs408() async throws {
        let upstream = try RecordingUpstream(answering: false)
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")]) { $0.upstreamTimeout = .milliseconds(300) }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let status = try await onThread { () -> Int in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 10)
            try client.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nab")
            return try client.readResponse(method: "POST").status
        }
        #expect(status == 408)
        #expect(await upstream.waitForBytes(atLeast: 1), "the head went to the replica first")
        await gateway.stop()
    }
}
