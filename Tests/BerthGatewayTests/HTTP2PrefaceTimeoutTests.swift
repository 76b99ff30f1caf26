import BerthTestSupport
import Foundation
import Testing

/// Issue 15: a client that sends only part of the HTTP/2 preface (the gateway cannot tell HTTP/2 from HTTP/1.1 yet)
/// holds a descriptor like a slow HTTP/1.1 head: it is closed after `header_timeout`, not kept forever.
@Suite(.serialized) struct HTTP2PrefaceTimeoutTests {
    @Test func aPartialPrefaceIsClosedAfterTheHeaderTimeout() async throws {
        let gateway = try await RunningGateway(routes: [route("/", "web")]) {
            $0.headerTimeout = .milliseconds(400)
        }
        let port = gateway.port
        let started = ContinuousClock.now
        let closed = try await onThread { () -> Bool in
            let client = try TestHTTPConnection(port: port)
            try client.send("PRI * HTTP/2.0\r\n")  // 16 of the preface's 24 bytes, then nothing.
            // The bound on "not kept forever" is this wait (10 s, 25 header timeouts), not a tighter clock check: a
            // loaded CI machine adds seconds to a connect and a close.
            return client.isClosedByPeer(within: 10)
        }
        let elapsed = ContinuousClock.now - started
        #expect(closed, "the gateway kept a connection that sent part of the preface")
        #expect(elapsed >= .milliseconds(350), "closed after \(elapsed): before the header timeout")
        await gateway.stop()
    }
}
