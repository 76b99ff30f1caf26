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

    /// A bad chunk that arrives after the head was forwarded: the client gets 400, and the upstream sees its
    /// connection closed after the head, never a complete request.
    @Test func aBadChunkInALaterReadClosesTheUpstreamConnectionMidRequest() async throws {
        let upstream = try RecordingUpstream(answering: false)
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: [upstream.port])
        let client = try TestHTTPConnection(port: gateway.port)
        try client.send("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        #expect(await upstream.waitForBytes(atLeast: 1))
        try client.send("zz\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try client.readResponse().status == 400)
        #expect(client.isClosedByPeer())
        let deadline = ContinuousClock.now + .seconds(5)
        while upstream.closedByGateway < 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(upstream.closedByGateway == 1)
        let seen = String(decoding: upstream.bytes, as: UTF8.self)
        #expect(seen.hasPrefix("POST /up HTTP/1.1\r\n"))
        #expect(!seen.contains("smuggled") && !seen.contains("zz"), "\(seen.debugDescription)")
        await gateway.stop()
    }

    /// An upstream that answers before the body ends, then a bad chunk: the client gets that answer and a closed
    /// connection, never a second, unasked-for response (which it would take for the answer to its next request).
    @Test func aBadChunkAfterAnEarlyAnswerClosesWithoutASecondResponse() async throws {
        let upstream = try RecordingUpstream()
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: [upstream.port])
        let client = try TestHTTPConnection(port: gateway.port, timeoutSeconds: 5)
        try client.send("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        #expect(try client.readResponse().status == 200)
        try client.send("zz\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(client.isClosedByPeer())
        try await Task.sleep(for: .milliseconds(50))
        #expect(!String(decoding: upstream.bytes, as: UTF8.self).contains("smuggled"))
        await gateway.stop()
    }

    @Test func aBadChunkWhileTheResponseStreamsCutsTheConnectionWithoutASecondResponse() async throws {
        // The replica answers at once and is still sending its body when the client's next chunk is malformed: the
        // client already has a status line, so the gateway cannot answer 400 any more; it closes the connection.
        let upstream = try ScriptedUpstream { _ in
            Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial".utf8)
        }
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")])
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let (seen, closed) = try await onThread { () throws -> (String, Bool) in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 5)
            try client.send("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            let seen = try client.read(through: "partial")
            try client.send("zz\r\n")
            return (seen, client.isClosedByPeer())
        }
        #expect(seen.hasPrefix("HTTP/1.1 200"))
        #expect(closed, "the connection is closed, with no 400 written into the middle of the 200")
        await gateway.stop()
    }
}
