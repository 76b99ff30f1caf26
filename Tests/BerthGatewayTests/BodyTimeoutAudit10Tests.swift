import BerthGateway
import BerthGatewayCore
import BerthTestSupport
import Foundation
import Testing

/// Found by the outside audits audit8 and audit9, left open until audit10: a client that sends a request's head (an
/// HTTP/2 call's HEADERS without END_STREAM, or an HTTP/1.1 head announcing a body) and then nothing held a replica's
/// worker until the route's `timeout` (60 s by default): 100 such calls per connection emptied a grpcio replica's
/// thread pool. `body_timeout` (20 s by default, 1 s here) now ends such a request, the try not judged, and the
/// replica connection is closed, which frees the replica. The replica here serves one connection at a time: the
/// next request is answered only once the gateway let go of the first.
@Suite(.serialized, .timeLimit(.minutes(2))) struct BodyTimeoutAudit10Tests {
    static func holdingReplica() throws -> ScriptedUpstream {
        // The request that announces a body gets no answer: the replica waits for the body.
        try ScriptedUpstream { line in
            line.contains(" /upload ") ? [] : Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)
        }
    }

    @Test(arguments: [false, true])
    func anHTTP2CallThatSendsNoBodyEndsAtTheBodyTimeoutAndFreesItsReplica(grpc: Bool) async throws {
        let upstream = try Self.holdingReplica()
        defer { upstream.stop() }
        let log = CapturedLog()
        let gateway = try await RunningGateway(routes: [route("/", "web")], log: log) {
            $0.bodyTimeout = .seconds(1)
            $0.accessLog = true
        }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let silent = try TestHTTPConnection(port: port, timeoutSeconds: 30)
        let extra = grpc ? [("content-type", "application/grpc")] : []
        try silent.send(
            HTTP2AuditTests.http2Preface
                + HTTP2AuditTests.headersFrame(stream: 1, path: "/upload", extra: extra, endStream: false))
        let started = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(10)
        while upstream.requests.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(upstream.requests == ["GET /upload HTTP/1.1"])
        // Before the fix, the replica was held for the route's 60 s: this client's 30 s receive timeout threw.
        let next = try await onThread { () throws -> Int in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 30)
            return try client.get("/small").status
        }
        let elapsed = ContinuousClock.now - started
        #expect(next == 200)
        #expect(elapsed >= .milliseconds(900), "\(elapsed)")
        #expect(elapsed < .seconds(20), "\(elapsed)")
        // The call is the client's: 408, or DEADLINE_EXCEEDED (4) for gRPC, not a 504 held against the replica.
        let lines = await log.waitForRequests(2)
        let call = try #require(lines.first { $0["path"] == "/upload" }, "\(lines)")
        if grpc {
            #expect(call["grpc_status"] == "4", "\(call)")
        } else {
            #expect(call["status"] == "408", "\(call)")
        }
        withExtendedLifetime(silent) {}
        await gateway.stop()
    }

    @Test func anHTTP1RequestWhoseBodyNeverComesGets408AtTheBodyTimeout() async throws {
        let upstream = try Self.holdingReplica()
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")]) { $0.bodyTimeout = .seconds(1) }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let started = ContinuousClock.now
        let status = try await onThread { () throws -> Int in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 30)
            try client.send("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789")
            return try client.readResponse(method: "POST").status
        }
        let elapsed = ContinuousClock.now - started
        // Before the fix: 408 only at the route's timeout, 60 s (this client's 30 s receive timeout threw first).
        #expect(status == 408)
        #expect(elapsed >= .milliseconds(900), "\(elapsed)")
        #expect(elapsed < .seconds(20), "\(elapsed)")
        let next = try await onThread { () throws -> Int in
            try TestHTTPConnection(port: port, timeoutSeconds: 30).get("/small").status
        }
        #expect(next == 200)
        #expect(upstream.requests == ["POST /upload HTTP/1.1", "GET /small HTTP/1.1"])
        await gateway.stop()
    }

    @Test func aBodyThatKeepsComingIsNotCut() async throws {
        let upstream = try Self.holdingReplica()
        defer { upstream.stop() }
        // The route's timeout (4 s) is what ends the request once its body is complete: the replica's silence.
        let slow = RouteTable.Route(
            path: "/", host: nil, service: "web", stripPrefix: false, timeout: .seconds(4), retries: nil)
        let gateway = try await RunningGateway(routes: [slow]) { $0.bodyTimeout = .seconds(1) }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let status = try await onThread { () throws -> Int in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 30)
            try client.send("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\n")
            for _ in 0..<5 {
                Thread.sleep(forTimeInterval: 0.5)  // each piece within the timeout: 2.5 s in all, past it
                try client.send("x")
            }
            return try client.readResponse(method: "POST").status
        }
        #expect(status == 504)
        await gateway.stop()
    }

    /// An HTTP/1.1 client bridged to an h2c replica (which answers only once the request's stream ended): the same
    /// 408, and the bridged connection closed (it cannot skip the rest of the body).
    @Test func aBridgedHTTP1RequestWhoseBodyNeverComesGets408AtTheBodyTimeout() async throws {
        let upstream = try ScriptedH2Upstream { stream in
            ReplicaResponseAudit8Tests.headers(stream, [(":status", "200"), ("content-length", "2")])
                + ReplicaResponseAudit8Tests.data(stream, "ok", end: true)
        }
        defer { upstream.stop() }
        let gateway = try await RunningGateway(routes: [route("/", "web")]) {
            $0.upstreamProtocols = ["web": .h2c]
            $0.bodyTimeout = .seconds(1)
        }
        await gateway.ready("web", ports: [upstream.port])
        let port = gateway.port
        let started = ContinuousClock.now
        let (status, closed) = try await onThread { () throws -> (Int, Bool) in
            let client = try TestHTTPConnection(port: port, timeoutSeconds: 30)
            try client.send("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789")
            let status = try client.readResponse(method: "POST").status
            return (status, client.isClosedByPeer(within: 5))
        }
        let elapsed = ContinuousClock.now - started
        #expect(status == 408)
        #expect(closed)
        #expect(elapsed >= .milliseconds(900), "\(elapsed)")
        #expect(elapsed < .seconds(20), "\(elapsed)")
        // The replica got the request's head, and a request that ends is still served.
        #expect(upstream.blocks.count == 1)
        let next = try await onThread { () throws -> Int in
            try TestHTTPConnection(port: port, timeoutSeconds: 30).get("/small").status
        }
        #expect(next == 200)
        await gateway.stop()
    }
}
