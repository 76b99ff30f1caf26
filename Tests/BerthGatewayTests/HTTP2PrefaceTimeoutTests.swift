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
            return client.isClosedByPeer(within: 5)
        }
        let elapsed = ContinuousClock.now - started
        #expect(closed, "the gateway kept a connection that sent part of the preface")
        #expect(elapsed >= .milliseconds(350), "closed after \(elapsed): before the header timeout")
        #expect(elapsed < .seconds(3), "closed after \(elapsed)")
        await gateway.stop()
    }
}
